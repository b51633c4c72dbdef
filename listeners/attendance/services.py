"""The attendance journal (§20): a mark per listener and session, by one cell or "all present"
for a session, only for those admitted by the head's order."""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from courses.models import (
    Session,
)
from institute.models import User
from institute.rules import RuleViolation
from listeners import rules
from listeners.models import (
    Attendance,
    Enrollment,
    Mark,
)
from listeners.rules import EnrollmentState as S

# --- the attendance journal and the attestation (§21) ----------------------------------------

# Who is in the journal: those admitted, and those whose course ended (§14–§22).
JOURNAL_STATES = rules.ADMITTED_BY_ORDER_STATES
# Whose attendance may still be marked: an expelled listener's journal is closed by the order.
MARKABLE_STATES = (S.ADMITTED, S.COMPLETED, S.FAILED)


@transaction.atomic
def attendance_mark(
    *, enrollment: Enrollment, session: Session, mark: str, by: User | None
) -> Attendance:
    """Mark one listener at one session of their intake: the journal's cell, one row per
    (enrollment, session), remarked in place with who marked it."""
    if mark not in Mark.values:
        raise RuleViolation(_("Unknown attendance mark."), field="mark", code="unknown_mark")
    if session.intake_id != enrollment.intake_id:
        raise RuleViolation(
            _("The session belongs to another intake."), field="session", code="session_intake"
        )
    _check_in_journal(enrollment)
    attendance, _created = Attendance.objects.update_or_create(
        enrollment=enrollment, session=session, defaults={"mark": mark, "marked_by": by}
    )
    return attendance


def _check_in_journal(enrollment: Enrollment) -> None:
    """Only people who studied in the intake have cells in its journal."""
    if enrollment.state not in MARKABLE_STATES:
        raise RuleViolation(
            _("%(name)s is “%(state)s”: only admitted listeners are in the journal.")
            % {"name": enrollment.listener.full_name, "state": enrollment.get_state_display()},
            field="enrollment",
            code="not_in_journal",
        )


@transaction.atomic
def attendance_mark_present(
    *, enrollments: Sequence[Enrollment], sessions: Sequence[Session], by: User | None
) -> int:
    """Mark present every one of `enrollments` at every one of `sessions` not marked yet: the
    journal's "all present" for a session (one column) or a listener (one row), in one
    INSERT. A mark already set (an absence, an excuse) is kept, so the button never undoes
    what someone noted; a cell marked by someone else meanwhile is kept too. The checks are
    those of a single cell (attendance_mark), and each new row says who marked it. Returns
    how many cells were marked."""
    intakes = {enrollment.intake_id for enrollment in enrollments}
    if len(intakes | {session.intake_id for session in sessions}) > 1:
        raise RuleViolation(
            _("The session belongs to another intake."), field="session", code="session_intake"
        )
    for enrollment in enrollments:
        _check_in_journal(enrollment)
    marked = set(
        Attendance.objects.filter(enrollment__in=enrollments, session__in=sessions).values_list(
            "enrollment_id", "session_id"
        )
    )
    new = [
        Attendance(enrollment=enrollment, session=session, mark=Mark.PRESENT, marked_by=by)
        for enrollment in enrollments
        for session in sessions
        if (enrollment.pk, session.pk) not in marked
    ]
    Attendance.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
