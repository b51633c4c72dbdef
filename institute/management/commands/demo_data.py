"""`manage.py demo_data`: load the demo institute, idempotently and deterministically."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from institute.contrib import demo_collides, demo_counts, demo_ensure, demo_load
from institute.demo import DEFAULT_LISTENERS, DEMO_PASSWORD, REFERENCE_DATE
from institute.demo.load import ACCOUNTS, demo_is_loaded

MINIMUM_LISTENERS = 50


class Command(BaseCommand):
    help = (
        "Load demo data: a Pavlodar-region institute with its regions, districts, "
        "organisations, programmes, two years of intakes (around "
        f"{REFERENCE_DATE:%d.%m.%Y}), listeners and enrollments, and one account per role "
        f"(password {DEMO_PASSWORD}). Running it again changes nothing; "
        "`manage.py flush` empties the database for a fresh load."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--listeners",
            type=int,
            default=DEFAULT_LISTENERS,
            help=f"How many listeners (default {DEFAULT_LISTENERS}); enrollments are about "
            "2.4 per listener up to 5,000 and about 10 per listener beyond (a load-test "
            "data set: 100,000 listeners bring about 1,000,000 enrollments); intakes grow "
            "in proportion.",
        )
        parser.add_argument(
            "--accounts",
            action="store_true",
            help="Only print the demo accounts and their password; load nothing.",
        )

    def handle(self, *args, listeners: int, accounts: bool, verbosity: int, **options) -> None:
        if accounts:
            self._print_accounts()
            return
        if listeners < MINIMUM_LISTENERS:
            raise CommandError(f"--listeners must be at least {MINIMUM_LISTENERS}.")
        if demo_is_loaded():
            demo_ensure()
            self.stdout.write(
                "demo data already loaded (demo accounts checked); "
                "`manage.py flush` empties the database for a fresh load."
            )
            return
        if demo_collides():
            raise CommandError(
                "The database already holds an institute, organisations, programmes, intakes "
                "or listeners that are not the demo's: demo data is loaded only into an empty "
                "database (`manage.py flush` empties it)."
            )
        started = time.monotonic()

        def progress(message: str) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {time.monotonic() - started:7.1f} s  {message}")

        demo_load(listeners=listeners, progress=progress)
        if verbosity < 1:
            return
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s:")
        )
        for label, count in demo_counts():
            self.stdout.write(f"  {label:<24} {count:>9}")
        self.stdout.write("`manage.py demo_data --accounts` lists the demo accounts.")

    def _print_accounts(self) -> None:
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, *_rest in ACCOUNTS:
            self.stdout.write(f"  {username:<16} {role}")
