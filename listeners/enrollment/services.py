"""Enrollment and admission (§14–§19): a person applies or is added, the head admits by order
within the seats of each kind, and expels, and the listener may withdraw or be refused. Every
change of state goes through `enrollment_change_state`, which checks the move and writes the
history."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from courses.models import (
    Intake,
    IntakeStatus,
)
from courses.rules import APPLICANT_STATES, STATE_SEAT_BASES, seat_kind
from institute.models import Organisation, User
from institute.rules import RuleViolation
from listeners import rules
from listeners.accounts import admitted_invite
from listeners.models import (
    Enrollment,
    EnrollmentTransition,
    FundingBasis,
    Listener,
    Order,
)
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind

# Which seats of the intake a funding basis takes (§14).


@dataclass(frozen=True)
class Enrolled:
    """What listener_enroll did: the application, and whether the person was new."""

    enrollment: Enrollment
    listener_created: bool


@transaction.atomic
def enrollment_apply(
    *, listener: Listener, intake: Intake, by: User | None, **fields: object
) -> Enrollment:
    """Record an application (§14–§22): one enrollment per person and intake."""
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
    grade: int | None = None,
) -> Enrollment:
    """Move an enrollment along the enrollment state machine (listeners.rules) and record
    who, when and why.
    Completion and failure may carry the commission's grade and remark (`result`).

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
        kind = seat_kind(enrollment.basis)
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
    if grade is not None:
        rules.grade_check(passed=to == S.COMPLETED, grade=grade)
        enrollment.grade = grade
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


def _seat_kind_label(kind: str) -> str:
    return _("state-order") if kind == "state" else _("contract")


@transaction.atomic
def listener_enroll(
    *,
    intake: Intake,
    iin: str,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    organisation: Organisation | None = None,
    position: str = "",
    subject: str = "",
    email: str = "",
    phone: str = "",
    basis: str = FundingBasis.STATE_ORDER,
    state_order_reference: str = "",
    customer: Organisation | None = None,
    contract_number: str = "",
    price: Decimal | None = None,
    with_work_interruption: bool = True,
    from_other_town: bool = False,
    by: User | None,
) -> Enrolled:
    """Find the person by IIN or register them, and record their application (§14–§22).

    One person, one record: a known IIN reuses the stored listener as it is (names and
    workplace are not overwritten from the form). When every seat of the requested funding
    kind is taken (§14), the application goes to the waitlist. The listener and the
    enrollment are saved together or not at all.
    """
    if intake.status in (IntakeStatus.CANCELLED, IntakeStatus.FINISHED):
        raise RuleViolation(
            _("Intake %(intake)s is %(status)s: it takes no applications.")
            % {"intake": intake.code, "status": intake.get_status_display().lower()},
            code="intake_closed",
        )
    facts = rules.parse_iin(iin)
    listener = Listener.objects.filter(iin=facts.iin).first()
    created = listener is None
    if listener is None:
        listener = Listener(
            iin=facts.iin,
            last_name=last_name.strip(),
            first_name=first_name.strip(),
            patronymic=patronymic.strip(),
            organisation=organisation,
            position=position.strip(),
            subject=subject.strip(),
            email=email.strip(),
            phone=phone.strip(),
        )
        listener.full_clean(exclude=["user"])
        try:
            with transaction.atomic():
                listener.save()
        except IntegrityError:
            # Registered by someone else between the check and the save.
            raise RuleViolation(
                _("A listener with this IIN was registered meanwhile: submit the form again."),
                field="iin",
                code="duplicate_listener",
            ) from None
    # A seat is either the state's or a contract's (§14, §17): the other kind's details are
    # not stored, whatever the caller passed.
    contract = basis != FundingBasis.STATE_ORDER
    enrollment = enrollment_apply(
        listener=listener,
        intake=intake,
        by=by,
        basis=basis,
        state_order_reference="" if contract else state_order_reference.strip(),
        customer=customer if basis == FundingBasis.CONTRACT_ORGANISATION else None,
        contract_number=contract_number.strip() if contract else "",
        price=price if contract else None,
        with_work_interruption=with_work_interruption,
        from_other_town=from_other_town,
    )
    Intake.objects.select_for_update().get(pk=intake.pk)
    if seats_left(intake)[seat_kind(basis)] <= 0:
        enrollment = enrollment_change_state(
            enrollment=enrollment,
            to=S.WAITLISTED,
            by=by,
            reason=_("No %(kind)s seats are left.") % {"kind": _seat_kind_label(seat_kind(basis))},
        )
    return Enrolled(enrollment=enrollment, listener_created=created)


@transaction.atomic
def enrollment_admit(
    *,
    enrollments: Sequence[Enrollment],
    order_fields: dict[str, Any],
    by: User | None,
    invite_from: str | None = None,
) -> Order:
    """Admit applicants by one admission order of the head (§15), all or none.

    The order (number, date, head) is created for their intake and each enrollment moves to
    "admitted" through enrollment_change_state. When the selection needs more seats of a
    funding kind than are left (§14), nothing is saved and the message says how many are.
    With `invite_from` (the site's address), the worker then invites those admitted who have
    no password yet (`invite_admitted`), once the order is committed.
    """
    enrollments = list(enrollments)
    if not enrollments:
        raise RuleViolation(_("Select at least one applicant to admit."), code="empty")
    intake_ids = {e.intake_id for e in enrollments}
    if len(intake_ids) != 1:
        raise RuleViolation(_("One admission order admits to one intake."), code="order_intake")
    intake = Intake.objects.select_for_update().get(pk=intake_ids.pop())
    fresh = list(
        Enrollment.objects.select_for_update()
        .select_related("listener")
        .filter(pk__in=[e.pk for e in enrollments])
    )
    for enrollment in fresh:
        if enrollment.state not in APPLICANT_STATES:
            raise RuleViolation(
                _("%(name)s is “%(state)s”: only applicants can be admitted.")
                % {"name": enrollment.listener.full_name, "state": enrollment.get_state_display()},
                code="illegal_transition",
            )
    free = seats_left(intake)
    for kind in ("state", "contract"):
        wanted = sum(1 for e in fresh if seat_kind(e.basis) == kind)
        if wanted > free[kind]:
            raise RuleViolation(
                _(
                    "%(wanted)s selected for %(kind)s seats, but only %(left)s %(kind)s seats "
                    "are left in intake %(intake)s (§14). Nobody was admitted."
                )
                % {
                    "wanted": wanted,
                    "kind": _seat_kind_label(kind),
                    "left": max(free[kind], 0),
                    "intake": intake.code,
                },
                code="no_seats",
            )
    order = _order_create(kind=OrderKind.ADMISSION, intake=intake, fields=order_fields, by=by)
    for enrollment in fresh:
        enrollment_change_state(enrollment=enrollment, to=S.ADMITTED, by=by, order=order)
    if invite_from:
        admitted = [enrollment.pk for enrollment in fresh]
        transaction.on_commit(lambda: invite_admitted.enqueue(admitted, invite_from))
    return order


def _order_create(*, kind: str, intake: Intake, fields: dict[str, Any], by: User | None) -> Order:
    """Create an order of the head, checked: a number is unique within its year."""
    order = Order(kind=kind, intake=intake, created_by=by, **fields)
    if order.date:
        order.year = order.date.year
    order.full_clean()
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        # Two submissions raced past the check: the database's constraint decides.
        raise RuleViolation(
            _("An order with this number already exists this year."), field="number"
        ) from None
    return order


@transaction.atomic
def enrollment_expel(
    *,
    enrollment: Enrollment,
    order_fields: dict[str, Any],
    ground: str,
    reason: str,
    by: User | None,
) -> Order:
    """Expel an admitted listener by an expulsion order stating its ground and reason (§22)."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    rules.check_transition(
        enrollment.state, S.EXPELLED, order_kind=OrderKind.EXPULSION, reason=reason
    )
    order = _order_create(
        kind=OrderKind.EXPULSION,
        intake=enrollment.intake,
        fields={**order_fields, "ground": ground, "reason": reason.strip()},
        by=by,
    )
    enrollment_change_state(
        enrollment=enrollment, to=S.EXPELLED, by=by, order=order, reason=reason.strip()
    )
    return order


def enrollment_withdraw(*, enrollment: Enrollment, note: str = "", by: User | None) -> Enrollment:
    """The listener leaves at their own request (§14–§22), before or after admission."""
    return enrollment_change_state(
        enrollment=enrollment, to=S.WITHDRAWN, by=by, reason=note.strip()
    )


def enrollment_reject(*, enrollment: Enrollment, note: str = "", by: User | None) -> Enrollment:
    """An application (applied or waitlisted) is turned down (§14–§22)."""
    return enrollment_change_state(enrollment=enrollment, to=S.REJECTED, by=by, reason=note.strip())


@task()
def invite_admitted(enrollment_ids: list[int], base_url: str) -> int:
    """E-mail an invitation to each listener just admitted who has no password yet (an
    admission by one order may name dozens; a mail server may be slow). Whoever already set
    a password meanwhile is skipped, so a rerun sends nobody a second link they need not."""

    enrollments = list(Enrollment.objects.filter(pk__in=enrollment_ids).select_related("listener"))
    return admitted_invite(enrollments=enrollments, request_or_base_url=base_url)
