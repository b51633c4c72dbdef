"""`manage.py bench`: time what the foundation must do fast, on the demo data.

Loads the demo data when the database is empty (timing the load), then times the queries
every report stands on. Timings are printed, never asserted: `make bench` runs this against a
throwaway database, and the numbers go to the README.
"""

import datetime
import os
import statistics
import time
from collections.abc import Callable

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import Count

from institute.demo import DEFAULT_LISTENERS, REFERENCE_DATE
from institute.demo.load import demo_is_loaded
from listeners.models import Enrollment, Listener


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Command(BaseCommand):
    help = "Time the demo data load and the five-year-rule queries on this database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listeners", type=int, default=DEFAULT_LISTENERS)
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, listeners: int, repeat: int, **options) -> None:
        vendor = connection.vendor
        self.stdout.write(f"database: {vendor}; CPUs: {os.cpu_count()}")
        if not demo_is_loaded():
            started = time.perf_counter()
            call_command("demo_data", listeners=listeners, verbosity=0)
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"demo_data --listeners {listeners}: {seconds:.1f} s "
                f"({Listener.objects.count()} listeners, {Enrollment.objects.count()} "
                "enrollments)"
            )
        else:
            self.stdout.write(
                f"demo data already loaded ({Listener.objects.count()} listeners, "
                f"{Enrollment.objects.count()} enrollments): load not timed"
            )
        on = REFERENCE_DATE
        annotated = Listener.objects.with_upgrade_status(on=on)
        cases = [
            (
                "five-year status, counts over all listeners",
                lambda: list(annotated.order_by().values("upgrade_status").annotate(n=Count("pk"))),
            ),
            (
                "five-year status, one page of 50 listeners",
                lambda: list(annotated.order_by("last_name", "first_name", "pk")[:50]),
            ),
            (
                "five-year status, one listener by IIN",
                lambda: list(annotated.filter(iin=Listener.objects.values("iin")[:1])),
            ),
            (
                "five-year status on another day (2028-02-29)",
                lambda: list(
                    Listener.objects.with_upgrade_status(on=datetime.date(2028, 2, 29))
                    .order_by()
                    .values("upgrade_status")
                    .annotate(n=Count("pk"))
                ),
            ),
        ]
        self.stdout.write(f"median of {repeat} runs:")
        for label, action in cases:
            self.stdout.write(f"  {label:<48} {_median_ms(action, repeat):9.1f} ms")
        self._bench_import(rows=5000)

    def _bench_import(self, *, rows: int) -> None:
        """Read, check and import a list of `rows` new applicants into an open intake, then
        roll everything back (the database is left as it was)."""
        import io

        from openpyxl import Workbook

        from courses.models import Intake, IntakeStatus
        from institute.models import Organisation, User
        from institute.rules import kz_check_digit
        from listeners.imports import rows_apply, rows_check, rows_read
        from listeners.models import ImportJob

        intake = Intake.objects.filter(status=IntakeStatus.OPEN).first()
        bins = list(Organisation.objects.values_list("bin", flat=True)[:50])
        taken = set(Listener.objects.values_list("iin", flat=True))
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(["ЖСН", "Тегі", "Аты", "Ұйымның БСН"])
        written = 0
        for serial in range(1, 10_000):  # men born on 1 January 1999: enough valid IINs
            head = f"9901013{serial:04d}"
            digit = kz_check_digit(head)
            if digit is None or f"{head}{digit}" in taken:
                continue
            sheet.append([f"{head}{digit}", "Тестов", "Тест", bins[written % len(bins)]])
            written += 1
            if written == rows:
                break
        data = io.BytesIO()
        book.save(data)
        timings = {}
        with transaction.atomic():
            started = time.perf_counter()
            parsed = rows_read(data.getvalue(), "bench.xlsx")
            timings["read .xlsx"] = time.perf_counter() - started
            started = time.perf_counter()
            checked = rows_check(intake=intake, rows=parsed)
            timings["check"] = time.perf_counter() - started
            bad = sum(1 for r in checked if r.errors)
            job = ImportJob(
                intake=intake,
                filename="bench.xlsx",
                created_by=User.objects.order_by("pk").first(),
                rows=[r.as_dict() for r in checked],
            )
            started = time.perf_counter()
            imported = rows_apply(job=job, by=None) if not bad else 0
            timings["import (all or nothing)"] = time.perf_counter() - started
            transaction.set_rollback(True)
        self.stdout.write(
            f"import of a {rows}-row .xlsx into {intake.code} ({imported} imported, "
            f"{bad} bad rows; rolled back):"
        )
        for label, seconds in timings.items():
            self.stdout.write(f"  {label:<48} {seconds * 1000:9.1f} ms")
