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
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import Count

from institute.demo import DEFAULT_LISTENERS, REFERENCE_DATE
from institute.demo.load import demo_is_loaded
from listeners.imports.services import rows_apply, rows_check, rows_read
from listeners.models import Enrollment, Listener


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@dataclass
class Timing:
    result: object
    wall: float  # ms
    cpu: float  # ms of this process's CPU time


def _timed(action: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return Timing(result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)


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
        self._bench_certificates(documents=300, repeat=max(repeat, 15))

    def _bench_import(self, *, rows: int) -> None:
        """Read, check and import a list of `rows` new applicants into an open intake, then
        roll everything back (the database is left as it was)."""
        import io

        from openpyxl import Workbook

        from courses.models import Intake, IntakeStatus
        from institute.models import Organisation, User
        from institute.rules import kz_check_digit
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

    def _bench_certificates(self, *, documents: int, repeat: int) -> None:
        """Issue `documents` documents to a new intake of completed enrollments end to end
        (number, snapshot, PDF, file, audit), then time one document's PDF and the print of
        all of them on one PDF. Rolled back; the PDFs go to a temporary folder."""
        import tempfile

        from django.test import override_settings

        from certificates.documents import render_document_pdf, render_documents_print_pdf
        from certificates.issuing.services import documents_issue_missing
        from certificates.models import Document
        from courses.models import Intake, Programme
        from courses.rules import ProgrammeKind
        from institute.models import Institute, User
        from listeners.models import Order
        from listeners.rules import EnrollmentState, OrderKind

        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            with transaction.atomic():
                if Institute.current() is None:
                    Institute.objects.create(
                        name_kk="Бенчмарк институты",
                        name_ru="Институт бенчмарка",
                        bin="940140000385",
                        head_name="Қ. Жұмабеков",
                        head_title_kk="Директор",
                        head_title_ru="Директор",
                        city_kk="Павлодар қ.",
                        city_ru="г. Павлодар",
                    )
                programme = Programme.objects.create(
                    code="BENCH-DOCS",
                    kind=ProgrammeKind.UPGRADE,
                    hours=72,
                    title_kk="Бастауыш сыныптарда жаңартылған білім беру мазмұны",
                    title_ru="Обновлённое содержание образования в начальных классах",
                )
                start = REFERENCE_DATE - datetime.timedelta(days=20)
                end = REFERENCE_DATE - datetime.timedelta(days=9)
                intake = Intake.objects.create(
                    programme=programme,
                    code="BENCH-DOCS-1",
                    start_date=start,
                    end_date=end,
                    capacity=documents,
                    state_order_seats=documents,
                )
                order = Order.objects.create(
                    kind=OrderKind.ADMISSION,
                    number="BENCH-1",
                    date=start,
                    intake=intake,
                    head_name="Қ. Жұмабеков",
                )
                Enrollment.objects.bulk_create(
                    Enrollment(
                        listener=listener,
                        intake=intake,
                        state=EnrollmentState.COMPLETED,
                        admission_order=order,
                        completed_on=end,
                    )
                    for listener in Listener.objects.order_by("pk")[:documents]
                )
                by = User.objects.order_by("pk").first()
                bulk = _timed(lambda: documents_issue_missing(intake=intake, by=by))
                issued = bulk.result
                batch = list(Document.objects.filter(enrollment__intake=intake).order_by("serial"))
                singles = [_timed(lambda: render_document_pdf(batch[0])) for _ in range(repeat)]
                printing = _timed(lambda: render_documents_print_pdf(batch))
                transaction.set_rollback(True)
        # Wall time, and the process's CPU time: the two differ when other work shares the CPUs.
        self.stdout.write(f"documents ({issued} issued to one intake; rolled back), wall (CPU):")
        wall = statistics.median(t.wall for t in singles)
        cpu = statistics.median(t.cpu for t in singles)
        self.stdout.write(
            f"  {f'one document PDF, median of {repeat}':<48} {wall:9.1f} ms ({cpu:.1f} ms)"
        )
        pages = max(len(batch), 1)
        self.stdout.write(
            f"  {f'print of {len(batch)} documents on one PDF':<48} {printing.wall:9.1f} ms"
            f" ({printing.cpu:.1f} ms); per page {printing.wall / pages:.1f} ms"
            f" ({printing.cpu / pages:.1f} ms)"
        )
        self.stdout.write(
            f"  {f'bulk issue of {issued}, end to end':<48} {bulk.wall:9.1f} ms"
            f" ({bulk.cpu:.1f} ms); per document {bulk.wall / max(issued, 1):.1f} ms"
            f" ({bulk.cpu / max(issued, 1):.1f} ms)"
        )
