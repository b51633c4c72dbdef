"""The one mailer: letters by name, in the reader's language, from the worker only."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from institute.mail import mail_later, mail_render, mail_send
from institute.models import Role
from tests.conftest import DATABASE_TASKS, make_user

PASSWORD = "pass-12345-word"  # the personas' password (tests/conftest.py make_user)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CODE = [
    path
    for app in ("institute", "courses", "listeners", "certificates")
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
]


def test_every_letter_the_code_sends_has_its_subject_and_text():
    sent = set()
    for path in CODE:
        sent |= set(re.findall(r"mail_(?:send|later)\(\s*\"(\w+)\"", path.read_text()))
    assert {"invitation", "application", "appeal_lodged", "appeal_answered"} <= sent
    assert {"upgrade_reminder", "organisation_reminder", "password_reset"} <= sent
    for name in sent:
        assert (ROOT / "templates/email" / f"{name}.txt").is_file(), name
        assert (ROOT / "templates/email" / f"{name}_subject.txt").is_file(), name


def test_no_code_but_the_mailer_sends_mail():
    senders = [
        path.relative_to(ROOT).as_posix()
        for path in CODE
        if re.search(
            r"(?<!def )\bsend_mail\(|EmailMessage\(|EmailMultiAlternatives\(", path.read_text()
        )
    ]
    assert senders == ["institute/mail.py"]


def test_a_letter_is_written_in_the_language_asked_for():
    context = {"protocol": "https", "domain": "example.kz", "uid": "MQ", "token": "t-1"}
    kk_subject, kk_text, _html = mail_render("password_reset", context, "kk")
    ru_subject, ru_text, _html = mail_render("password_reset", context, "ru")
    assert kk_subject != ru_subject
    assert "https://example.kz/accounts/reset/MQ/t-1/" in kk_text
    assert "https://example.kz/accounts/reset/MQ/t-1/" in ru_text


def test_a_reader_of_unknown_language_gets_kazakh_then_russian():
    context = {"protocol": "https", "domain": "example.kz", "uid": "MQ", "token": "t-1"}
    kk_subject, kk_text, _html = mail_render("password_reset", context, "kk")
    ru_subject, ru_text, _html = mail_render("password_reset", context, "ru")
    subject, text, _html = mail_render("password_reset", context, None)
    assert subject == f"{kk_subject} / {ru_subject}"
    assert text.index(kk_text.strip()) < text.index(ru_text.strip())


def test_a_refused_letter_is_logged_and_reported_not_sent(monkeypatch, caplog):
    from django.core.mail import EmailMultiAlternatives

    def refuse(message, *args, **kwargs):
        raise ConnectionError("mail server went away")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    context = {"protocol": "https", "domain": "example.kz", "uid": "MQ", "token": "t"}
    assert not mail_send("password_reset", to=["a@example.kz"], context=context, language="kk")
    assert "password_reset could not be sent" in caplog.text
    assert not mail_send("password_reset", to=[""], context=context, language="kk")


def test_a_letter_for_later_goes_only_if_the_change_is_committed(
    worker_at_once, django_capture_on_commit_callbacks
):
    context = {"protocol": "https", "domain": "example.kz", "uid": "MQ", "token": "t"}
    with worker_at_once():
        try:
            with transaction.atomic():
                mail_later("password_reset", to=["a@example.kz"], context=context, language="ru")
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert mail.outbox == []
    with worker_at_once():
        mail_later("password_reset", to=["a@example.kz"], context=context, language="ru")
    assert [message.to for message in mail.outbox] == [["a@example.kz"]]


def test_a_request_only_queues_the_letter_for_the_worker(
    client, settings, listener, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS
    listener.user.email = "gulnaz@example.kz"
    listener.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "gulnaz@example.kz"})
    assert mail.outbox == []  # nobody waited for the mail server
    assert DBTaskResult.objects.filter(task_path="institute.mail.mail_task").exists()


def test_the_language_a_person_signs_in_with_is_kept_for_their_letters(client):
    user = make_user(Role.METHODOLOGIST, "aigul")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    client.post(reverse("login"), {"username": "aigul", "password": PASSWORD})
    user.refresh_from_db()
    assert user.language == "ru"
    client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    user.refresh_from_db()
    assert user.language == "kk"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "kk"
