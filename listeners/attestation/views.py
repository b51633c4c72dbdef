"""An intake's attestation page: approve the commission, record the results."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import Commission, CommissionRole, Intake
from institute.access import can_change, workspace_change, workspace_view
from institute.forms import add_errors
from listeners.attestation import services
from listeners.attestation.forms import (
    COMMISSION_MEMBER_ROWS,
    CommissionForm,
    CommissionMemberFormSet,
    ResultsDateForm,
)
from listeners.attestation.services import MemberData, commission_order
from listeners.rules import EnrollmentState as S
from listeners.rules import Grade
from listeners.web import hidden_count, id_or_zero, intake_or_404

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
    order = commission_order(intake)
    attested = [S.ADMITTED, S.COMPLETED, S.FAILED]
    enrollments = list(
        intake.enrollments.visible_to(request.user)
        .filter(state__in=attested)
        .select_related("listener")
        .order_by("listener__last_name", "listener__first_name", "pk")
    )
    posted = posted or {}
    for enrollment in enrollments:
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
        "hidden": hidden_count(request.user, intake, len(enrollments), state__in=attested),
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
    return _attestation_page(request, intake_or_404(pk))


def _attestation_back(intake: Intake) -> HttpResponse:
    return redirect("listeners:attestation", pk=intake.pk)


@require_POST
@workspace_change
def commission_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Form the commission and approve it by an order of the head (§21)."""
    intake = intake_or_404(pk)
    form = CommissionForm(request.POST, prefix="commission")
    formset = CommissionMemberFormSet(request.POST, prefix="member")
    if form.is_valid() and formset.is_valid():
        members = [
            MemberData(
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
            add_errors(form, error)
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
    intake = intake_or_404(pk)
    form = ResultsDateForm(request.POST, prefix="results")
    posted: dict[int, tuple[str, str, str]] = {}
    for value in request.POST.getlist("enrollment"):
        pk_ = id_or_zero(value)
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
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Results recorded: %(completed)s completed, %(failed)s failed.") % counts,
                )
                return _attestation_back(intake)
    return _attestation_page(request, intake, results_form=form, posted=posted, status=400)
