"""The register of issued documents (§12) and its export; one document with its chain and
audit trail, its PDFs, and what an administrator does to it: a duplicate, a revocation."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certificates import services
from certificates.blanks.services import blank_of
from certificates.documents import render_document_pdf
from certificates.forms import DuplicateForm, RegisterFilterForm, RevokeForm
from certificates.models import Document, DocumentStatus, documents_due_summary
from certificates.pages import PER_PAGE, certified, documents_listed
from certificates.register import exports
from courses.rules import DocumentKind
from institute.access import administrator_only, institute_staff, is_administrator
from institute.forms import add_errors
from institute.models import AuditEntry
from institute.responses import PDF, XLSX, file_response

DUE_ROWS = 8
ACTIONS = {
    "document.issued": gettext_lazy("Issued"),
    "document.duplicated": gettext_lazy("Duplicate issued"),
    "document.revoked": gettext_lazy("Revoked"),
    "document.printed": gettext_lazy("Printed or downloaded"),
    "document.reprinted": gettext_lazy("Moved to a new blank form"),
}
DETAILS = {
    "number": gettext_lazy("number"),
    "original": gettext_lazy("original"),
    "reason": gettext_lazy("reason"),
    "spoiled": gettext_lazy("spoiled form"),
    "form": gettext_lazy("blank form"),
}


def _filtered(form: RegisterFilterForm) -> QuerySet[Document]:
    documents = documents_listed()
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
    """The filtered register as .xlsx, with the columns an auditor asks for."""
    form = RegisterFilterForm(request.GET or None)
    data = exports.register_xlsx(documents=_filtered(form), language=get_language())
    return file_response(data, "documents.xlsx", XLSX, inline=False)


# --- one document -----------------------------------------------------------------------------


def _document(pk: int) -> Document:
    return get_object_or_404(documents_listed().select_related("revoked_by"), pk=pk)


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
        "blank": blank_of(document) if document.kind == DocumentKind.DIPLOMA else None,
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


@require_POST
@administrator_only
def document_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """A duplicate of a lost document: a new number referring to the original, which stops
    being valid."""
    document = _document(pk)
    form = DuplicateForm(request.POST)
    if form.is_valid():
        try:
            duplicate = services.document_duplicate(document=document, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
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
    document is never edited."""
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
            add_errors(form, error)
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
