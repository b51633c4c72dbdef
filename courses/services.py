"""Workflows on programmes and intakes: each atomic, keyword-only, raising RuleViolation."""

from django.db import transaction
from django.utils.translation import gettext as _

from courses.models import Intake, IntakeStatus, Programme, Session
from institute.models import User
from institute.rules import RuleViolation
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
def session_remove(*, session: Session, by: User | None) -> None:
    """Remove a session from an intake's timetable. A session with attendance marked is part
    of the journal and is kept: removing it would delete the marks with it."""
    session = Session.objects.select_for_update().get(pk=session.pk)
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
