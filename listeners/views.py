"""Workspace pages about listeners and their enrollments."""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certificates.models import documents_due_summary
from courses.models import Attention, Commission, CommissionRole, Intake, IntakeStatus, Session
from institute.access import can_change, institute_staff, workspace_change, workspace_view
from institute.models import District, Organisation, Region, Role, User
from institute.responses import PDF, XLSX, file_response
from listeners import exports, reports, rules, services
from listeners.documents import render_admission_order_pdf, render_expulsion_reference_pdf
from listeners.forms import (
    COMMISSION_MEMBER_ROWS,
    AdmitForm,
    CommissionForm,
    CommissionMemberFormSet,
    ComplianceForm,
    EnrollmentAddForm,
    ExpelForm,
    ImportUploadForm,
    NoteForm,
    PeriodForm,
    ResultsDateForm,
)
from listeners.imports import import_job_run
from listeners.models import (
    Appeal,
    AppealStatus,
    Attendance,
    Enrollment,
    ExportJob,
    ExportKind,
    ExportStatus,
    ImportJob,
    Listener,
    Mark,
    Order,
)
from listeners.rules import EnrollmentState as S
from listeners.rules import Grade, OrderKind
from listeners.services import Enrolled, enrollment_admit, listener_enroll, seats_left
from listeners.tasks import enqueue_on_commit, export_build, import_check, invite_admitted

DASHBOARD_ROWS = 8


@workspace_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs a methodologist's attention today, each count linking to its list (the
    same Intake.objects.needing_attention the intake list filters by)."""
    today = timezone.localdate()

    def attention(kind: str) -> Q:
        return Intake.objects.attention_condition(kind, today=today)

    # Four small counts rather than one pass with four FILTERs: PostgreSQL then probes the
    # enrollments only for the intakes each condition leaves (30 ms in all at 9,600 intakes
    # and 962,000 enrollments, against 50–75 ms for the single pass).
    counts = {
        name: Intake.objects.needing_attention(kind, today=today).count()
        for name, kind in [
            ("starting_soon", Attention.STARTING_SOON),
            ("in_progress", Attention.IN_PROGRESS),
            ("with_applications", Attention.APPLICATIONS),
            ("results_due", Attention.RESULTS),
        ]
    }
    counts["applications"] = (
        Enrollment.objects.visible_to(request.user)
        .filter(state__in=[S.APPLIED, S.WAITLISTED])
        .exclude(intake__status=IntakeStatus.CANCELLED)
        .count()
    )
    # Counted by subqueries, so only the rows shown are counted (a join and GROUP BY counted
    # the enrollments of every intake starting within a month before keeping eight).
    listed = Intake.objects.select_related("programme").with_enrollments_in(
        waiting_count=[S.APPLIED, S.WAITLISTED], admitted_count=[S.ADMITTED]
    )
    context = {
        "today": today,
        "counts": counts,
        "starting_soon": listed.filter(attention(Attention.STARTING_SOON)).order_by("start_date")[
            :DASHBOARD_ROWS
        ],
        "results_due": listed.filter(attention(Attention.RESULTS)).order_by("end_date")[
            :DASHBOARD_ROWS
        ],
        **_documents_due(request.user),
        # Appeals of orders (§19.4) are the administrators' to answer.
        "open_appeals": (
            Appeal.objects.filter(status=AppealStatus.OPEN).count()
            if request.user.role == Role.ADMINISTRATOR
            else None
        ),
    }
    return render(request, "listeners/dashboard.html", context)


def _documents_due(user: User) -> dict:
    """The queue of documents to issue, for the institute's own staff (issued documents
    name people of every district: a district methodologist does not see them)."""
    if not can_change(user):
        return {"documents_due": None}
    return documents_due_summary(DASHBOARD_ROWS)


ENROLLMENTS_PER_PAGE = 100
STATE_BADGES = {
    S.APPLIED: "",
    S.WAITLISTED: "warn",
    S.ADMITTED: "ok",
    S.COMPLETED: "ok",
    S.FAILED: "bad",
    S.EXPELLED: "bad",
    S.WITHDRAWN: "",
    S.REJECTED: "bad",
}


def _intake(pk: int) -> Intake:
    return get_object_or_404(Intake.objects.select_related("programme"), pk=pk)


def _enrollment(intake: Intake, pk: int) -> Enrollment:
    """An enrollment of this intake only: the id of another intake's enrollment is a 404."""
    return get_object_or_404(
        Enrollment.objects.select_related("listener", "intake__programme"), intake=intake, pk=pk
    )


def _hidden(user: User, intake: Intake, shown: int, **filters: object) -> int:
    """How many of the intake's people (narrowed by `filters`) a district methodologist does
    not see beside the `shown` ones: the page says so rather than pretend they are not there."""
    if not user.sees_one_district:
        return 0
    return intake.enrollments.filter(**filters).count() - shown


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's RuleViolation beside its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _page(
    request: HttpRequest,
    intake: Intake,
    *,
    add_form: EnrollmentAddForm | None = None,
    admit_form: AdmitForm | None = None,
    expel_form: ExpelForm | None = None,
    expelling: Enrollment | None = None,
    selected_ids: frozenset[int] = frozenset(),
    status: int = 200,
) -> HttpResponse:
    """The enrollments page of an intake; a failed form is shown again with its errors."""
    state = request.GET.get("state", "")
    if state not in S.values:
        state = ""
    visible = intake.enrollments.visible_to(request.user)
    enrollments = visible.select_related(
        "listener__organisation", "customer", "admission_order", "expulsion_order"
    ).order_by("listener__last_name", "listener__first_name", "pk")
    if state:
        enrollments = enrollments.filter(state=state)
    counts = dict(
        visible.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    page = Paginator(enrollments, ENROLLMENTS_PER_PAGE).get_page(request.GET.get("page"))
    for enrollment in page.object_list:
        enrollment.badge = STATE_BADGES.get(enrollment.state, "")
    if expelling is None and request.GET.get("expel", "").isdigit():
        expelling = (
            visible.select_related("listener")
            .filter(pk=int(request.GET["expel"]), state=S.ADMITTED)
            .first()
        )
    writer = can_change(request.user)
    if writer:
        add_form = add_form or EnrollmentAddForm(prefix="add")
        admit_form = admit_form or AdmitForm.suggested(prefix="admit")
        if expelling is not None:
            expel_form = expel_form or ExpelForm.suggested(prefix="expel")
    free = seats_left(intake)
    context = {
        "intake": intake,
        "page": page,
        "state": state,
        "states": [(value, label, counts.get(value, 0)) for value, label in S.choices],
        "total": sum(counts.values()),
        "hidden": _hidden(request.user, intake, sum(counts.values())),
        "seats": {
            "state_free": free["state"],
            "state_total": intake.state_order_seats,
            "contract_free": free["contract"],
            "contract_total": intake.contract_seats,
        },
        "can_change": writer,
        # The head's order names the people of every district (order_pdf).
        "order_links": not request.user.sees_one_district,
        "add_form": add_form,
        "admit_form": admit_form,
        "expel_form": expel_form,
        "expelling": expelling,
        "admittable": (S.APPLIED, S.WAITLISTED),
        "selected_ids": selected_ids,
    }
    return render(request, "listeners/intake_enrollments.html", context, status=status)


@workspace_view
def intake_enrollments(request: HttpRequest, pk: int) -> HttpResponse:
    """The enrollments of one intake by state, with the forms that change them."""
    return _page(request, _intake(pk))


def _back(intake: Intake) -> HttpResponse:
    return redirect("listeners:intake_enrollments", pk=intake.pk)


@require_POST
@workspace_change
def enrollment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a listener by IIN: the person is found or registered, then applies (SPEC §4)."""
    intake = _intake(pk)
    form = EnrollmentAddForm(request.POST, prefix="add")
    if form.is_valid():
        data = dict(form.cleaned_data)
        known = Listener.objects.filter(iin=data["iin"]).first()
        if known is not None or form.require_names():
            try:
                result = listener_enroll(intake=intake, by=request.user, **data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                _say_enrolled(request, result, typed=data)
                return _back(intake)
    return _page(request, intake, add_form=form, status=400)


def _say_enrolled(request: HttpRequest, result: Enrolled, *, typed: dict) -> None:
    listener = result.enrollment.listener
    if result.listener_created:
        messages.success(
            request, _("%(name)s was registered and applied.") % {"name": listener.full_name}
        )
    else:
        text = _("%(name)s (IIN %(iin)s) is already registered: the application is theirs.") % {
            "name": listener.full_name,
            "iin": listener.iin,
        }
        typed_name = " ".join(
            typed.get(f, "").strip() for f in ("last_name", "first_name", "patronymic")
        ).strip()
        if typed_name and typed_name != listener.full_name:
            text += " " + _(
                "The name typed (%(typed)s) was not stored; correct the record if it is wrong."
            ) % {"typed": typed_name}
        messages.info(request, text)
    if result.enrollment.state == S.WAITLISTED:
        messages.warning(
            request,
            _("The seats of this funding kind are all taken: %(name)s is on the waitlist.")
            % {"name": listener.full_name},
        )


@require_POST
@workspace_change
def intake_admit(request: HttpRequest, pk: int) -> HttpResponse:
    """Admit the selected applicants of this intake by one admission order (§15)."""
    intake = _intake(pk)
    form = AdmitForm(request.POST, prefix="admit")
    ids = [int(v) for v in request.POST.getlist("enrollment") if v.isdigit()]
    selected = list(intake.enrollments.filter(pk__in=ids, state__in=[S.APPLIED, S.WAITLISTED]))
    if form.is_valid():
        if not selected:
            form.add_error(None, _("Select at least one applicant to admit."))
        else:
            try:
                order = enrollment_admit(
                    enrollments=selected, order_fields=form.order_data(), by=request.user
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                # The worker sends the invitations: the page does not wait for the mail server.
                admitted = [enrollment.pk for enrollment in selected]
                base_url = request.build_absolute_uri("/")
                transaction.on_commit(lambda: invite_admitted.enqueue(admitted, base_url))
                messages.success(
                    request,
                    ngettext(
                        "%(n)s listener admitted by order %(order)s.",
                        "%(n)s listeners admitted by order %(order)s.",
                        len(selected),
                    )
                    % {"n": len(selected), "order": order},
                )
                return _back(intake)
    return _page(
        request,
        intake,
        admit_form=form,
        selected_ids=frozenset(e.pk for e in selected),
        status=400,
    )


@require_POST
@workspace_change
def enrollment_expel(request: HttpRequest, intake_pk: int, pk: int) -> HttpResponse:
    """Expel an admitted listener by an expulsion order with ground and reason (§22)."""
    intake = _intake(intake_pk)
    enrollment = _enrollment(intake, pk)
    form = ExpelForm(request.POST, prefix="expel")
    if form.is_valid():
        try:
            services.enrollment_expel(
                enrollment=enrollment,
                order_fields=form.order_data(),
                ground=form.cleaned_data["ground"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s was expelled.") % {"name": enrollment.listener.full_name}
            )
            return _back(intake)
    return _page(request, intake, expel_form=form, expelling=enrollment, status=400)


def _note_change(request: HttpRequest, intake_pk: int, pk: int, service, done: str) -> HttpResponse:
    intake = _intake(intake_pk)
    enrollment = _enrollment(intake, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        service(enrollment=enrollment, note=note, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, done % {"name": enrollment.listener.full_name})
    return _back(intake)


@require_POST
@workspace_change
def enrollment_withdraw(request: HttpRequest, intake_pk: int, pk: int) -> HttpResponse:
    """The listener leaves at their own request (SPEC §4)."""
    return _note_change(
        request, intake_pk, pk, services.enrollment_withdraw, _("%(name)s has withdrawn.")
    )


@require_POST
@workspace_change
def enrollment_reject(request: HttpRequest, intake_pk: int, pk: int) -> HttpResponse:
    """An application is turned down (SPEC §4)."""
    return _note_change(
        request,
        intake_pk,
        pk,
        services.enrollment_reject,
        _("The application of %(name)s was rejected."),
    )


def _pdf(data: bytes, filename: str) -> HttpResponse:
    return file_response(data, filename, PDF, inline=True)


@require_GET
@workspace_view
def order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The admission order, Kazakh then Russian (§8, §15)."""
    order = get_object_or_404(
        Order.objects.select_related("intake__programme"), pk=pk, kind=OrderKind.ADMISSION
    )
    # An order is one document: it is not cut to a district; a district methodologist reads
    # it only when every person it admits is of their district.
    admitted = Enrollment.objects.filter(admission_order=order)
    if (
        request.user.sees_one_district
        and admitted.exclude(pk__in=admitted.visible_to(request.user).values("pk")).exists()
    ):
        raise Http404
    return _pdf(render_admission_order_pdf(order), f"order-{order.year}-{order.pk}.pdf")


@require_GET
@workspace_view
def expulsion_reference_pdf(request: HttpRequest, intake_pk: int, pk: int) -> HttpResponse:
    """The reference an expelled listener receives, stating the reason (§22)."""
    intake = _intake(intake_pk)
    enrollment = get_object_or_404(
        Enrollment.objects.visible_to(request.user).select_related(
            "listener", "intake__programme", "expulsion_order"
        ),
        intake=intake,
        pk=pk,
        state=S.EXPELLED,
    )
    return _pdf(render_expulsion_reference_pdf(enrollment), f"reference-{enrollment.pk}.pdf")


# --- importing a list (§14–§15) --------------------------------------------------------------


def _import_job(intake: Intake, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("intake"), intake=intake, pk=pk)


@workspace_change
def import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a list: it is checked in the background and nothing is imported until
    confirmed."""
    intake = _intake(pk)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "with_work_interruption": intake.with_work_interruption,
            "state_order_reference": intake.state_order_reference,
        },
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            job = ImportJob(
                intake=intake,
                filename=upload.name[:200],
                basis=form.cleaned_data["basis"],
                state_order_reference=form.cleaned_data["state_order_reference"],
                with_work_interruption=form.cleaned_data["with_work_interruption"],
                created_by=request.user,
            )
            # The stored name is ours: the uploaded one is only shown, never used as a path.
            job.file.save(
                f"list-{intake.pk}.{upload.name.rsplit('.', 1)[-1].lower()}", upload, save=False
            )
            job.save()
            enqueue_on_commit(import_check, job.pk)
        return redirect("listeners:import_detail", pk=intake.pk, job_pk=job.pk)
    return render(request, "listeners/import_upload.html", {"intake": intake, "form": form})


PREVIEW_ROWS = 50


@institute_staff
def import_detail(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """How far the check or the import has got; the bad rows and why; the confirm button.
    htmx asks again every second while the worker is busy."""
    intake = _intake(pk)
    job = _import_job(intake, job_pk)
    context = {
        "intake": intake,
        "job": job,
        "busy": job.busy,
        "bad_rows": job.bad_rows,
        "preview": job.rows[:PREVIEW_ROWS],
        "found": sum(1 for row in job.rows if row.get("listener_id")),
    }
    template = (
        "listeners/_import_status.html"
        if request.headers.get("HX-Request")
        else ("listeners/import_detail.html")
    )
    return render(request, template, context)


@require_POST
@workspace_change
def import_confirm(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """Import a checked list, or run again a check or an import that stopped when the worker
    died. A second click (or a second tab) starts nothing."""
    intake = _intake(pk)
    job = _import_job(intake, job_pk)
    if not import_job_run(job=job, by=request.user):
        messages.warning(request, _("This list is not waiting to be imported."))
    return redirect("listeners:import_detail", pk=intake.pk, job_pk=job.pk)


# --- the attendance journal ------------------------------------------------------------------

# One click moves a cell on: not marked → present → absent → excused → present …
NEXT_MARK = {"": Mark.PRESENT, Mark.PRESENT: Mark.ABSENT, Mark.ABSENT: Mark.EXCUSED}
MARK_BADGES = {Mark.PRESENT: "ok", Mark.ABSENT: "bad", Mark.EXCUSED: "warn"}


@dataclass(frozen=True)
class Cell:
    """One square of the journal: a listener at a session, as the template shows it."""

    enrollment: Enrollment
    session: Session
    mark: str
    markable: bool

    @property
    def label(self) -> str:
        return Mark(self.mark).label if self.mark else _("not marked")

    @property
    def badge(self) -> str:
        return MARK_BADGES.get(self.mark, "")

    @property
    def next_mark(self) -> str:
        return NEXT_MARK.get(self.mark, Mark.PRESENT)

    @property
    def next_label(self) -> str:
        return Mark(self.next_mark).label


def _journal(request: HttpRequest, intake: Intake) -> dict:
    """What the journal shows: the intake's sessions, and a row of cells for each listener
    the user may see. A handful of queries whatever its size: the marks of the whole intake
    are read once and looked up in a dict."""
    sessions = list(intake.sessions.all())
    journal = Enrollment.objects.filter(intake=intake, state__in=services.JOURNAL_STATES)
    enrollments = list(
        journal.visible_to(request.user)
        .with_attendance()
        .select_related("listener")
        .order_by("listener__last_name", "listener__first_name", "pk")
    )
    marks = dict(
        (
            (enrollment_id, session_id),
            mark,
        )
        for enrollment_id, session_id, mark in Attendance.objects.filter(
            enrollment__in=[enrollment.pk for enrollment in enrollments]
        ).values_list("enrollment_id", "session_id", "mark")
    )
    writer = can_change(request.user)
    rows = []
    for enrollment in enrollments:
        markable = writer and enrollment.state in services.MARKABLE_STATES
        cells = [
            Cell(
                enrollment=enrollment,
                session=session,
                mark=marks.get((enrollment.pk, session.pk), ""),
                markable=markable,
            )
            for session in sessions
        ]
        rows.append((enrollment, cells, markable))
    return {
        "intake": intake,
        "sessions": sessions,
        "rows": rows,
        "hidden": _hidden(
            request.user, intake, len(enrollments), state__in=services.JOURNAL_STATES
        ),
        "can_change": writer,
    }


@workspace_view
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance journal of an intake: its sessions across, its listeners down, the
    share present by hours at the end of each row."""
    return render(request, "listeners/attendance.html", _journal(request, _intake(pk)))


@require_POST
@workspace_change
def attendance_present(request: HttpRequest, pk: int) -> HttpResponse:
    """ "All present" for one session (`session`: every listener of the journal the user may
    see) or for one listener (`enrollment`: every session), cells already marked kept. With
    htmx the answer is the journal's table and what was done; without JavaScript, back to the
    journal with a message. Only people the user may see are marked, whatever is posted."""
    intake = _intake(pk)
    visible = Enrollment.objects.visible_to(request.user).filter(intake=intake)
    if "session" in request.POST:
        sessions = [get_object_or_404(Session, pk=_int(request.POST["session"]), intake=intake)]
        enrollments = list(
            visible.filter(state__in=services.MARKABLE_STATES).select_related("listener")
        )
    else:
        enrollments = [
            get_object_or_404(
                visible.select_related("listener"), pk=_int(request.POST.get("enrollment"))
            )
        ]
        sessions = list(intake.sessions.all())
    htmx = bool(request.headers.get("HX-Request"))
    try:
        done = services.attendance_mark_present(
            enrollments=enrollments, sessions=sessions, by=request.user
        )
    except ValidationError as error:
        if htmx:
            return HttpResponse(" ".join(error.messages), status=400)
        for text in error.messages:
            messages.error(request, text)
        return redirect("listeners:attendance", pk=intake.pk)
    if done:
        said = ngettext("%(n)s cell marked present.", "%(n)s cells marked present.", done) % {
            "n": done
        }
    else:
        said = _("Every cell here was marked already: nothing changed.")
    if not htmx:
        messages.success(request, said)
        return redirect("listeners:attendance", pk=intake.pk)
    context = _journal(request, intake) | {"said": said}
    return render(request, "listeners/_attendance_table.html", context)


@require_POST
@workspace_change
def attendance_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one cell of the journal. With htmx the answer is the new cell (and the row's
    share present, out of band); without JavaScript, back to the journal."""
    intake = _intake(pk)
    enrollment = _enrollment(intake, _int(request.POST.get("enrollment")))
    session = get_object_or_404(Session, pk=_int(request.POST.get("session")))
    htmx = bool(request.headers.get("HX-Request"))
    try:
        services.attendance_mark(
            enrollment=enrollment,
            session=session,
            mark=request.POST.get("mark", ""),
            by=request.user,
        )
    except ValidationError as error:
        if htmx:
            return HttpResponse(" ".join(error.messages), status=400)
        for text in error.messages:
            messages.error(request, text)
        return redirect("listeners:attendance", pk=intake.pk)
    if not htmx:
        return redirect("listeners:attendance", pk=intake.pk)
    counted = Enrollment.objects.with_attendance().get(pk=enrollment.pk)
    enrollment.attendance_percent = counted.attendance_percent
    cell = Cell(
        enrollment=enrollment,
        session=session,
        mark=Attendance.objects.get(enrollment=enrollment, session=session).mark,
        markable=True,
    )
    return render(
        request,
        "listeners/_attendance_cell.html",
        {"cell": cell, "intake": intake, "percent_out_of_band": True},
    )


def _int(value: str | None) -> int:
    """An id from a form: anything but digits is an id that does not exist (404)."""
    return int(value) if value and value.isdigit() else 0


# --- attestation (§21) -----------------------------------------------------------------------


def _attestation_page(
    request: HttpRequest,
    intake: Intake,
    *,
    commission_form: CommissionForm | None = None,
    member_formset=None,
    results_form: ResultsDateForm | None = None,
    posted: dict[int, tuple[str, str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The commission of an intake, its order, and the results of its listeners; a failed
    form is shown again with its errors and what was typed."""
    commission = Commission.objects.filter(intake=intake).prefetch_related("members").first()
    order = services.commission_order(intake)
    attested = [S.ADMITTED, S.COMPLETED, S.FAILED]
    enrollments = list(
        intake.enrollments.visible_to(request.user)
        .filter(state__in=attested)
        .select_related("listener")
        .order_by("listener__last_name", "listener__first_name", "pk")
    )
    posted = posted or {}
    for enrollment in enrollments:
        enrollment.badge = STATE_BADGES.get(enrollment.state, "")
        enrollment.posted_result, enrollment.posted_grade, enrollment.posted_remark = posted.get(
            enrollment.pk, ("", "", "")
        )
    writer = can_change(request.user)
    if writer:
        if commission_form is None:
            commission_form = CommissionForm.suggested(prefix="commission")
            if commission is not None:
                commission_form.initial.update(
                    assessment_form=commission.assessment_form, sits_on=commission.sits_on
                )
        if member_formset is None:
            initial = (
                [
                    {"full_name": m.full_name, "position": m.position, "role": m.role}
                    for m in commission.members.all()
                ]
                if commission is not None
                else [{"role": CommissionRole.CHAIR}]
            )
            initial += [{"role": CommissionRole.MEMBER}] * COMMISSION_MEMBER_ROWS
            member_formset = CommissionMemberFormSet(prefix="member", initial=initial)
        if results_form is None:
            default_on = (commission.sits_on if commission else None) or intake.end_date
            results_form = ResultsDateForm(prefix="results", initial={"on": default_on})
    context = {
        "intake": intake,
        "commission": commission,
        "members": list(commission.members.all()) if commission else [],
        "order": order,
        "approved": commission is not None and order is not None,
        "enrollments": enrollments,
        "hidden": _hidden(request.user, intake, len(enrollments), state__in=attested),
        "attestable": any(e.state == S.ADMITTED for e in enrollments),
        "grades": Grade.choices,
        "can_change": writer,
        "commission_form": commission_form,
        "member_formset": member_formset,
        "results_form": results_form,
    }
    return render(request, "listeners/attestation.html", context, status=status)


@workspace_view
def attestation(request: HttpRequest, pk: int) -> HttpResponse:
    """The attestation of an intake (§21): the commission approved by the head's order,
    then the result of every listener on one page."""
    return _attestation_page(request, _intake(pk))


def _attestation_back(intake: Intake) -> HttpResponse:
    return redirect("listeners:attestation", pk=intake.pk)


@require_POST
@workspace_change
def commission_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Form the commission and approve it by an order of the head (§21)."""
    intake = _intake(pk)
    form = CommissionForm(request.POST, prefix="commission")
    formset = CommissionMemberFormSet(request.POST, prefix="member")
    if form.is_valid() and formset.is_valid():
        members = [
            services.MemberData(
                full_name=row.get("full_name", ""),
                position=row.get("position", ""),
                role=row.get("role", CommissionRole.MEMBER),
            )
            for row in formset.cleaned_data
            if row
        ]
        try:
            services.commission_approve(
                intake=intake,
                assessment_form=form.cleaned_data["assessment_form"],
                sits_on=form.cleaned_data["sits_on"],
                members=members,
                order_fields=form.order_data(),
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The commission was approved by the head's order."))
            return _attestation_back(intake)
    return _attestation_page(
        request, intake, commission_form=form, member_formset=formset, status=400
    )


RESULT_CHOICES = {"passed": True, "failed": False}
# The grade's select: blank for none, else a figure of the scale (listeners.rules.Grade).
GRADE_CHOICES: dict[str, int | None] = {"": None, **{str(g): int(g) for g in Grade}}


@require_POST
@workspace_change
def results_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the commission's result of every listener of the intake at once (§21); rows
    left blank stay admitted. All or nothing."""
    intake = _intake(pk)
    form = ResultsDateForm(request.POST, prefix="results")
    posted: dict[int, tuple[str, str, str]] = {}
    for value in request.POST.getlist("enrollment"):
        pk_ = _int(value)
        posted[pk_] = (
            request.POST.get(f"result-{value}", ""),
            request.POST.get(f"grade-{value}", "").strip(),
            request.POST.get(f"remark-{value}", "").strip(),
        )
    results = {
        pk_: (RESULT_CHOICES[result], GRADE_CHOICES[grade], remark)
        for pk_, (result, grade, remark) in posted.items()
        if result in RESULT_CHOICES and grade in GRADE_CHOICES
    }
    if form.is_valid():
        if any(result and result not in RESULT_CHOICES for result, _g, _r in posted.values()):
            form.add_error(None, _("Choose “passed”, “failed” or nothing for each listener."))
        elif any(grade not in GRADE_CHOICES for _result, grade, _r in posted.values()):
            form.add_error(None, _("A grade is 5, 4, 3 or 2."))
        elif any(grade and not result for result, grade, _r in posted.values()):
            form.add_error(None, _("A grade was given without “passed” or “failed”."))
        elif not results:
            form.add_error(None, _("Give at least one result."))
        else:
            try:
                counts = services.results_record(
                    intake=intake, results=results, on=form.cleaned_data["on"], by=request.user
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Results recorded: %(completed)s completed, %(failed)s failed.") % counts,
                )
                return _attestation_back(intake)
    return _attestation_page(request, intake, results_form=form, posted=posted, status=400)


# --- exports (.xlsx) -------------------------------------------------------------------------

INTAKE_EXPORTS = {
    "list": exports.intake_list_xlsx,
    "attendance": exports.intake_attendance_xlsx,
    "results": exports.intake_results_xlsx,
}


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    return file_response(data, filename, XLSX, inline=False)


@require_GET
@workspace_view
def intake_export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The intake's list, attendance or results as an .xlsx in the interface's language."""
    if kind not in INTAKE_EXPORTS:
        raise Http404
    intake = _intake(pk)
    data = INTAKE_EXPORTS[kind](intake=intake, language=get_language(), viewer=request.user)
    return _xlsx(data, f"{intake.code}-{kind}.xlsx")


@workspace_view
def accounting_export(request: HttpRequest) -> HttpResponse:
    """For accounting (§20): who came from another town and who studies with interruption
    from work, in the intakes running within a period. A period can hold thousands of
    people, so the worker prepares the file and the page follows its progress."""
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        job = ExportJob.objects.create(
            kind=ExportKind.ACCOUNTING,
            params={"start": start.isoformat(), "end": end.isoformat()},
            language=get_language(),
            created_by=request.user,
        )
        enqueue_on_commit(export_build, job.pk)
        return redirect("listeners:export_detail", job.pk)
    recent = ExportJob.objects.filter(created_by=request.user)[:5]
    return render(request, "listeners/accounting.html", {"form": form, "recent": recent})


def _export_job(request: HttpRequest, pk: int) -> ExportJob:
    """An export is served only to whoever asked for it; anyone else gets 404."""
    return get_object_or_404(ExportJob, pk=pk, created_by=request.user)


@require_GET
@workspace_view
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """How far the worker has got with an export, and its download once ready; htmx asks
    again every second while it is busy."""
    job = _export_job(request, pk)
    template = (
        "listeners/_export_status.html"
        if request.headers.get("HX-Request")
        else "listeners/export_detail.html"
    )
    return render(request, template, {"job": job})


@require_GET
@workspace_view
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _export_job(request, pk)
    if job.status != ExportStatus.DONE:
        raise Http404
    with job.file.open("rb") as handle:
        return _xlsx(handle.read(), job.filename)


# --- the five-year rule: compliance (§10.1, SPEC §3) -----------------------------------------

PEOPLE_PER_PAGE = 50


def _place(model: type, raw: str | None, **within: object):
    """The place a query-string id names (inside `within`), or None with `unknown` True when
    the id is garbage or names nothing there."""
    if not raw:
        return None, False
    if not raw.isdigit():
        return None, True
    place = model.objects.filter(pk=int(raw), **within).first()
    return place, place is None


def _compliance_scope(user: User, params: QueryDict) -> tuple[reports.Scope, list[str]]:
    """The scope `params` (the query string) ask for, narrowed to what the user may see: a district
    methodologist sees their own district and nothing else (§6). Returns the scope and the
    messages about what was asked for but could not be shown."""
    problems: list[str] = []
    if user.role == Role.DISTRICT_METHODOLOGIST:
        district = user.district
        region = district.region if district else None
        organisation, unknown = _place(Organisation, params.get("organisation"), district=district)
        asked = {params.get("region"), params.get("district")} - {None, ""}
        if unknown or asked - {
            str(region.pk if region else ""),
            str(district.pk if district else ""),
        }:
            problems.append(_("You see the listeners of your own district only."))
        return reports.Scope(region=region, district=district, organisation=organisation), problems

    region, unknown_region = _place(Region, params.get("region"))
    within_region = {"region": region} if region else {}
    district, unknown_district = _place(District, params.get("district"), **within_region)
    if district is not None:
        region = district.region
    within_district = {"district": district} if district else {}
    organisation, unknown_organisation = _place(
        Organisation, params.get("organisation"), **within_district
    )
    if organisation is not None:
        district = organisation.district
        region = district.region
    if unknown_region:
        problems.append(_("There is no such region; the whole register is shown."))
    if unknown_district:
        problems.append(_("There is no such district here; the level above is shown."))
    if unknown_organisation:
        problems.append(_("There is no such organisation here; the level above is shown."))
    return reports.Scope(region=region, district=district, organisation=organisation), problems


@require_GET
@workspace_view
def compliance(request: HttpRequest) -> HttpResponse:
    """Who is overdue, due soon, up to date or without a record on a chosen day, by region →
    district → organisation → person, with a search by IIN or name."""
    if request.user.role == Role.DISTRICT_METHODOLOGIST and request.user.district is None:
        raise PermissionDenied
    scope, problems = _compliance_scope(request.user, request.GET)
    form = ComplianceForm(request.GET or None, initial={"on": timezone.localdate()})
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    on = data.get("on") or timezone.localdate()
    status, query = data.get("status", ""), data.get("q", "")
    rows, total = reports.compliance_rows(scope, on=on)
    page = None
    if scope.level == "person" or query or status:
        listeners = reports.people(scope, on=on, status=status, query=query)
        page = Paginator(listeners, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
        for person in page.object_list:
            person.due_date = rules.upgrade_due_date(person.last_upgrade, person.employment_start)
            person.status_label = rules.UpgradeStatus(person.upgrade_status).label
    context = {
        "form": form,
        "on": on,
        "scope": scope,
        "problems": problems,
        "rows": rows,
        "total": total,
        "page": page,
        "statuses": rules.UpgradeStatus,
        "district_only": request.user.role == Role.DISTRICT_METHODOLOGIST,
    }
    return render(request, "listeners/compliance.html", context)


@require_POST
@workspace_view
def compliance_export(request: HttpRequest) -> HttpResponse:
    """Prepare the five-year report of the page's scope as .xlsx in the background: up to
    100,000 people. The scope is narrowed here, as on the page, to what the user may see."""
    if request.user.role == Role.DISTRICT_METHODOLOGIST and request.user.district is None:
        raise PermissionDenied
    scope, _problems = _compliance_scope(request.user, request.POST)
    form = ComplianceForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    on = data.get("on") or timezone.localdate()
    job = ExportJob.objects.create(
        kind=ExportKind.COMPLIANCE,
        params={
            **scope.as_params(),
            "on": on.isoformat(),
            "status": data.get("status", ""),
            "q": data.get("q", ""),
        },
        language=get_language(),
        created_by=request.user,
    )
    enqueue_on_commit(export_build, job.pk)
    return redirect("listeners:export_detail", job.pk)


@require_GET
@workspace_view
def forecast(request: HttpRequest) -> HttpResponse:
    """On a chosen day (today by default, as on the compliance page): who is overdue and how
    many fall due in each of the next 24 months, per region or per subject: what next year's
    intakes and state order must cover (SPEC §3)."""
    if request.user.role == Role.DISTRICT_METHODOLOGIST and request.user.district is None:
        raise PermissionDenied
    scope, problems = _compliance_scope(request.user, request.GET)
    by = request.GET.get("by") if request.GET.get("by") in reports.FORECAST_GROUPS else "region"
    form = ComplianceForm(
        {"on": request.GET["on"]} if request.GET.get("on") else None,
        initial={"on": timezone.localdate()},
    )
    on = form.cleaned_data["on"] if form.is_bound and form.is_valid() else timezone.localdate()
    months, rows, total = reports.forecast(scope, on=on, by=by)
    context = {
        "form": form,
        "on": on,
        "scope": scope,
        "problems": problems,
        "by": by,
        "months": months,
        "rows": rows,
        "total": total,
        "chart": reports.forecast_chart(months, total.months),
        "district_only": request.user.role == Role.DISTRICT_METHODOLOGIST,
    }
    if request.GET.get("format") == "xlsx":
        place = scope.organisation or scope.district or scope.region
        data = exports.forecast_xlsx(
            months=months,
            rows=rows,
            total=total,
            by=by,
            where=str(place) if place else _("All regions"),
            language=get_language(),
        )
        return _xlsx(data, f"forecast-{by}-{on:%Y%m%d}.xlsx")
    return render(request, "listeners/forecast.html", context)


@require_GET
@workspace_view
def staffing(request: HttpRequest) -> HttpResponse:
    """§23: per field, the average yearly contingent per teacher in a year (of the seats
    planned and of the listeners admitted) against 0.75 × the university norm."""
    this_year = timezone.localdate().year
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and this_year - 10 <= int(raw) <= this_year + 2 else None
    problem = (
        ""
        if year is not None or not raw
        else _("Choose a year from %(first)s to %(last)s.")
        % {
            "first": this_year - 10,
            "last": this_year + 2,
        }
    )
    year = year or this_year
    context = {
        "year": year,
        "years": range(this_year + 2, this_year - 11, -1),
        "problem": problem,
        "rows": reports.staffing_rows(year=year),
    }
    if request.GET.get("format") == "xlsx":
        data = exports.staffing_xlsx(year=year, rows=context["rows"], language=get_language())
        return _xlsx(data, f"staffing-{year}.xlsx")
    return render(request, "listeners/staffing.html", context)


FILL_PER_PAGE = 50


def _period_report(
    start: datetime.date, end: datetime.date, *, page: str | None, whole: bool = False
) -> dict[str, object]:
    """Every table of the institute's report for a period, in seven queries: the
    enrollments counted once by every facet and state, the seats planned, one page of the
    intakes with their fill (all of them for the .xlsx), expulsions, documents, ratings."""
    counts = reports.period_counts(start=start, end=end)
    seats = reports.seats_planned(start=start, end=end)
    intakes = reports.period_intakes(start=start, end=end)
    admitted = counts.admitted()
    totals = {
        **seats,
        "admitted": admitted,
        "state_used": counts.admitted(state_order_only=True),
        "fill": reports.fill_percent(admitted, seats["capacity"]),
    }
    fill = intakes if whole else Paginator(intakes, FILL_PER_PAGE).get_page(page)
    for intake in fill if whole else fill.object_list:
        intake.fill = reports.fill_percent(intake.admitted, intake.capacity)
    return {
        "outcomes": [
            (_("By kind of training"), counts.by("kind")),
            (_("By band"), counts.by("band")),
            (_("By language"), counts.by("language")),
            (_("By place"), counts.by("place")),
            (_("By funding"), counts.by("basis")),
        ],
        "expulsions": reports.expulsions(start=start, end=end),
        "fill": fill,
        "fill_totals": totals,
        "documents": reports.documents_issued(start=start, end=end),
        "ratings": reports.ratings(start=start, end=end),
    }


@require_GET
@workspace_view
def period_report(request: HttpRequest) -> HttpResponse:
    """The institute's work in a period (by default this year so far): intakes, listeners
    admitted, completed, failed, expelled (by ground), by kind, band, language, place and
    funding; the fill of each intake; state-order seats planned and used; documents issued;
    the listeners' ratings."""
    today = timezone.localdate()
    form = PeriodForm(
        request.GET or None, initial={"start": today.replace(month=1, day=1), "end": today}
    )
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        start, end = today.replace(month=1, day=1), today
    if request.GET.get("format") == "xlsx":
        report = _period_report(start, end, page=None, whole=True)
        data = exports.period_xlsx(start=start, end=end, report=report, language=get_language())
        return _xlsx(data, f"report-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
    report = _period_report(start, end, page=request.GET.get("page"))
    context = {"form": form, "start": start, "end": end, **report}
    return render(request, "listeners/period_report.html", context)
