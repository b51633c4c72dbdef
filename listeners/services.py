"""Workflows on listeners and enrollments: each atomic, keyword-only, raising RuleViolation."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    Commission,
    CommissionMember,
    CommissionRole,
    Intake,
    IntakeStatus,
    Session,
)
from courses.rules import ProgrammeKind
from institute.models import Organisation, Role, User
from institute.rules import RuleViolation
from institute.services import log_action
from institute.text import clean_name, has_control
from listeners import rules
from listeners.models import (
    Appeal,
    AppealStatus,
    Attendance,
    Enrollment,
    EnrollmentTransition,
    ExternalUpgrade,
    Feedback,
    FundingBasis,
    Listener,
    Mark,
    Order,
)
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind

# Which seats of the intake a funding basis takes (§14).
STATE_SEAT_BASES = {FundingBasis.STATE_ORDER}


@dataclass(frozen=True)
class Enrolled:
    """What listener_enroll did: the application, and whether the person was new."""

    enrollment: Enrollment
    listener_created: bool


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
    grade: int | None = None,
) -> Enrollment:
    """Move an enrollment along the state machine of SPEC §4 and record who, when and why.
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


@transaction.atomic
def external_upgrades_confirm(*, upgrades: QuerySet[ExternalUpgrade], by: User) -> int:
    """Confirm upgrades recorded from elsewhere, so they count for the five-year rule (SPEC
    §3); returns how many were confirmed now (those confirmed before are left as they are)."""
    pending = upgrades.filter(confirmed_at__isnull=True)
    listener_ids = list(pending.values_list("listener_id", flat=True))
    count = pending.update(confirmed_by=by, confirmed_at=timezone.now())
    Listener.objects.filter(pk__in=listener_ids).refresh_last_upgrade()
    return count


def _seat_kind(basis: str) -> str:
    return "state" if basis in STATE_SEAT_BASES else "contract"


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
    """Find the person by IIN or register them, and record their application (SPEC §4).

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
    if seats_left(intake)[_seat_kind(basis)] <= 0:
        enrollment = enrollment_change_state(
            enrollment=enrollment,
            to=S.WAITLISTED,
            by=by,
            reason=_("No %(kind)s seats are left.") % {"kind": _seat_kind_label(_seat_kind(basis))},
        )
    return Enrolled(enrollment=enrollment, listener_created=created)


@transaction.atomic
def enrollment_admit(
    *, enrollments: Sequence[Enrollment], order_fields: dict[str, Any], by: User | None
) -> Order:
    """Admit applicants by one admission order of the head (§15), all or none.

    The order (number, date, head) is created for their intake and each enrollment moves to
    "admitted" through enrollment_change_state. When the selection needs more seats of a
    funding kind than are left (§14), nothing is saved and the message says how many are.
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
        if enrollment.state not in (S.APPLIED, S.WAITLISTED):
            raise RuleViolation(
                _("%(name)s is “%(state)s”: only applicants can be admitted.")
                % {"name": enrollment.listener.full_name, "state": enrollment.get_state_display()},
                code="illegal_transition",
            )
    free = seats_left(intake)
    for kind in ("state", "contract"):
        wanted = sum(1 for e in fresh if _seat_kind(e.basis) == kind)
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
    """The listener leaves at their own request (SPEC §4), before or after admission."""
    return enrollment_change_state(
        enrollment=enrollment, to=S.WITHDRAWN, by=by, reason=note.strip()
    )


def enrollment_reject(*, enrollment: Enrollment, note: str = "", by: User | None) -> Enrollment:
    """An application (applied or waitlisted) is turned down (SPEC §4)."""
    return enrollment_change_state(enrollment=enrollment, to=S.REJECTED, by=by, reason=note.strip())


# --- the attendance journal and the attestation (§21) ----------------------------------------

# Who is in the journal: those admitted, and those whose course ended (SPEC §4).
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


# --- the listener's own say: feedback, appeals, upgrades from elsewhere (§19, SPEC §3) --------


@transaction.atomic
def feedback_give(
    *, enrollment: Enrollment, rating: int, comment: str = "", by: User | None
) -> Feedback:
    """A listener rates a course they completed (§19: a say in shaping the programme), once
    per enrollment."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.state != S.COMPLETED:
        raise RuleViolation(
            _("A course is rated once it is completed."), code="feedback_not_completed"
        )
    if not 1 <= rating <= 5:
        raise RuleViolation(_("The rating is from 1 to 5."), field="rating", code="rating")
    if Feedback.objects.filter(enrollment=enrollment).exists():
        raise RuleViolation(_("You have already rated this course."), code="feedback_given")
    feedback = Feedback.objects.create(
        enrollment=enrollment, rating=rating, comment=comment.strip()
    )
    log_action(obj=feedback, action="feedback.given", by=by, rating=rating)
    return feedback


def orders_concerning(listener: Listener) -> QuerySet[Order]:
    """The orders of the head a listener may appeal (§19.4): those that admitted or expelled
    them, and the orders approving the commission of an intake they studied in."""
    enrollments = Enrollment.objects.filter(listener=listener)
    return Order.objects.filter(
        Q(pk__in=enrollments.values("admission_order"))
        | Q(pk__in=enrollments.values("expulsion_order"))
        | Q(
            kind=OrderKind.COMMISSION,
            intake__in=enrollments.filter(state__in=rules.ADMITTED_BY_ORDER_STATES).values(
                "intake"
            ),
        )
    )


def _administrator_addresses() -> list[str]:
    return list(
        User.objects.filter(role=Role.ADMINISTRATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _mail(*, template: str, context: dict[str, Any], to: list[str]) -> None:
    """Send one plain-text letter after the transaction commits (a rolled-back appeal
    announces nothing); the first line of the template is the subject."""
    if not to:
        return
    base_url = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    text = render_to_string(template, {**context, "base_url": base_url})
    subject, _blank, body = text.partition("\n")

    def send() -> None:
        send_mail(subject.strip(), body.lstrip("\n"), None, to, fail_silently=True)

    transaction.on_commit(send)


@transaction.atomic
def appeal_lodge(*, listener: Listener, order: Order, text: str, by: User | None) -> Appeal:
    """A listener appeals an order that concerns them (§19.4); the administrators are told
    by e-mail."""
    if not orders_concerning(listener).filter(pk=order.pk).exists():
        raise RuleViolation(_("This order does not concern you."), code="appeal_order")
    text = text.strip()
    if not text:
        raise RuleViolation(_("Write what you appeal and why."), field="text", code="empty")
    appeal = Appeal.objects.create(listener=listener, order=order, text=text)
    log_action(obj=appeal, action="appeal.lodged", by=by, order=order.pk)
    _mail(
        template="listeners/email/appeal_lodged.txt",
        context={"appeal": appeal, "listener": listener, "order": order},
        to=_administrator_addresses(),
    )
    return appeal


@transaction.atomic
def appeal_answer(*, appeal: Appeal, answer: str, by: User) -> Appeal:
    """An administrator answers an appeal (§19.4), once; the listener reads the answer on
    their page and, with an e-mail address on record, gets it by e-mail too."""
    appeal = (
        Appeal.objects.select_for_update().select_related("listener", "order").get(pk=appeal.pk)
    )
    if by.role != Role.ADMINISTRATOR:
        raise RuleViolation(_("Only an administrator answers appeals."), code="appeal_answerer")
    if appeal.status != AppealStatus.OPEN:
        raise RuleViolation(_("This appeal has already been answered."), code="appeal_answered")
    answer = answer.strip()
    if not answer:
        raise RuleViolation(_("Write the answer."), field="answer", code="empty")
    appeal.answer, appeal.answered_by, appeal.answered_at = answer, by, timezone.now()
    appeal.status = AppealStatus.ANSWERED
    appeal.save(update_fields=["answer", "answered_by", "answered_at", "status"])
    log_action(obj=appeal, action="appeal.answered", by=by)
    _mail(
        template="listeners/email/appeal_answered.txt",
        context={"appeal": appeal, "listener": appeal.listener, "order": appeal.order},
        to=[appeal.listener.email] if appeal.listener.email else [],
    )
    return appeal


@transaction.atomic
def external_upgrade_record(
    *,
    listener: Listener,
    issuer: str,
    document_number: str,
    completed_on: datetime.date,
    hours: int,
    programme_title: str = "",
    with_work_interruption: bool = True,
    scan: UploadedFile | None = None,
    by: User | None,
) -> ExternalUpgrade:
    """A listener records an upgrade done at another institution (SPEC §3), with a scan of
    its document. It counts for the five-year rule once a methodologist confirms it
    (external_upgrades_confirm); until then it waits."""
    upgrade = ExternalUpgrade(
        listener=listener,
        kind=ProgrammeKind.UPGRADE,
        issuer=issuer.strip(),
        document_number=document_number.strip(),
        completed_on=completed_on,
        hours=hours,
        programme_title=programme_title.strip(),
        with_work_interruption=with_work_interruption,
    )
    if scan is not None:
        upgrade.scan = scan
    if completed_on and completed_on > timezone.localdate():
        raise RuleViolation(_("The date of the document is in the future."), field="completed_on")
    upgrade.full_clean(exclude=["listener"], validate_unique=False)
    if ExternalUpgrade.objects.filter(
        listener=listener, issuer=upgrade.issuer, document_number=upgrade.document_number
    ).exists():
        raise RuleViolation(
            _("This document is already recorded for the listener."), field="document_number"
        )
    upgrade.save()
    log_action(obj=upgrade, action="external_upgrade.recorded", by=by)
    return upgrade
