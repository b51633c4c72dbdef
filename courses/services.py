"""Workflows on programmes and intakes: each atomic, keyword-only, raising RuleViolation; and
the staffing load planning puts on a field (§23)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from courses import rules
from courses.models import (
    Intake,
    IntakeStatus,
    Programme,
    Session,
    days_within_year,
    running_in_year,
)
from institute.models import Field, Teacher, User
from institute.rules import (
    RuleViolation,
    average_yearly_contingent,
    staffing_limit,
    staffing_ratio,
    staffing_within_norm,
)
from institute.services import log_action


@transaction.atomic
def programme_archive(*, programme: Programme, by: User | None) -> Programme:
    """Take a programme out of the catalogue of new intakes. A programme is never deleted:
    its intakes, enrollments and documents keep referring to it."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.is_active:
        programme.is_active = False
        programme.save(update_fields=["is_active", "updated_at"])
        log_action(obj=programme, action="programme.archived", by=by)
    return programme


@transaction.atomic
def programme_restore(*, programme: Programme, by: User | None) -> Programme:
    """Offer an archived programme for new intakes again."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if not programme.is_active:
        programme.is_active = True
        programme.save(update_fields=["is_active", "updated_at"])
        log_action(obj=programme, action="programme.restored", by=by)
    return programme


@transaction.atomic
def intake_cancel(*, intake: Intake, reason: str, by: User | None) -> Intake:
    """Call off an intake, recording why. A finished intake is history and an intake is
    cancelled once; both are refused with a message."""
    intake = Intake.objects.select_for_update().select_related("programme").get(pk=intake.pk)
    reason = reason.strip()
    if not reason:
        raise RuleViolation(
            _("Give the reason for cancelling the intake."), field="reason", code="no_reason"
        )
    if intake.status == IntakeStatus.FINISHED:
        raise RuleViolation(
            _("Intake %(code)s is finished: it can no longer be cancelled.")
            % {"code": intake.code},
            code="intake_finished",
        )
    if intake.status == IntakeStatus.CANCELLED:
        raise RuleViolation(
            _("Intake %(code)s is already cancelled.") % {"code": intake.code},
            code="intake_cancelled",
        )
    intake.status = IntakeStatus.CANCELLED
    intake.cancel_reason = reason
    intake.save(update_fields=["status", "cancel_reason"])
    log_action(obj=intake, action="intake.cancelled", by=by, reason=reason)
    return intake


@transaction.atomic
def intake_move(*, intake: Intake, to: str, by: User | None, today: datetime.date) -> Intake:
    """Move an intake's status by hand: open it for applications, close them again before it
    starts, or mark it finished on its last day (courses.rules.intake_move_check)."""
    intake = Intake.objects.select_for_update().select_related("programme").get(pk=intake.pk)
    was = intake.status
    rules.intake_move_check(was, to, start=intake.start_date, end=intake.end_date, today=today)
    intake.status = to
    intake.save(update_fields=["status"])
    log_action(obj=intake, action="intake.status_changed", by=by, was=was, now=to)
    return intake


def intakes_advance(*, today: datetime.date) -> int:
    """Give every live intake the status its dates give it on `today` (in progress from its
    first day, finished after its last), each move in its own transaction and in the audit
    trail with nobody as its author. Run daily (`manage.py advance_intakes`); a second run
    on the same day moves nothing. Returns the number of intakes moved."""
    due = Intake.objects.filter(
        Q(status__in=[IntakeStatus.PLANNED, IntakeStatus.OPEN], start_date__lte=today)
        | Q(status=IntakeStatus.IN_PROGRESS, end_date__lt=today)
    )
    moved = 0
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            intake = Intake.objects.select_for_update().get(pk=pk)
            now = rules.intake_status_by_date(
                intake.status, start=intake.start_date, end=intake.end_date, today=today
            )
            if now == intake.status:
                continue
            was, intake.status = intake.status, now
            intake.save(update_fields=["status"])
            log_action(obj=intake, action="intake.status_advanced", by=None, was=was, now=now)
            moved += 1
    return moved


@transaction.atomic
def session_remove(*, session: Session, by: User | None) -> None:
    """Remove a session from an intake's timetable. A session with attendance marked is part
    of the journal and is kept: removing it would delete the marks with it."""
    session = Session.objects.select_for_update().select_related("intake").get(pk=session.pk)
    rules.intake_timetable_check(session.intake.status)
    if session.attendance.exists():
        raise RuleViolation(
            _("Attendance is marked for the session of %(date)s: it stays in the journal.")
            % {"date": session.date.strftime("%d.%m.%Y")},
            code="session_has_attendance",
        )
    log_action(
        obj=session.intake,
        action="session.removed",
        by=by,
        date=session.date.isoformat(),
        topic=session.topic,
        hours=session.hours,
    )
    session.delete()


@dataclass(frozen=True)
class StaffingLoad:
    """A field's planned load in one year against the §23 limit."""

    field: Field
    year: int
    seats: int  # seats of the intakes starting in the year, cancelled ones left out
    seat_days: int  # seats × days of study within the year, of every intake running in it
    teachers: int  # active teachers of the field

    @property
    def contingent(self) -> Decimal:
        """The average yearly contingent the planned seats bring (§23)."""
        return average_yearly_contingent(self.seat_days, year=self.year)

    @property
    def limit(self) -> Decimal:
        return staffing_limit(self.field.university_norm)

    @property
    def ratio(self) -> Decimal | None:
        return staffing_ratio(self.contingent, self.teachers)

    @property
    def within_norm(self) -> bool:
        return staffing_within_norm(
            listeners_per_year=self.contingent,
            teachers=self.teachers,
            university_norm=self.field.university_norm,
        )


def staffing_planned(*, field: Field, year: int) -> StaffingLoad:
    """The average yearly number of listeners the intakes planned for the field's programmes
    bring per teacher of the field in `year` (§23): two queries. The seats are what planning
    promises; who was admitted is the report's business (listeners.reports.staffing_rows)."""
    totals = (
        Intake.objects.filter(programme__field=field)
        .filter(running_in_year(year))
        .exclude(status=IntakeStatus.CANCELLED)
        .aggregate(
            seats=Sum("capacity", filter=Q(start_date__year=year)),
            seat_days=Sum(F("capacity") * days_within_year(year)),
        )
    )
    teachers = Teacher.objects.filter(field=field, is_active=True).count()
    return StaffingLoad(
        field=field,
        year=year,
        seats=totals["seats"] or 0,
        seat_days=totals["seat_days"] or 0,
        teachers=teachers,
    )
