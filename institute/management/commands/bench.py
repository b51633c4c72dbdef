"""`manage.py bench`: time what must be fast, on the demo data.

Loads the demo data when the database is empty (timing the load), then runs every app's
registered timings (`<app>/bench.py`, found by institute.contrib), in INSTALLED_APPS order.
Timings are printed, never asserted: `make bench` runs this against a throwaway database,
and the numbers go to the README.
"""

import os
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from institute.contrib import Bench, benches, demo_counts
from institute.demo import DEFAULT_LISTENERS
from institute.demo.load import demo_is_loaded


class Command(BaseCommand):
    help = (
        "Time the demo data load, then every app's timings (the five-year rule's queries, "
        "a list import, the report pages and exports, documents) on this database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listeners", type=int, default=DEFAULT_LISTENERS)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="NAME",
            help="Run only the timings of this name (repeatable); "
            f"names: {', '.join(name for name, _run in benches())}.",
        )

    def handle(self, *args, listeners: int, repeat: int, only: list[str], **options) -> None:
        chosen = benches()
        unknown = set(only) - {name for name, _run in chosen}
        if unknown:
            raise CommandError(f"No timings named {', '.join(sorted(unknown))}.")
        self.stdout.write(f"database: {connection.vendor}; CPUs: {os.cpu_count()}")
        if not demo_is_loaded():
            started = time.perf_counter()
            call_command("demo_data", listeners=listeners, verbosity=0)
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"demo_data --listeners {listeners}: {seconds:.1f} s ({self._size()})"
            )
        else:
            self.stdout.write(f"demo data already loaded ({self._size()}): load not timed")
        run = Bench(repeat=repeat, write=self.stdout.write)
        for name, timing in chosen:
            if not only or name in only:
                timing(run)

    def _size(self) -> str:
        counts = dict(demo_counts())
        return f"{counts['listeners']} listeners, {counts['enrollments']} enrollments"
