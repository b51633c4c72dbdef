"""Workspace pages of the programme catalogue and the intakes."""

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from courses import rules, services
from courses.forms import (
    IntakeCancelForm,
    IntakeFilterForm,
    IntakeForm,
    ProgrammeFilterForm,
    ProgrammeForm,
    SessionForm,
)
from courses.models import Intake, IntakeStatus, Programme, Session
from courses.rules import Band, DocumentKind
from institute.access import workspace_change, workspace_view
from institute.rules import RuleViolation

PER_PAGE = 50


def _page(request: HttpRequest, rows: QuerySet) -> Page:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


# --- programmes ----------------------------------------------------------------------------


@workspace_view
def programme_list(request: HttpRequest) -> HttpResponse:
    form = ProgrammeFilterForm(request.GET or None)
    programmes = Programme.objects.order_by("code")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            programmes = programmes.filter(
                Q(code__icontains=data["q"])
                | Q(title_kk__icontains=data["q"])
                | Q(title_ru__icontains=data["q"])
            )
        for name in ("kind", "band", "language"):
            if data[name]:
                programmes = programmes.filter(**{name: data[name]})
        if data["state"]:
            programmes = programmes.filter(is_active=data["state"] == "active")
    context = {"form": form, "page": _page(request, programmes)}
    return render(request, "courses/programme_list.html", context)


@workspace_view
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("field"), pk=pk)
    intakes = programme.intakes.order_by("-start_date")
    return render(
        request, "courses/programme_detail.html", {"programme": programme, "intakes": intakes}
    )


@workspace_change
def programme_create(request: HttpRequest) -> HttpResponse:
    return _programme_form(request, Programme())


@workspace_change
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _programme_form(request, get_object_or_404(Programme, pk=pk))


def _programme_form(request: HttpRequest, programme: Programme) -> HttpResponse:
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        programme = form.save()
        messages.success(request, _("Programme %(code)s saved.") % {"code": programme.code})
        return redirect("courses:programme_detail", programme.pk)
    preview = _preview(form["kind"].value(), form["hours"].value(), form["duration_days"].value())
    return render(
        request,
        "courses/programme_form.html",
        {"form": form, "programme": programme, "preview": preview},
    )


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _preview(kind: object, hours: object, duration_days: object) -> dict[str, str]:
    """The band and the document a programme of this kind and length gets, or the rule its
    hours break (§10–§12)."""
    kind, hours, days = str(kind or ""), _int(hours), _int(duration_days)
    if not kind or hours is None:
        return {}
    try:
        rules.validate_programme_hours(kind, hours, days)
    except RuleViolation as error:
        return {"error": " ".join(error.messages)}
    band = rules.programme_band(kind, hours, days)
    return {
        "band": Band(band).label if band else "",
        "document": DocumentKind(rules.document_kind(kind, hours)).label,
    }


@require_GET
@workspace_change
def programme_preview(request: HttpRequest) -> HttpResponse:
    """The live preview box of the programme form (htmx)."""
    preview = _preview(
        request.GET.get("kind"), request.GET.get("hours"), request.GET.get("duration_days")
    )
    return render(request, "courses/_programme_preview.html", {"preview": preview})


@require_POST
@workspace_change
def programme_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive an active programme or restore an archived one; programmes are never deleted."""
    programme = get_object_or_404(Programme, pk=pk)
    if programme.is_active:
        services.programme_archive(programme=programme, by=request.user)
        messages.success(request, _("Programme %(code)s archived.") % {"code": programme.code})
    else:
        services.programme_restore(programme=programme, by=request.user)
        messages.success(request, _("Programme %(code)s restored.") % {"code": programme.code})
    return redirect("courses:programme_detail", programme.pk)


# --- intakes -------------------------------------------------------------------------------


@workspace_view
def intake_list(request: HttpRequest) -> HttpResponse:
    form = IntakeFilterForm(request.GET or None)
    intakes = Intake.objects.select_related("programme").order_by("-start_date", "code")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            intakes = intakes.filter(
                Q(code__icontains=data["q"])
                | Q(programme__code__icontains=data["q"])
                | Q(programme__title_kk__icontains=data["q"])
                | Q(programme__title_ru__icontains=data["q"])
            )
        if data["month"]:
            intakes = intakes.running_in_month(data["month"].year, data["month"].month)
        if data["status"]:
            intakes = intakes.filter(status=data["status"])
        if data["attention"]:
            intakes = intakes.needing_attention(data["attention"], today=timezone.localdate())
    page = _page(request, intakes.with_seats_taken())
    return render(request, "courses/intake_list.html", {"form": form, "page": page})


@workspace_view
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intake = get_object_or_404(
        Intake.objects.select_related("programme__field", "methodologist", "branch", "district"),
        pk=pk,
    )
    return render(request, "courses/intake_detail.html", _intake_context(intake))


# The buttons that move an intake's status by hand (courses.rules.INTAKE_MOVES_BY_HAND).
MOVE_LABELS = {
    IntakeStatus.OPEN: _lazy("Open applications"),
    IntakeStatus.PLANNED: _lazy("Close applications"),
    IntakeStatus.FINISHED: _lazy("Mark as finished"),
}


def _moves(intake: Intake) -> list[tuple[str, str]]:
    """The moves of its status the intake allows today, as (status, button label)."""
    today = timezone.localdate()
    allowed = []
    for to in rules.INTAKE_MOVES_BY_HAND.get(intake.status, ()):
        try:
            rules.intake_move_check(
                intake.status, to, start=intake.start_date, end=intake.end_date, today=today
            )
        except RuleViolation:
            continue
        allowed.append((to, MOVE_LABELS[to]))
    return allowed


def _intake_context(intake: Intake, **forms: object) -> dict[str, object]:
    sessions = list(intake.sessions.select_related("teacher"))
    total = sum(session.hours for session in sessions)
    # The sentence above the timetable gives both sums; the badge says only what to do about
    # them (it repeated the sentence before).
    gap = intake.programme.hours - total
    if gap > 0:
        hours_warning = _("%(hours)s h still to plan") % {"hours": gap}
    elif gap < 0:
        hours_warning = _("%(hours)s h over the programme") % {"hours": -gap}
    else:
        hours_warning = ""
    commission = getattr(intake, "commission", None)  # None when it has none yet
    field = intake.programme.field
    # §23 is a check of planning: a finished or cancelled intake plans nothing more.
    planning = intake.status not in (IntakeStatus.FINISHED, IntakeStatus.CANCELLED)
    staffing = (
        services.staffing_planned(field=field, year=intake.start_date.year)
        if field and planning
        else None
    )
    context: dict[str, object] = {
        "staffing": staffing,
        "intake": intake,
        "teachers": intake.teachers.all(),
        "sessions": sessions,
        "total_hours": total,
        "hours_warning": hours_warning,
        "commission": commission,
        "members": commission.members.all() if commission else [],
        "session_form": SessionForm(intake=intake),
        "cancel_form": IntakeCancelForm(),
        "moves": _moves(intake),
        # The timetable of a finished or cancelled intake is shown, never changed.
        "timetable_open": intake.status not in (IntakeStatus.FINISHED, IntakeStatus.CANCELLED),
    }
    context.update(forms)
    return context


@workspace_change
def intake_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    chosen = _int(request.GET.get("programme"))
    programme = Programme.objects.active().filter(pk=chosen).first() if chosen else None
    if programme:
        initial = {
            "programme": programme,
            "language": programme.language,
            "with_work_interruption": programme.with_work_interruption,
        }
    return _intake_form(request, Intake(), initial)


@workspace_change
def intake_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _intake_form(request, get_object_or_404(Intake, pk=pk), {})


def _intake_form(request: HttpRequest, intake: Intake, initial: dict) -> HttpResponse:
    form = IntakeForm(request.POST or None, instance=intake, initial=initial)
    if request.method == "POST" and form.is_valid():
        intake = form.save()
        messages.success(request, _("Intake %(code)s saved.") % {"code": intake.code})
        return redirect("courses:intake_detail", intake.pk)
    return render(request, "courses/intake_form.html", {"form": form, "intake": intake})


@require_POST
@workspace_change
def intake_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    intake = get_object_or_404(Intake.objects.select_related("programme"), pk=pk)
    form = IntakeCancelForm(request.POST)
    if form.is_valid():
        try:
            services.intake_cancel(
                intake=intake, reason=form.cleaned_data["reason"], by=request.user
            )
        except RuleViolation as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Intake %(code)s cancelled.") % {"code": intake.code})
        return redirect("courses:intake_detail", intake.pk)
    return render(request, "courses/intake_detail.html", _intake_context(intake, cancel_form=form))


@require_POST
@workspace_change
def intake_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Open an intake for applications, close them, or mark it finished (one button each)."""
    intake = get_object_or_404(Intake, pk=pk)
    to = request.POST.get("to", "")
    try:
        services.intake_move(intake=intake, to=to, by=request.user, today=timezone.localdate())
    except RuleViolation as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Intake %(code)s is now “%(status)s”.")
            % {"code": intake.code, "status": IntakeStatus(to).label},
        )
    return redirect("courses:intake_detail", intake.pk)


@require_POST
@workspace_change
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    intake = get_object_or_404(Intake.objects.select_related("programme"), pk=pk)
    try:
        rules.intake_timetable_check(intake.status)
    except RuleViolation as error:
        # The page shows no form to add to a closed timetable: say it on top.
        messages.error(request, " ".join(error.messages))
        return redirect("courses:intake_detail", intake.pk)
    form = SessionForm(request.POST, intake=intake)
    if form.is_valid():
        form.save()
        messages.success(request, _("Session added."))
        return redirect("courses:intake_detail", intake.pk)
    return render(request, "courses/intake_detail.html", _intake_context(intake, session_form=form))


@require_POST
@workspace_change
def session_remove(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=session_pk, intake_id=pk)
    try:
        services.session_remove(session=session, by=request.user)
    except RuleViolation as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Session removed."))
    return redirect("courses:intake_detail", pk)
