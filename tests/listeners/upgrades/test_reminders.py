"""`manage.py send_upgrade_reminders` (§10.1): each listener falling due is told once
per due date, each organisation gets its list once a month, and a run after a crash sends
what the crashed run did not, and nothing twice."""

import datetime

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from listeners.models import Reminder, ReminderKind, ReminderStatus
from listeners.upgrades.reminders import reminders_send
from tests.conftest import make_listener

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 11, 25)


def person(organisation, name, last_upgrade, email=True):
    listener = make_listener(
        organisation, last_name=name, email=f"{name.lower()}@mektep.kz" if email else ""
    )
    type(listener).objects.filter(pk=listener.pk).update(last_upgrade_on=last_upgrade)
    return listener


@pytest.fixture
def due(organisation):
    """Two people falling due within 3 months, one in 5 months, one overdue, one without an
    e-mail; the organisation has a contact address."""
    organisation.email = "office@mektep.kz"
    organisation.save()
    return {
        "soon": person(organisation, "Aliyeva", datetime.date(2021, 12, 20)),
        "soon_2": person(organisation, "Bekova", datetime.date(2022, 2, 1)),
        "later": person(organisation, "Dauletova", datetime.date(2022, 4, 30)),
        "overdue": person(organisation, "Yerzhanova", datetime.date(2021, 1, 5)),
        "silent": person(organisation, "Zhanova", datetime.date(2022, 1, 10), email=False),
    }


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_each_listener_falling_due_and_their_organisation_are_told_once(due, organisation):
    sent = reminders_send(on=ON, months=3)
    assert (sent.listeners, sent.organisations) == (2, 1)
    assert recipients() == ["aliyeva@mektep.kz", "bekova@mektep.kz", "office@mektep.kz"]
    to_aliyeva = next(m for m in mail.outbox if m.to == ["aliyeva@mektep.kz"])
    assert "20.12.2026" in to_aliyeva.body  # the due date, in both languages
    office = next(m for m in mail.outbox if m.to == ["office@mektep.kz"])
    # Zhanova has no e-mail of her own, but her school is told about her.
    assert "Zhanova" in office.body and "Aliyeva" in office.body
    assert "Dauletova" not in office.body and "Yerzhanova" not in office.body

    mail.outbox.clear()
    again = reminders_send(on=ON, months=3)
    assert (again.listeners, again.organisations) == (0, 0)
    assert mail.outbox == []
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 3


def test_the_next_month_brings_the_organisation_a_new_list_and_nobody_a_second_reminder(due):
    reminders_send(on=ON, months=3)
    mail.outbox.clear()
    sent = reminders_send(on=ON + datetime.timedelta(days=10), months=3)
    assert (sent.listeners, sent.organisations) == (0, 1)
    assert recipients() == ["office@mektep.kz"]


def test_a_new_upgrade_makes_a_new_due_date_and_a_new_reminder(due):
    reminders_send(on=ON, months=3)
    soon = due["soon"]
    # Completed an upgrade elsewhere in 2021 that we learn about now: a different due date.
    type(soon).objects.filter(pk=soon.pk).update(last_upgrade_on=datetime.date(2022, 1, 20))
    mail.outbox.clear()
    sent = reminders_send(on=ON + datetime.timedelta(days=1), months=3)
    assert sent.listeners == 1 and recipients()[0] == "aliyeva@mektep.kz"


def test_a_letter_the_mail_server_refuses_is_sent_by_the_next_run_without_repeats(due, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send
    calls = {"n": 0}

    def flaky(message, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("mail server went away")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    sent = reminders_send(on=ON, months=3)
    # The refused letter does not stop the others, and is not counted as sent.
    assert (sent.listeners, sent.organisations) == (1, 1)
    assert recipients() == ["aliyeva@mektep.kz", "office@mektep.kz"]
    # The reminder that failed stays claimed but not sent: the next run sends it.
    assert Reminder.objects.filter(status=ReminderStatus.SENDING).count() == 1

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    sent = reminders_send(on=ON, months=3)
    assert (sent.listeners, sent.organisations) == (1, 0)
    assert recipients() == ["aliyeva@mektep.kz", "bekova@mektep.kz", "office@mektep.kz"]
    assert Reminder.objects.filter(kind=ReminderKind.LISTENER).count() == 2
    assert not Reminder.objects.filter(status=ReminderStatus.SENDING).exists()


def test_the_command_runs_twice_and_sends_each_reminder_once(due, capsys):
    call_command("send_upgrade_reminders", "--on", ON.isoformat(), "--months", "3")
    call_command("send_upgrade_reminders", "--on", ON.isoformat(), "--months", "3")
    assert len(mail.outbox) == 3
    out = capsys.readouterr().out
    assert "Sent 2 reminders to listeners and 1 lists" in out
    assert "Sent 0 reminders to listeners and 0 lists" in out


def test_the_command_refuses_bad_arguments(db):
    with pytest.raises(CommandError):
        call_command("send_upgrade_reminders", "--months", "0")
    with pytest.raises(CommandError):
        call_command("send_upgrade_reminders", "--on", "25.11.2026")
