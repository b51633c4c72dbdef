"""An intake's enrollments page and the changes made on it; the orders as PDF; the intake's lists
as .xlsx."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.models import Intake
from institute.access import can_change, workspace_change, workspace_view
from institute.forms import add_errors
from institute.signing.pades import SigningFailed, pdf_signed
from listeners.enrollment import services
from listeners.enrollment.documents import (
    render_admission_order_pdf,
    render_expulsion_reference_pdf,
)
from listeners.enrollment.exports import (
    intake_attendance_xlsx,
    intake_list_xlsx,
    intake_results_xlsx,
)
from listeners.enrollment.forms import AdmitForm, EnrollmentAddForm, ExpelForm, NoteForm
from listeners.enrollment.services import (
    Enrolled,
    enrollment_admit,
    listener_enroll,
    seats_left,
)
from listeners.models import (
    Enrollment,
    Listener,
    Order,
)
from listeners.rules import APPLICANT_STATES, OrderKind
from listeners.rules import EnrollmentState as S
from listeners.web import (
    enrollment_or_404,
    hidden_count,
    intake_or_404,
    pdf_response,
    xlsx_response,
)

ENROLLMENTS_PER_PAGE = 100


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
        "hidden": hidden_count(request.user, intake, sum(counts.values())),
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
        "admittable": APPLICANT_STATES,
        "selected_ids": selected_ids,
    }
    return render(request, "listeners/intake_enrollments.html", context, status=status)


@workspace_view
def intake_enrollments(request: HttpRequest, pk: int) -> HttpResponse:
    """The enrollments of one intake by state, with the forms that change them."""
    return _page(request, intake_or_404(pk))


def _back(intake: Intake) -> HttpResponse:
    return redirect("listeners:intake_enrollments", pk=intake.pk)


@require_POST
@workspace_change
def enrollment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a listener by IIN: the person is found or registered, then applies (§14–§22)."""
    intake = intake_or_404(pk)
    form = EnrollmentAddForm(request.POST, prefix="add")
    if form.is_valid():
        data = dict(form.cleaned_data)
        known = Listener.objects.filter(iin=data["iin"]).first()
        if known is not None or form.require_names():
            try:
                result = listener_enroll(intake=intake, by=request.user, **data)
            except ValidationError as error:
                add_errors(form, error)
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
    intake = intake_or_404(pk)
    form = AdmitForm(request.POST, prefix="admit")
    ids = [int(v) for v in request.POST.getlist("enrollment") if v.isdigit()]
    selected = list(intake.enrollments.filter(pk__in=ids, state__in=APPLICANT_STATES))
    if form.is_valid():
        if not selected:
            form.add_error(None, _("Select at least one applicant to admit."))
        else:
            try:
                order = enrollment_admit(
                    enrollments=selected,
                    order_fields=form.order_data(),
                    by=request.user,
                    invite_from=request.build_absolute_uri("/"),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
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
    intake = intake_or_404(intake_pk)
    enrollment = enrollment_or_404(intake, pk)
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
            add_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s was expelled.") % {"name": enrollment.listener.full_name}
            )
            return _back(intake)
    return _page(request, intake, expel_form=form, expelling=enrollment, status=400)


def _note_change(request: HttpRequest, intake_pk: int, pk: int, service, done: str) -> HttpResponse:
    intake = intake_or_404(intake_pk)
    enrollment = enrollment_or_404(intake, pk)
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
    """The listener leaves at their own request (§14–§22)."""
    return _note_change(
        request, intake_pk, pk, services.enrollment_withdraw, _("%(name)s has withdrawn.")
    )


@require_POST
@workspace_change
def enrollment_reject(request: HttpRequest, intake_pk: int, pk: int) -> HttpResponse:
    """An application is turned down (§14–§22)."""
    return _note_change(
        request,
        intake_pk,
        pk,
        services.enrollment_reject,
        _("The application of %(name)s was rejected."),
    )


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
    return _signed_pdf(
        request,
        lambda stamp: render_admission_order_pdf(order, stamp=stamp),
        f"order-{order.year}-{order.pk}.pdf",
        back=order.intake_id,
    )


@require_GET
@workspace_view
def expulsion_reference_pdf(request: HttpRequest, intake_pk: int, pk: int) -> HttpResponse:
    """The reference an expelled listener receives, stating the reason (§22)."""
    intake = intake_or_404(intake_pk)
    enrollment = get_object_or_404(
        Enrollment.objects.visible_to(request.user).select_related(
            "listener", "intake__programme", "expulsion_order"
        ),
        intake=intake,
        pk=pk,
        state=S.EXPELLED,
    )
    return _signed_pdf(
        request,
        lambda stamp: render_expulsion_reference_pdf(enrollment, stamp=stamp),
        f"reference-{enrollment.pk}.pdf",
        back=intake.pk,
    )


def _signed_pdf(
    request: HttpRequest, render: Callable[[str], bytes], filename: str, *, back: int | None
) -> HttpResponse:
    """The order or reference as a PDF signed with the institute's key, as it is handed out
    (institute.signing); when it cannot be signed now, the intake's page says why."""
    try:
        signed = pdf_signed(render)
    except SigningFailed as error:
        messages.error(request, " ".join(error.messages))
        if back is None:
            raise Http404 from error
        return redirect("listeners:intake_enrollments", back)
    return pdf_response(signed.data, filename)


# --- exports (.xlsx) -------------------------------------------------------------------------

INTAKE_EXPORTS = {
    "list": intake_list_xlsx,
    "attendance": intake_attendance_xlsx,
    "results": intake_results_xlsx,
}


@require_GET
@workspace_view
def intake_export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The intake's list, attendance or results as an .xlsx in the interface's language."""
    if kind not in INTAKE_EXPORTS:
        raise Http404
    intake = intake_or_404(pk)
    data = INTAKE_EXPORTS[kind](intake=intake, language=get_language(), viewer=request.user)
    return xlsx_response(data, f"{intake.code}-{kind}.xlsx")
