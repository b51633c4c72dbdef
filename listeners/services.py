"""Workflows on listeners and enrollments: each atomic, keyword-only, raising RuleViolation."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Intake
from institute.models import User
from institute.rules import RuleViolation
from listeners import rules
from listeners.models import (
    Enrollment,
    EnrollmentTransition,
    ExternalUpgrade,
    FundingBasis,
    Listener,
    Order,
)
from listeners.rules import EnrollmentState as S

# Which seats of the intake a funding basis takes (§14).
STATE_SEAT_BASES = {FundingBasis.STATE_ORDER}


@transaction.atomic
def enrollment_apply(
    *, listener: Listener, intake: Intake, by: User | None, **fields: object
) -> Enrollment:
    """Record an application (SPEC §4): one enrollment per person and intake."""
    if Enrollment.objects.filter(listener=listener, intake=intake).exists():
        raise RuleViolation(
            _("%(name)s has already applied to intake %(intake)s.")
            % {"name": listener.full_name, "intake": intake.code},
            code="duplicate_enrollment",
        )
    enrollment = Enrollment(listener=listener, intake=intake, state=S.APPLIED, **fields)
    enrollment.full_clean(exclude=["listener", "intake"], validate_unique=False)
    enrollment.save()
    EnrollmentTransition.objects.create(
        enrollment=enrollment, from_state="", to_state=S.APPLIED, by=by
    )
    return enrollment


def seats_left(intake: Intake) -> dict[str, int]:
    """Free seats of each funding kind: {"state": n, "contract": m} (§14)."""
    taken = Enrollment.objects.filter(intake=intake).holding_seats()
    state_taken = taken.filter(basis__in=STATE_SEAT_BASES).count()
    contract_taken = taken.exclude(basis__in=STATE_SEAT_BASES).count()
    return {
        "state": intake.state_order_seats - state_taken,
        "contract": intake.contract_seats - contract_taken,
    }


@transaction.atomic
def enrollment_change_state(
    *,
    enrollment: Enrollment,
    to: str,
    by: User | None,
    reason: str = "",
    order: Order | None = None,
    on: datetime.date | None = None,
    result: str = "",
) -> Enrollment:
    """Move an enrollment along the state machine of SPEC §4 and record who, when and why.

    Admission needs an admission order (§15) and a free seat of its funding kind (§14);
    expulsion an expulsion order and a reason (§22); completion and failure follow the
    commission (§21). An illegal move raises RuleViolation and changes nothing.
    """
    enrollment = (
        Enrollment.objects.select_for_update().select_related("intake").get(pk=enrollment.pk)
    )
    if order is not None and order.intake_id and order.intake_id != enrollment.intake_id:
        raise RuleViolation(_("The order concerns another intake."), code="order_intake")
    rules.check_transition(
        enrollment.state,
        to,
        order_kind=order.kind if order else None,
        reason=reason or (order.reason if order else ""),
    )
    if to == S.ADMITTED:
        Intake.objects.select_for_update().get(pk=enrollment.intake_id)
        free = seats_left(enrollment.intake)
        kind = "state" if enrollment.basis in STATE_SEAT_BASES else "contract"
        if free[kind] <= 0:
            raise RuleViolation(
                _("No %(kind)s seats are left in intake %(intake)s.")
                % {
                    "kind": _("state-order") if kind == "state" else _("contract"),
                    "intake": enrollment.intake.code,
                },
                code="no_seats",
            )
        enrollment.admission_order = order
    elif to == S.EXPELLED:
        enrollment.expulsion_order = order
        enrollment.expulsion_reason = reason or order.reason
    elif to == S.COMPLETED:
        enrollment.completed_on = on or enrollment.intake.end_date
    if result:
        enrollment.final_result = result
    previous = enrollment.state
    enrollment.state = to
    enrollment._change_recorded = True  # the transition row is written just below
    enrollment.save()
    EnrollmentTransition.objects.create(
        enrollment=enrollment,
        from_state=previous,
        to_state=to,
        by=by,
        reason=reason,
        order=order,
        at=timezone.now(),
    )
    return enrollment


@transaction.atomic
def external_upgrades_confirm(*, upgrades: QuerySet[ExternalUpgrade], by: User) -> int:
    """Confirm upgrades recorded from elsewhere, so they count for the five-year rule (SPEC
    §3); returns how many were confirmed now (those confirmed before are left as they are)."""
    pending = upgrades.filter(confirmed_at__isnull=True)
    listener_ids = list(pending.values_list("listener_id", flat=True))
    count = pending.update(confirmed_by=by, confirmed_at=timezone.now())
    Listener.objects.filter(pk__in=listener_ids).refresh_last_upgrade()
    return count
