"""Pages about issued documents (§12, SPEC §7): the register and its export, one document with
its chain and audit trail, an intake's documents with issuing in the background, and the
public verification page reached from the QR code or by number and surname."""

import datetime
import math
import time

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates import exports, services
from certificates.documents import render_document_pdf, render_documents_print_pdf
from certificates.forms import (
    DuplicateForm,
    RegisterFilterForm,
    RevokeForm,
    VerifyForm,
)
from certificates.models import Document, DocumentStatus, IssueJob, documents_due_summary
from courses.models import Intake
from institute.access import administrator_only, institute_staff, is_administrator
from institute.auth import client_address
from institute.models import AuditEntry
from institute.responses import PDF, XLSX, file_response
from institute.text import clean_name, fold_lookalikes
from listeners.models import Enrollment
from listeners.rules import EnrollmentState

PER_PAGE = 50
DUE_ROWS = 8
ACTIONS = {
    "document.issued": gettext_lazy("Issued"),
    "document.duplicated": gettext_lazy("Duplicate issued"),
    "document.revoked": gettext_lazy("Revoked"),
    "document.printed": gettext_lazy("Printed or downloaded"),
}
DETAILS = {
    "number": gettext_lazy("number"),
    "original": gettext_lazy("original"),
    "reason": gettext_lazy("reason"),
}

# Failed look-ups by number and surname from one address are counted, so that nobody can
# try surnames against numbers (or numbers against a surname) at speed.
VERIFY_MAX_FAILURES = 5
VERIFY_WINDOW_SECONDS = 10 * 60


def _documents() -> QuerySet[Document]:
    """Documents with everything a row of the register shows, in one query."""
    return Document.objects.select_related(
        "enrollment__listener__organisation",
        "enrollment__intake__programme",
        "issued_by",
        "duplicate_of",
        "replaces",
    )


def _language_value(snapshot: dict, base: str) -> str:
    """`<base>_<language>` from a snapshot for the active language, else Kazakh, else Russian."""
    language = (get_language() or "kk")[:2]
    for code in (language, "kk", "ru"):
        if snapshot.get(f"{base}_{code}"):
            return snapshot[f"{base}_{code}"]
    return ""


def _iso_day(value: object) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def certified(document: Document) -> dict:
    """What the document certifies, read from its snapshot as issued (SPEC §7), in the
    reader's language where the snapshot has it. Nothing personal beyond the name.

    The names and titles are shown cleaned (institute.text.clean_name): a snapshot frozen
    before issue 18 may hold a zero-width or bidirectional-override character, which the
    page must not show (an override renders the name reversed). The snapshot itself stays
    as issued: it is the record of what the stored PDF says."""
    snapshot = document.snapshot
    return {
        "full_name": clean_name(snapshot.get("full_name")),
        "kind": document.get_kind_display(),
        "programme": clean_name(_language_value(snapshot, "programme_title")),
        "training": _language_value(snapshot, "training"),
        "hours": snapshot.get("hours"),
        "start_date": _iso_day(snapshot.get("start_date")),
        "end_date": _iso_day(snapshot.get("end_date")),
        "institute": clean_name(_language_value(snapshot, "institute_name")),
        "signatory": clean_name(snapshot.get("head_name")),
        "issued_on": _iso_day(snapshot.get("issued_on")) or timezone.localdate(document.issued_at),
    }


def _document(pk: int) -> Document:
    return get_object_or_404(_documents().select_related("revoked_by"), pk=pk)


# --- the register -----------------------------------------------------------------------------


def _filtered(form: RegisterFilterForm) -> QuerySet[Document]:
    documents = _documents()
    if not form.is_valid():
        return documents
    data = form.cleaned_data
    if q := data["q"].strip():
        # SQLite folds the case of ASCII letters only: the Cyrillic spellings are also tried.
        spellings = {q, q.upper(), q.lower(), q.capitalize()}
        match = Q()
        for text in spellings:
            match |= Q(number__icontains=text) | Q(enrollment__listener__last_name__icontains=text)
        documents = documents.filter(match)
    lookups = {
        "year": "year",
        "kind": "kind",
        "status": "status",
        "intake": "enrollment__intake",
        "organisation": "enrollment__listener__organisation",
    }
    for name, lookup in lookups.items():
        if data[name]:
            documents = documents.filter(**{lookup: data[name]})
    return documents


@require_GET
@institute_staff
def register(request: HttpRequest) -> HttpResponse:
    """Every issued document, filtered; a constant number of queries whatever the page."""
    form = RegisterFilterForm(request.GET or None)
    page = Paginator(_filtered(form), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        # Where documents are issued from: the intakes still waiting for theirs.
        **documents_due_summary(DUE_ROWS),
    }
    return render(request, "certificates/register.html", context)


@require_GET
@institute_staff
def register_export(request: HttpRequest) -> HttpResponse:
    """The filtered register as .xlsx, with the columns an auditor asks for (SPEC §7)."""
    form = RegisterFilterForm(request.GET or None)
    data = exports.register_xlsx(documents=_filtered(form), language=get_language())
    return file_response(data, "documents.xlsx", XLSX, inline=False)


# --- one document -----------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    document: Document,
    *,
    revoke_form: RevokeForm | None = None,
    duplicate_form: DuplicateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    trail = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Document), object_id=document.pk
    ).select_related("by")
    for entry in trail:
        entry.label = ACTIONS.get(entry.action, entry.action)
        entry.details = [(DETAILS.get(key, key), value) for key, value in entry.data.items()]
    administrator = is_administrator(request.user)
    valid = document.status == DocumentStatus.VALID
    context = {
        "document": document,
        "certified": certified(document),
        "duplicates": document.duplicates.order_by("issued_at"),
        "replaced_by": document.replaced_by.order_by("issued_at"),
        "trail": trail,
        "can_issue": administrator,
        # A form sent back with its errors is shown even if the document is no longer valid.
        "revoke_form": revoke_form or (RevokeForm() if administrator and valid else None),
        "duplicate_form": duplicate_form or (DuplicateForm() if administrator and valid else None),
    }
    return render(request, "certificates/document_detail.html", context, status=status)


@require_GET
@institute_staff
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _document(pk))


@require_GET
@institute_staff
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored PDF exactly as issued; every download is written to the audit trail."""
    document = _document(pk)
    if not document.pdf:
        raise Http404
    services.document_printed(documents=[document], by=request.user)
    return FileResponse(
        document.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{document.number}.pdf",
    )


@require_GET
@institute_staff
def document_archive_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF/A-3b copy for the archive, rendered from the same frozen snapshot as the
    stored PDF (fonts embedded, no transparency, with the metadata PDF/A asks for)."""
    document = _document(pk)
    data = render_document_pdf(document, pdfa=True)
    services.document_printed(documents=[document], by=request.user)
    return file_response(data, f"{document.number}-PDFA.pdf", PDF, inline=False)


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's RuleViolation beside its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_POST
@administrator_only
def document_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """A duplicate of a lost document: a new number referring to the original, which stops
    being valid (SPEC §7)."""
    document = _document(pk)
    form = DuplicateForm(request.POST)
    if form.is_valid():
        try:
            duplicate = services.document_duplicate(document=document, by=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Duplicate %(number)s issued in place of %(original)s.")
                % {"number": duplicate.number, "original": document.number},
            )
            return redirect("certificates:document_detail", duplicate.pk)
    return _detail(request, document, duplicate_form=form, status=400)


@require_POST
@administrator_only
def document_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a mistaken document with the reason, and issue the corrected one if asked: a
    document is never edited (SPEC §7)."""
    document = _document(pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            new = services.document_revoke(
                document=document,
                by=request.user,
                reason=form.cleaned_data["reason"],
                reissue=form.cleaned_data["reissue"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if new is not None:
                messages.success(
                    request,
                    _("%(old)s revoked; %(new)s issued in its place.")
                    % {"old": document.number, "new": new.number},
                )
                return redirect("certificates:document_detail", new.pk)
            messages.success(request, _("%(number)s revoked.") % {"number": document.number})
            return redirect("certificates:document_detail", document.pk)
    return _detail(request, document, revoke_form=form, status=400)


# --- an intake's documents --------------------------------------------------------------------


def _intake(pk: int) -> Intake:
    return get_object_or_404(Intake.objects.select_related("programme"), pk=pk)


def _job_context(intake: Intake, job: IssueJob | None) -> dict:
    """A job the worker is on is followed (the page polls it, the button waits); one the
    worker abandoned (killed, machine restarted) is shown stopped, and the button starts a
    new job that issues what is missing (issue_job_start closes the old one)."""
    return {"intake": intake, "job": job, "busy": job is not None and job.busy}


@require_GET
@institute_staff
def intake_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """The completed listeners of an intake, each with the document they hold (or none), and
    the progress of the last issuing job."""
    intake = _intake(pk)
    completed = intake.enrollments.filter(state=EnrollmentState.COMPLETED)
    counts = completed.aggregate(
        total=Count("pk"),
        missing=Count(
            "pk",
            filter=~Exists(
                Document.objects.filter(enrollment=OuterRef("pk"), status=DocumentStatus.VALID)
            ),
        ),
    )
    page = Paginator(
        completed.select_related("listener")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.order_by("-issued_at", "-pk"),
                to_attr="issued",
            )
        )
        .order_by("listener__last_name", "listener__first_name", "pk"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    for enrollment in page:
        valid = [d for d in enrollment.issued if d.status == DocumentStatus.VALID]
        enrollment.document = valid[0] if valid else None
    context = {
        **_job_context(intake, intake.issue_jobs.order_by("-created_at", "-pk").first()),
        "page": page,
        "completed": counts["total"],
        "missing": counts["missing"],
        "valid": counts["total"] - counts["missing"],
        "can_issue": is_administrator(request.user),
    }
    return render(request, "certificates/intake_documents.html", context)


def _back(intake: Intake) -> HttpResponse:
    return redirect("certificates:intake_documents", pk=intake.pk)


@require_POST
@administrator_only
def enrollment_issue(request: HttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    """Issue the document of one completed listener."""
    intake = _intake(pk)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("listener", "intake__programme"),
        intake=intake,
        pk=enrollment_pk,
    )
    try:
        document = services.document_issue(enrollment=enrollment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(number)s issued to %(name)s.")
            % {"number": document.number, "name": enrollment.listener.full_name},
        )
    return _back(intake)


@require_POST
@administrator_only
def intake_issue_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue, in the background, every document still missing in the intake; running it
    again issues only what is still missing."""
    intake = _intake(pk)
    try:
        services.issue_job_start(intake=intake, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(intake)


@require_GET
@institute_staff
def issue_job_status(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """How far the issuing job has got; htmx asks every second while it runs. When it ends,
    the page reloads once so the table shows the new documents."""
    intake = _intake(pk)
    job = get_object_or_404(IssueJob, intake=intake, pk=job_pk)
    context = _job_context(intake, job)
    response = render(request, "certificates/_issue_job.html", context)
    if request.headers.get("HX-Request") and not context["busy"]:
        response["HX-Refresh"] = "true"
    return response


@require_GET
@institute_staff
def intake_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Every valid document of the intake in one PDF, for printing; written to the trail."""
    intake = _intake(pk)
    documents = list(
        _documents()
        .filter(enrollment__intake=intake, status=DocumentStatus.VALID)
        .order_by("enrollment__listener__last_name", "enrollment__listener__first_name", "pk")
    )
    if not documents:
        messages.warning(request, _("This intake has no valid document to print."))
        return _back(intake)
    data = render_documents_print_pdf(documents)
    services.document_printed(documents=documents, by=request.user)
    return file_response(data, f"{intake.code}-documents.pdf", PDF, inline=True)


# --- the public verification page -----------------------------------------------------------


def _lookup_form(request: HttpRequest, form: VerifyForm | None = None) -> dict:
    """The look-up form and, while look-ups from this address are paused, why and until
    when: the form is then shown disabled, not as a form that can only fail."""
    form = form or VerifyForm()
    paused = _paused(request)
    if paused:
        form.lock()
    return {"form": form, "paused": paused}


def _verified(
    request: HttpRequest, document: Document, form: VerifyForm | None = None
) -> HttpResponse:
    """What a document certifies and whether it stands; never the IIN or any contact."""
    context = {
        "document": document,
        "certified": certified(document),
        "replaced_by": list(document.replaced_by.order_by("issued_at")),
        "later_duplicates": list(document.duplicates.order_by("issued_at")),
        **_lookup_form(request, form),
    }
    return render(request, "certificates/verify.html", context)


def _public() -> QuerySet[Document]:
    return Document.objects.select_related("duplicate_of", "replaces", "enrollment__listener")


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone may check a document from its QR code (SPEC §7). An unknown token is a 404
    that says the document is not in the register, with the look-up by number beside it.
    Not throttled: the token is 32 random characters, so there is nothing to guess at."""
    document = _public().filter(token=token).first()
    if document is None:
        context = {"not_in_register": True, **_lookup_form(request)}
        return render(request, "certificates/verify.html", context, status=404)
    return _verified(request, document)


def _failures_key(request: HttpRequest) -> str:
    return f"certificates:verify-failures:{client_address(request)}"


def _recent_failures(request: HttpRequest) -> list[float]:
    since = time.time() - VERIFY_WINDOW_SECONDS
    return [at for at in cache.get(_failures_key(request), []) if at > since]


def _count_failure(request: HttpRequest) -> None:
    failures = [*_recent_failures(request), time.time()][-VERIFY_MAX_FAILURES:]
    cache.set(_failures_key(request), failures, VERIFY_WINDOW_SECONDS)


def _paused(request: HttpRequest) -> dict | None:
    """After VERIFY_MAX_FAILURES misses in the window, how long look-ups from this address
    wait: whole minutes and the local time they resume (rounded up, never early)."""
    failures = _recent_failures(request)
    if len(failures) < VERIFY_MAX_FAILURES:
        return None
    now = time.time()
    minutes = max(1, math.ceil((failures[0] + VERIFY_WINDOW_SECONDS - now) / 60))
    resumes = timezone.localtime(
        datetime.datetime.fromtimestamp(now + minutes * 60, tz=datetime.UTC)
    )
    message = ngettext(
        "Too many failed look-ups from this address. Checking by number and surname is "
        "paused: try again in %(minutes)d minute, at %(time)s.",
        "Too many failed look-ups from this address. Checking by number and surname is "
        "paused: try again in %(minutes)d minutes, at %(time)s.",
        minutes,
    ) % {"minutes": minutes, "time": resumes.strftime("%H:%M")}
    return {"message": message, "seconds": minutes * 60}


def _surname_matches(document: Document, surname: str) -> bool:
    """The surname as it stands on the document; the listener's present surname too, so a
    holder who has since changed it is not turned away by a name typed from the record.
    Both folded as the typed one is (fold_lookalikes): Russian letters for Kazakh ones,
    Latin look-alikes, case, spaces and dashes make no difference."""
    snapshot = document.snapshot
    on_document = snapshot.get("last_name") or (snapshot.get("full_name") or "").split(" ")[0]
    names = [on_document, document.enrollment.listener.last_name]
    return any(name and fold_lookalikes(name) == surname for name in names)


@require_http_methods(["GET", "POST"])
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """Check a document by its number and its holder's surname, both folded as the stored
    ones are (VerifyForm); the number is found by its folded key, through an index. An
    unknown number and a wrong surname get the same answer. Each miss is counted per
    address; after VERIFY_MAX_FAILURES misses in the window the form is disabled and the
    page answers 429 until the window has passed."""
    page = "certificates/verify.html"
    paused = _paused(request)
    if paused:
        response = render(request, page, _lookup_form(request), status=429)
        response["Retry-After"] = str(paused["seconds"])
        return response
    if request.method == "GET":
        return render(request, page, _lookup_form(request))
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return render(request, page, {"form": form}, status=400)
    candidates = _public().filter(number_key=form.cleaned_data["number"])
    surname = form.cleaned_data["surname"]
    document = next((d for d in candidates if _surname_matches(d, surname)), None)
    if document is None:
        _count_failure(request)
        return render(request, page, {"not_found": True, **_lookup_form(request, form)})
    return _verified(request, document, form)
