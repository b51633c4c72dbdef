"""Run daily: e-mail the five-year reminders (§10.1) that are due and not yet sent.

    python manage.py send_upgrade_reminders [--months 3] [--on 2026-11-25]

Safe to run again, also after a crash: a reminder already sent is never sent again.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from listeners.upgrades.reminders import reminders_send


class Command(BaseCommand):
    help = "E-mail listeners whose five-yearly upgrade falls due soon, and their organisations."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--months",
            type=int,
            default=settings.UPGRADE_REMINDER_MONTHS,
            help="Remind those falling due within this many months (default: %(default)s).",
        )
        parser.add_argument("--on", help="The day to run as (YYYY-MM-DD); today by default.")

    def handle(self, *args, months: int, on: str | None, **options) -> None:
        if not 1 <= months <= 24:
            raise CommandError("--months must be from 1 to 24.")
        try:
            day = datetime.date.fromisoformat(on) if on else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--on: {error}") from error
        sent = reminders_send(on=day, months=months)
        self.stdout.write(
            f"Sent {sent.listeners} reminders to listeners and "
            f"{sent.organisations} lists to organisations."
        )
