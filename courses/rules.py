"""Regulation of programmes and intakes: kinds of training, hour bands, the document earned.

Every threshold of §10–§12 lives here, once, with its clause. Pure functions; no models.
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from institute.rules import RuleViolation, add_months, add_years


class ProgrammeKind(models.TextChoices):
    """§10–§11: the kinds of training an institute may run."""

    UPGRADE = "upgrade", _("Qualification upgrade")
    INTERNSHIP = "internship", _("Professional internship")
    RETRAINING = "retraining", _("Retraining")
    SECOND_DEGREE = "second_degree", _("Second higher degree")


class IntakeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open for applications")
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class Band(models.TextChoices):
    SHORT = "short", _("Short-term")
    MEDIUM = "medium", _("Medium-term")
    LONG = "long", _("Long-term")


class DocumentKind(models.TextChoices):
    """§12: the document a completion earns."""

    CERTIFICATE = "certificate", _("Certificate")
    KUALIK = "kualik", _("Retraining certificate (kuälik)")
    DIPLOMA = "diploma", _("State-standard diploma")


# §10.1: "short: 72 hours; medium: from 72 to 108; long: above 108". The text gives 72 to
# both short and medium; decided: 72 is short, 73..108 medium, 109+ long.
UPGRADE_SHORT_MAX_HOURS = 72  # §10.1
UPGRADE_MEDIUM_MAX_HOURS = 108  # §10.1
RETRAINING_MIN_HOURS = 280  # §10.3
# §11 "not less than 1440"; §12 gives the diploma "above 1440". Decision: 1440 qualifies.
SECOND_DEGREE_MIN_HOURS = 1440  # §11
# §12: a certificate up to 72 hours, a kuälik above (the document follows the hours).
CERTIFICATE_MAX_HOURS = 72  # §12

# §10.2: an internship is short (a week, a month) or long (up to two years). Its length is in
# calendar days: a month is at most 31 days, two years at most 731 (one of them a leap year).
INTERNSHIP_SHORT_MAX_MONTHS = 1  # §10.2
INTERNSHIP_MAX_YEARS = 2  # §10.2
INTERNSHIP_SHORT_MAX_DAYS = 31  # §10.2, one month
INTERNSHIP_MAX_DAYS = 731  # §10.2, two years


def upgrade_band(hours: int) -> str:
    """§10.1: the band of a qualification upgrade by its academic hours."""
    if hours <= UPGRADE_SHORT_MAX_HOURS:
        return Band.SHORT
    if hours <= UPGRADE_MEDIUM_MAX_HOURS:
        return Band.MEDIUM
    return Band.LONG


def internship_band(duration_days: int) -> str:
    """§10.2: an internship of at most one month is short, a longer one is long."""
    return Band.SHORT if duration_days <= INTERNSHIP_SHORT_MAX_DAYS else Band.LONG


def programme_band(kind: str, hours: int, duration_days: int | None = None) -> str:
    """The band of a programme; "" for kinds that have none (retraining, second degree)."""
    if kind == ProgrammeKind.UPGRADE:
        return upgrade_band(hours)
    if kind == ProgrammeKind.INTERNSHIP and duration_days:
        return internship_band(duration_days)
    return ""


def document_kind(kind: str, hours: int) -> str:
    """§12: the document a completed programme earns.

    A second degree earns the state-standard diploma; an internship a certificate; any other
    programme a certificate up to 72 hours and a kuälik above (the text is silent on medium
    and long upgrades: the document follows the hours).
    """
    if kind == ProgrammeKind.SECOND_DEGREE:
        return DocumentKind.DIPLOMA
    if kind == ProgrammeKind.INTERNSHIP or hours <= CERTIFICATE_MAX_HOURS:
        return DocumentKind.CERTIFICATE
    return DocumentKind.KUALIK


def validate_programme_hours(
    kind: str, hours: int | None, duration_days: int | None = None
) -> None:
    """Refuse hours (and an internship's length) that break the kind's rule, naming the clause."""
    if hours is None or hours <= 0:
        raise RuleViolation(
            _("A programme needs a whole positive number of academic hours."),
            field="hours",
            code="hours_positive",
        )
    if kind == ProgrammeKind.RETRAINING and hours < RETRAINING_MIN_HOURS:
        raise RuleViolation(
            _("Retraining needs at least %(min)s hours, §10.3 (this one has %(hours)s)."),
            field="hours",
            code="retraining_hours",
            params={"min": RETRAINING_MIN_HOURS, "hours": hours},
        )
    if kind == ProgrammeKind.SECOND_DEGREE and hours < SECOND_DEGREE_MIN_HOURS:
        raise RuleViolation(
            _("A second higher degree needs at least %(min)s hours, §11 (this one has %(hours)s)."),
            field="hours",
            code="second_degree_hours",
            params={"min": SECOND_DEGREE_MIN_HOURS, "hours": hours},
        )
    if kind == ProgrammeKind.INTERNSHIP:
        validate_internship_days(duration_days)
    elif duration_days:
        raise RuleViolation(
            _("Only an internship has a length in days; this programme is measured in hours."),
            field="duration_days",
            code="days_not_internship",
        )


def validate_internship_days(duration_days: int | None) -> None:
    """§10.2: an internship lasts from a day up to two years."""
    if not duration_days or duration_days <= 0:
        raise RuleViolation(
            _("An internship needs its length in days, §10.2."),
            field="duration_days",
            code="internship_days_missing",
        )
    if duration_days > INTERNSHIP_MAX_DAYS:
        raise RuleViolation(
            _(
                "An internship lasts at most two years (%(max)s days), §10.2; this one has %(days)s."
            ),
            field="duration_days",
            code="internship_too_long",
            params={"max": INTERNSHIP_MAX_DAYS, "days": duration_days},
        )


def internship_last_day(start: datetime.date) -> datetime.date:
    """§10.2: the last day an internship that starts on `start` may end (two years, inclusive)."""
    return add_years(start, INTERNSHIP_MAX_YEARS) - datetime.timedelta(days=1)


def internship_is_short(start: datetime.date, end: datetime.date) -> bool:
    """§10.2: an internship from `start` to `end` (inclusive) lasting at most one month."""
    return end < add_months(start, INTERNSHIP_SHORT_MAX_MONTHS)


def validate_intake_dates(
    start: datetime.date | None, end: datetime.date | None, *, kind: str | None = None
) -> None:
    """An intake ends on or after its start; an internship intake lasts at most two years."""
    if start is None or end is None:
        return
    if end < start:
        raise RuleViolation(
            _("The intake ends (%(end)s) before it starts (%(start)s)."),
            field="end_date",
            code="end_before_start",
            params={"start": start.strftime("%d.%m.%Y"), "end": end.strftime("%d.%m.%Y")},
        )
    if kind == ProgrammeKind.INTERNSHIP and end > internship_last_day(start):
        raise RuleViolation(
            _(
                "An internship lasts at most two years, §10.2: starting on %(start)s it must end "
                "by %(last)s."
            ),
            field="end_date",
            code="internship_too_long",
            params={
                "start": start.strftime("%d.%m.%Y"),
                "last": internship_last_day(start).strftime("%d.%m.%Y"),
            },
        )


def validate_seats(*, capacity: int, state_order_seats: int, contract_seats: int) -> None:
    """§14: the intake's capacity is split into state-order seats and contract seats."""
    if capacity <= 0:
        raise RuleViolation(
            _("An intake needs at least one seat."), field="capacity", code="capacity_positive"
        )
    if state_order_seats < 0 or contract_seats < 0:
        raise RuleViolation(_("Seats cannot be negative."), field="capacity", code="seats_negative")
    if state_order_seats + contract_seats != capacity:
        raise RuleViolation(
            _(
                "State-order seats (%(state)s) and contract seats (%(contract)s) must add up to "
                "the capacity (%(capacity)s), §14."
            ),
            field="capacity",
            code="seats_split",
            params={"state": state_order_seats, "contract": contract_seats, "capacity": capacity},
        )


def validate_session_hours(*, programme_hours: int, session_hours: list[int]) -> None:
    """The sessions of an intake together give the programme's hours, no more, no less."""
    total = sum(session_hours)
    if total != programme_hours:
        raise RuleViolation(
            _("The sessions add up to %(total)s hours, the programme has %(hours)s."),
            code="session_hours",
            params={"total": total, "hours": programme_hours},
        )


# --- how an intake's status moves ------------------------------------------------
#
# planned → open for applications → in progress → finished; cancelled from any but finished.
# The methodologist opens an intake for applications and may close them again before it
# starts; the calendar does the rest: on its first day an intake is in progress, after its
# last day it is finished (intake_status_by_date, applied daily by `advance_intakes`). One
# that runs out early may be marked finished by hand on its last day.
INTAKE_MOVES_BY_HAND: dict[str, frozenset[str]] = {
    IntakeStatus.PLANNED: frozenset({IntakeStatus.OPEN}),
    IntakeStatus.OPEN: frozenset({IntakeStatus.PLANNED}),
    IntakeStatus.IN_PROGRESS: frozenset({IntakeStatus.FINISHED}),
    IntakeStatus.FINISHED: frozenset(),
    IntakeStatus.CANCELLED: frozenset(),
}


def intake_status_by_date(
    status: str, *, start: datetime.date, end: datetime.date, today: datetime.date
) -> str:
    """The status the calendar gives an intake on `today`: planned and open intakes are in
    progress from their first day, any live one is finished after its last; a cancelled or
    finished intake stays as it is."""
    if status in (IntakeStatus.FINISHED, IntakeStatus.CANCELLED):
        return status
    if end < today:
        return IntakeStatus.FINISHED
    if start <= today:
        return IntakeStatus.IN_PROGRESS
    return status


def intake_move_check(
    status: str, to: str, *, start: datetime.date, end: datetime.date, today: datetime.date
) -> None:
    """Refuse, with a message a methodologist can act on, a move of an intake's status by
    hand that the order above does not allow (cancelling has its own service)."""
    if to not in INTAKE_MOVES_BY_HAND.get(status, frozenset()):
        raise RuleViolation(
            _("An intake that is “%(status)s” cannot be made “%(to)s”.")
            % {
                "status": IntakeStatus(status).label,
                "to": IntakeStatus(to).label if to in IntakeStatus.values else to,
            },
            code="intake_move",
        )
    if to in (IntakeStatus.OPEN, IntakeStatus.PLANNED) and start <= today:
        raise RuleViolation(
            _(
                "The intake has started: applications can be opened or closed only before its first day."
            ),
            code="intake_started",
        )
    if to == IntakeStatus.FINISHED and end > today:
        raise RuleViolation(
            _("An intake can be marked finished on its last day (%(end)s) or later.")
            % {"end": end.strftime("%d.%m.%Y")},
            code="intake_not_ended",
        )


def intake_timetable_check(status: str) -> None:
    """A finished or cancelled intake's timetable is history: no session is added to it or
    removed from it (the journal and the hours of its documents rest on it)."""
    if status in (IntakeStatus.FINISHED, IntakeStatus.CANCELLED):
        raise RuleViolation(
            _("The intake is “%(status)s”: its sessions can no longer be changed.")
            % {"status": IntakeStatus(status).label},
            code="timetable_closed",
        )


# --- enrollments and seats, §14–§22 -------------------------------------------------------------
# Defined here, below the enrollments themselves (listeners), because an intake counts its
# seats and its applicants by them.


class EnrollmentState(models.TextChoices):
    APPLIED = "applied", _("Applied")
    WAITLISTED = "waitlisted", _("Waitlisted")
    ADMITTED = "admitted", _("Admitted")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    EXPELLED = "expelled", _("Expelled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")


class FundingBasis(models.TextChoices):
    """§14, §17: how the training of one listener is paid for."""

    STATE_ORDER = "state_order", _("State order")
    CONTRACT_ORGANISATION = "contract_organisation", _("Contract with an organisation")
    CONTRACT_PERSON = "contract_person", _("Contract with a person")


S = EnrollmentState
# States that hold a seat of the intake.
SEAT_HOLDING_STATES = frozenset({S.ADMITTED, S.COMPLETED, S.FAILED})
# Applicants waiting for the head's admission order (§15).
APPLICANT_STATES = frozenset({S.APPLIED, S.WAITLISTED})
# §14: an intake's seats are state-order seats or contract seats; the state order funds the
# first, every contract (with an organisation or with the person) takes the second.
STATE_SEAT_BASES = frozenset({FundingBasis.STATE_ORDER})


def seat_kind(basis: str) -> str:
    """Which of an intake's seats (§14) a listener funded on `basis` takes: "state" or
    "contract"."""
    return "state" if basis in STATE_SEAT_BASES else "contract"
