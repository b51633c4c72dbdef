"""The final attestation (§21): the head approves a commission by order, then its results are
recorded for each listener admitted, passed or failed, with a grade."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from courses.models import (
    Commission,
    CommissionMember,
    CommissionRole,
    Intake,
)
from institute.models import User
from institute.rules import RuleViolation
from institute.services import log_action
from institute.text import clean_name, has_control
from listeners import rules
from listeners.enrollment.services import _order_create, enrollment_change_state
from listeners.models import (
    Enrollment,
    Order,
)
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind


def commission_order(intake: Intake) -> Order | None:
    """The latest order of the head approving the intake's commission (§21), if any."""
    return (
        Order.objects.filter(intake=intake, kind=OrderKind.COMMISSION)
        .order_by("-date", "-pk")
        .first()
    )


@dataclass(frozen=True)
class MemberData:
    full_name: str
    position: str
    role: str


@transaction.atomic
def commission_approve(
    *,
    intake: Intake,
    assessment_form: str,
    sits_on: datetime.date | None,
    members: Sequence[MemberData],
    order_fields: dict[str, Any],
    by: User | None,
) -> Commission:
    """Form (or form again) the attestation commission of an intake and approve it by an
    order of the head (§21): the commission, its members and the order, all or nothing.
    A commission has members and exactly one chair."""
    # Names as the members' records keep them (NamesCleaned; bulk_create skips save()).
    members = [
        MemberData(full_name=clean_name(m.full_name), position=m.position.strip(), role=m.role)
        for m in members
        if clean_name(m.full_name)
    ]
    if not members:
        raise RuleViolation(
            _("A commission needs its members (§21)."), field="members", code="no_members"
        )
    chairs = sum(1 for m in members if m.role == CommissionRole.CHAIR)
    if chairs != 1:
        raise RuleViolation(
            _("A commission has exactly one chair (§21)."), field="members", code="one_chair"
        )
    Intake.objects.select_for_update().get(pk=intake.pk)
    commission, _created = Commission.objects.update_or_create(
        intake=intake, defaults={"assessment_form": assessment_form, "sits_on": sits_on}
    )
    commission.members.all().delete()
    CommissionMember.objects.bulk_create(
        CommissionMember(
            commission=commission, full_name=m.full_name, position=m.position, role=m.role
        )
        for m in members
    )
    order = _order_create(kind=OrderKind.COMMISSION, intake=intake, fields=order_fields, by=by)
    log_action(
        obj=commission,
        action="commission.approved",
        by=by,
        order=order.pk,
        members=[m.full_name for m in members],
    )
    return commission


@transaction.atomic
def results_record(
    *,
    intake: Intake,
    results: dict[int, tuple[bool, int | None, str]],
    on: datetime.date | None,
    by: User | None,
) -> dict[str, int]:
    """Record the commission's decisions for an intake (§21), all or nothing: each result is
    (passed, grade or None, remark). A pass completes the enrollment on `on`, a fail fails
    it; a grade must agree (3 to 5 pass, 2 fails). Listeners left out of `results` stay
    admitted. Returns {"completed": n, "failed": m}."""
    if not Commission.objects.filter(intake=intake).exists() or commission_order(intake) is None:
        raise RuleViolation(
            _(
                "§21: knowledge is assessed by a commission approved by the head's order. "
                "Approve the commission of the intake first."
            ),
            code="no_commission",
        )
    if not results:
        raise RuleViolation(_("Give at least one result."), code="empty")
    fresh = {
        e.pk: e
        for e in Enrollment.objects.select_for_update()
        .select_related("listener")
        .filter(pk__in=list(results), intake=intake)
    }
    if set(results) - set(fresh):
        raise RuleViolation(
            _("A result was given for someone who is not a listener of this intake."),
            code="other_intake",
        )
    for enrollment in fresh.values():
        if enrollment.state != S.ADMITTED:
            raise RuleViolation(
                _("%(name)s is “%(state)s”: only admitted listeners are attested.")
                % {"name": enrollment.listener.full_name, "state": enrollment.get_state_display()},
                code="illegal_transition",
            )
        passed, grade, remark = results[enrollment.pk]
        # The remarks come as they were typed, beside no form field (issue 18).
        if has_control(remark):
            raise RuleViolation(
                _(
                    "The remark on %(name)s holds an invisible control character, which "
                    "cannot be stored: remove it."
                )
                % {"name": enrollment.listener.full_name},
                code="control_character",
            )
        try:
            rules.grade_check(passed=passed, grade=grade)
        except RuleViolation as error:
            raise RuleViolation(
                f"{enrollment.listener.full_name}: {' '.join(error.messages)}", code=error.code
            ) from None
    counts = {"completed": 0, "failed": 0}
    for pk, (passed, grade, remark) in results.items():
        to = S.COMPLETED if passed else S.FAILED
        enrollment_change_state(
            enrollment=fresh[pk], to=to, by=by, on=on, result=remark.strip()[:100], grade=grade
        )
        counts[to] += 1
    return counts
