"""Have a say (§19): feedback on a completed course, and appeals against orders that the
administrators answer."""

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from institute.models import AuditEntry, Role
from institute.rules import RuleViolation
from listeners.feedback.services import appeal_answer, appeal_lodge, appeal_mail, feedback_give
from listeners.models import Appeal, AppealStatus, Feedback
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind
from tests.conftest import (
    DATABASE_TASKS,
    make_enrollment,
    make_intake,
    make_listener,
    make_order,
    make_user,
)

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def completed(listener):
    return make_enrollment(listener, make_intake(), state=S.COMPLETED)


# --- feedback ----------------------------------------------------------------------------


def test_a_completed_course_is_rated_once(client, listener, completed):
    url = reverse("portal:feedback", args=[completed.pk])
    response = _as(client, listener.user).post(url, {"rating": "4", "comment": " Useful "})
    assert response.status_code == 302
    feedback = Feedback.objects.get(enrollment=completed)
    assert (feedback.rating, feedback.comment) == (4, "Useful")
    assert AuditEntry.objects.filter(action="feedback.given").count() == 1
    again = client.post(url, {"rating": "1"}, follow=True)
    assert "This course cannot be rated now." in again.text
    assert Feedback.objects.get(enrollment=completed).rating == 4
    assert "Your rating: 4 of 5." in client.get(reverse("portal:courses")).text


@pytest.mark.parametrize("state", [S.APPLIED, S.ADMITTED, S.EXPELLED, S.FAILED])
def test_a_course_not_completed_cannot_be_rated(client, listener, state):
    enrollment = make_enrollment(listener, make_intake(), state=state)
    response = _as(client, listener.user).post(
        reverse("portal:feedback", args=[enrollment.pk]), {"rating": "5"}
    )
    assert response.status_code == 302
    assert not Feedback.objects.exists()


def test_feedback_give_refuses_a_course_not_completed(listener, english):
    enrollment = make_enrollment(listener, make_intake(), state=S.ADMITTED)
    with pytest.raises(RuleViolation, match="once it is completed"):
        feedback_give(enrollment=enrollment, rating=5, by=None)


@pytest.mark.parametrize("rating", ["0", "6", "x"])
def test_a_rating_outside_1_to_5_is_refused(client, listener, completed, rating):
    response = _as(client, listener.user).post(
        reverse("portal:feedback", args=[completed.pk]), {"rating": rating}
    )
    assert response.status_code == 200
    assert not Feedback.objects.exists()


def test_the_database_refuses_a_rating_outside_1_to_5(completed):
    with pytest.raises(IntegrityError):
        Feedback.objects.create(enrollment=completed, rating=6)


def test_another_listener_cannot_rate_my_course(client, other_listener, completed):
    response = _as(client, other_listener.user).post(
        reverse("portal:feedback", args=[completed.pk]), {"rating": "1"}
    )
    assert response.status_code == 404
    assert not Feedback.objects.exists()


def test_the_intake_feedback_page_shows_the_average_and_the_comments(
    client, methodologist, organisation, completed
):
    intake = completed.intake
    feedback_give(enrollment=completed, rating=5, comment="Excellent trainer", by=None)
    second = make_enrollment(make_listener(organisation), intake, state=S.COMPLETED)
    feedback_give(enrollment=second, rating=2, comment="Too fast", by=None)
    elsewhere = make_enrollment(
        make_listener(organisation), make_intake(intake.programme), state=S.COMPLETED
    )
    feedback_give(enrollment=elsewhere, rating=5, comment="Other intake", by=None)
    response = _as(client, methodologist).get(
        reverse("listeners:intake_feedback", args=[intake.pk])
    )
    text = response.text
    assert "average 3.5 of 5 from 2 answers" in text
    assert "average 4.0 of 5 from 3 answers (2 intakes)" in text
    assert "Excellent trainer" in text and "Too fast" in text
    assert "Other intake" not in text


def test_the_intake_feedback_page_is_for_the_workspace_only(client, listener, completed):
    url = reverse("listeners:intake_feedback", args=[completed.intake.pk])
    assert _as(client, listener.user).get(url).status_code == 403


# --- appeals -----------------------------------------------------------------------------


@pytest.fixture
def admin_with_email(db):
    return make_user(Role.ADMINISTRATOR, "chief", email="chief@institute.kz")


def test_an_appeal_reaches_the_administrators_by_email(
    client, listener, completed, admin_with_email, administrator, worker_at_once
):
    order = completed.admission_order
    url = reverse("portal:appeal", args=[order.pk])
    with worker_at_once():
        response = _as(client, listener.user).post(url, {"text": "I was admitted late."})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.listener, appeal.order, appeal.status) == (listener, order, AppealStatus.OPEN)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chief@institute.kz"]  # the administrator without e-mail skipped
    assert order.number in mail.outbox[0].subject
    assert "I was admitted late." in mail.outbox[0].body
    home = client.get(reverse("portal:home")).text
    assert "Waiting for an answer" in home and "I was admitted late." in home


def test_an_expulsion_and_a_commission_order_can_be_appealed(client, listener):
    expelled = make_enrollment(listener, make_intake(), state=S.EXPELLED)
    completed = make_enrollment(listener, make_intake(), state=S.COMPLETED)
    commission = make_order(OrderKind.COMMISSION, intake=completed.intake)
    _as(client, listener.user)
    for order in (expelled.expulsion_order, commission):
        response = client.post(reverse("portal:appeal", args=[order.pk]), {"text": "Unfair"})
        assert response.status_code == 302
    assert set(Appeal.objects.values_list("order", flat=True)) == {
        expelled.expulsion_order.pk,
        commission.pk,
    }


def test_an_order_that_does_not_concern_me_answers_404(client, listener, other_listener):
    theirs = make_enrollment(other_listener, make_intake(), state=S.EXPELLED)
    unrelated = make_order(OrderKind.COMMISSION, intake=make_intake())
    _as(client, listener.user)
    for order in (theirs.admission_order, theirs.expulsion_order, unrelated):
        assert client.get(reverse("portal:appeal", args=[order.pk])).status_code == 404
        response = client.post(reverse("portal:appeal", args=[order.pk]), {"text": "x"})
        assert response.status_code == 404
    assert not Appeal.objects.exists()


def test_appeal_lodge_refuses_an_order_of_someone_else(listener, other_listener, english):
    theirs = make_enrollment(other_listener, make_intake(), state=S.ADMITTED)
    with pytest.raises(RuleViolation, match="does not concern you"):
        appeal_lodge(listener=listener, order=theirs.admission_order, text="x", by=listener.user)


def test_the_administrator_answers_and_the_listener_reads_it(
    client, listener, completed, administrator, worker_at_once
):
    listener.email = "gulnaz@example.kz"
    listener.save()
    appeal = appeal_lodge(
        listener=listener, order=completed.admission_order, text="Please check", by=None
    )
    page = _as(client, administrator).get(reverse("listeners:appeals")).text
    assert "Please check" in page and listener.full_name in page
    with worker_at_once():
        response = client.post(
            reverse("listeners:appeal_answer", args=[appeal.pk]), {"answer": "Checked: correct."}
        )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ANSWERED
    assert (appeal.answer, appeal.answered_by) == ("Checked: correct.", administrator)
    assert appeal.answered_at is not None
    assert [m.to for m in mail.outbox] == [["gulnaz@example.kz"]]
    assert "Checked: correct." in mail.outbox[0].body
    client.logout()
    home = _as(client, listener.user).get(reverse("portal:home")).text
    assert "Answered" in home and "Checked: correct." in home


def test_the_answer_is_left_to_the_worker_in_the_listeners_own_language(
    client, settings, listener, completed, administrator, django_capture_on_commit_callbacks
):
    """The administrator's page does not wait for the mail server: the answer is queued, and
    the worker writes it in the language the listener uses the site in."""
    listener.email = "gulnaz@example.kz"
    listener.save()
    listener.user.language = "ru"
    listener.user.save()
    settings.TASKS = DATABASE_TASKS
    appeal = appeal_lodge(listener=listener, order=completed.admission_order, text="x", by=None)
    with django_capture_on_commit_callbacks(execute=True):
        _as(client, administrator).post(
            reverse("listeners:appeal_answer", args=[appeal.pk]), {"answer": "Checked."}
        )
    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path="listeners.feedback.services.appeal_mail")
    assert queued.args_kwargs["args"] == [appeal.pk, "answered"]
    appeal_mail.call(appeal.pk, "answered")
    assert [m.to for m in mail.outbox] == [["gulnaz@example.kz"]]
    with translation.override("ru"):
        assert str(completed.admission_order) in mail.outbox[0].subject
        assert gettext("You can read it on your page:") in mail.outbox[0].body


def test_an_answered_appeal_is_not_answered_twice(client, listener, completed, administrator):
    appeal = appeal_lodge(listener=listener, order=completed.admission_order, text="x", by=None)
    appeal_answer(appeal=appeal, answer="First", by=administrator)
    _as(client, administrator).post(
        reverse("listeners:appeal_answer", args=[appeal.pk]), {"answer": "Second"}
    )
    appeal.refresh_from_db()
    assert appeal.answer == "First"


def test_the_appeals_page_is_for_administrators_only(
    client, listener, methodologist, district_methodologist, completed
):
    appeal = appeal_lodge(listener=listener, order=completed.admission_order, text="x", by=None)
    for user in (methodologist, district_methodologist, listener.user):
        _as(client, user)
        assert client.get(reverse("listeners:appeals")).status_code == 403
        response = client.post(
            reverse("listeners:appeal_answer", args=[appeal.pk]), {"answer": "no"}
        )
        assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.OPEN


def test_my_appeals_are_not_shown_to_another_listener(client, listener, other_listener, completed):
    appeal_lodge(listener=listener, order=completed.admission_order, text="Secret words", by=None)
    assert "Secret words" not in _as(client, other_listener.user).get(reverse("portal:home")).text
