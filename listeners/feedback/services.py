"""What listeners say: feedback on a course they finished, and appeals of the head's orders that
concern them (§19.4), answered by an administrator; both sides are told by e-mail."""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from institute.mail import language_of, mail_send
from institute.models import Role, User
from institute.rules import RuleViolation
from institute.services import log_action
from listeners import rules
from listeners.models import (
    Appeal,
    AppealStatus,
    Enrollment,
    Feedback,
    Listener,
    Order,
)
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind

# --- the listener's own say: feedback, appeals, upgrades from elsewhere (§19) --------


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


def _administrators() -> list[User]:
    return list(User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exclude(email=""))


@task()
def appeal_mail(appeal_id: int, event: str) -> int:
    """Tell of an appeal once it is committed: a new one to every administrator, each in their
    own language; an answer to the listener. Returns how many letters went."""
    appeal = Appeal.objects.select_related("listener__user", "order").filter(pk=appeal_id).first()
    if appeal is None:
        return 0
    context = {"appeal": appeal, "listener": appeal.listener, "order": appeal.order}
    if event == "answered":
        listener = appeal.listener
        return int(
            mail_send(
                "appeal_answered",
                to=[listener.email],
                context=context,
                language=language_of(listener.user),
            )
        )
    readers: dict[str | None, list[str]] = {}
    for user in _administrators():
        readers.setdefault(language_of(user), []).append(user.email)
    return sum(
        mail_send("appeal_lodged", to=to, context=context, language=language)
        for language, to in readers.items()
    )


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
    transaction.on_commit(lambda: appeal_mail.enqueue(appeal.pk, "lodged"))
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
    if appeal.listener.email:
        transaction.on_commit(lambda: appeal_mail.enqueue(appeal.pk, "answered"))
    return appeal
