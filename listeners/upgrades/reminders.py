"""Reminders of the five-year rule (§10.1), sent by `manage.py send_upgrade_reminders`.

Each listener whose upgrade falls due within the coming months is told once for that due
date; each organisation gets the list of its people falling due once a month. A reminder is
claimed in the database before its e-mail goes and marked sent after, so a run after a crash
sends exactly what the crashed run did not (only a crash between the mail server's answer
and the next UPDATE, a few milliseconds, can repeat one e-mail).
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from institute.mail import mail_send
from institute.models import Organisation
from institute.rules import add_months, add_years
from listeners.models import Listener, Reminder, ReminderKind, ReminderStatus
from listeners.rules import UPGRADE_PERIOD_YEARS, upgrade_due_date

logger = logging.getLogger(__name__)


@dataclass
class Sent:
    listeners: int = 0
    organisations: int = 0


def falling_due(*, on: datetime.date, months: int) -> QuerySet[Listener]:
    """Listeners whose five years end from `on` to `months` months later (overdue people are
    the methodologists' to chase, not a mailing's)."""
    return Listener.objects.with_upgrade_status(on=on).filter(
        upgrade_basis__gte=add_years(on, -UPGRADE_PERIOD_YEARS),
        upgrade_basis__lte=add_years(add_months(on, months), -UPGRADE_PERIOD_YEARS),
    )


def _claim(**key) -> Reminder | None:
    """The reminder row for `key`, claimed for sending now; None when it was sent already.
    The unique constraints make two runs at once claim a reminder once."""
    try:
        with transaction.atomic():
            reminder, _created = Reminder.objects.get_or_create(**key)
    except IntegrityError:
        return None  # another run claimed it this instant
    return None if reminder.status == ReminderStatus.SENT else reminder


def _mark_sent(reminder: Reminder) -> None:
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.SENT, sent_at=timezone.now()
    )


def reminders_send(*, on: datetime.date, months: int) -> Sent:
    """Send the reminders due on `on` that have not been sent; return how many went."""
    sent = Sent()
    people = (
        falling_due(on=on, months=months)
        .exclude(email="")
        .exclude(
            Exists(
                Reminder.objects.filter(
                    kind=ReminderKind.LISTENER,
                    listener=OuterRef("pk"),
                    basis_on=OuterRef("upgrade_basis"),
                    status=ReminderStatus.SENT,
                )
            )
        )
        .order_by("pk")
    )
    for person in people.iterator(chunk_size=500):
        reminder = _claim(
            kind=ReminderKind.LISTENER, listener=person, basis_on=person.upgrade_basis
        )
        if reminder is None:
            continue
        due = upgrade_due_date(person.last_upgrade, person.employment_start)
        # Nobody chose a language for these letters: Kazakh, then Russian (§8).
        letter = {"person": person, "due": due}
        # A letter the mail server refused stays claimed, not sent: the next run sends it.
        if mail_send("upgrade_reminder", to=[person.email], context=letter, language=None):
            _mark_sent(reminder)
            sent.listeners += 1

    month = on.replace(day=1)
    organisations = (
        Organisation.objects.exclude(email="")
        .filter(pk__in=falling_due(on=on, months=months).values("organisation"))
        .exclude(
            Exists(
                Reminder.objects.filter(
                    kind=ReminderKind.ORGANISATION,
                    organisation=OuterRef("pk"),
                    month=month,
                    status=ReminderStatus.SENT,
                )
            )
        )
        .order_by("pk")
    )
    for organisation in organisations:
        reminder = _claim(kind=ReminderKind.ORGANISATION, organisation=organisation, month=month)
        if reminder is None:
            continue
        staff = falling_due(on=on, months=months).filter(organisation=organisation)
        rows = [
            (person, upgrade_due_date(person.last_upgrade, person.employment_start))
            for person in staff.order_by("last_name", "first_name", "pk")
        ]
        letter = {"organisation": organisation, "rows": rows, "months": months}
        if mail_send(
            "organisation_reminder", to=[organisation.email], context=letter, language=None
        ):
            _mark_sent(reminder)
            sent.organisations += 1
    logger.info(
        "Reminders sent: %s listeners, %s organisations", sent.listeners, sent.organisations
    )
    return sent
