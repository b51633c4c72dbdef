"""Run daily (cron, a systemd timer; `make run` runs it at start): each intake takes the
status its dates give it today, in progress from its first day, finished after its last."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from courses.services import intakes_advance


class Command(BaseCommand):
    help = "Move intakes to in progress on their first day and to finished after their last."

    def handle(self, *args, **options) -> None:
        moved = intakes_advance(today=timezone.localdate())
        self.stdout.write(f"Intakes moved on: {moved}")
