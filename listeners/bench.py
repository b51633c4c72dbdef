"""The listeners' timings for `manage.py bench` (found by institute.contrib): the five-year
rule's queries, a large list import, every report page, the public catalogue and the full
five-year export, on the demo data `manage.py bench` has loaded.

Timings are printed, never asserted; the numbers go to the README. Pages are timed whole,
through the test client as a methodologist (or a visitor, for the catalogue) would open
them: middleware, queries, template. Whatever a timing adds to the database is rolled back.
"""

import datetime
import io
import time

from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from courses.models import Intake, IntakeStatus
from institute.contrib import Bench, bench
from institute.demo import REFERENCE_DATE
from institute.models import District, Organisation, Role, User
from institute.rules import kz_check_digit
from listeners.imports.services import rows_apply, rows_check, rows_read
from listeners.models import ImportJob, Listener
from listeners.reports.exports import compliance_xlsx
from listeners.reports.queries import STATUSES, Scope, compliance_rows
from listeners.rules import status_thresholds


@bench("five-year status")
def five_year_status(run: Bench) -> None:
    annotated = Listener.objects.with_upgrade_status(on=REFERENCE_DATE)
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
    run.write(f"median of {run.repeat} runs:")
    for label, action in cases:
        run.write(f"  {label:<48} {run.median_ms(action):9.1f} ms")


@bench("import")
def list_import(run: Bench, *, rows: int = 5000) -> None:
    """Read, check and import a list of `rows` new applicants into an open intake, then
    roll everything back (the database is left as it was)."""
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
    run.write(
        f"import of a {rows}-row .xlsx into {intake.code} ({imported} imported, "
        f"{bad} bad rows; rolled back):"
    )
    for label, seconds in timings.items():
        run.write(f"  {label:<48} {seconds * 1000:9.1f} ms")


def _sql_counts(on) -> dict[str, int]:
    """The five-year statuses counted by hand in SQL, independently of the ORM annotations."""
    overdue_up_to, due_soon_up_to = status_thresholds(on)
    sql = f"""
        SELECT CASE
                 WHEN COALESCE(last_upgrade_on, employment_start) IS NULL THEN 'no_record'
                 WHEN COALESCE(last_upgrade_on, employment_start) <= %s THEN 'overdue'
                 WHEN COALESCE(last_upgrade_on, employment_start) <= %s THEN 'due_soon'
                 ELSE 'compliant'
               END AS status,
               COUNT(*)
          FROM {Listener._meta.db_table}
      GROUP BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [overdue_up_to, due_soon_up_to])
        return dict(cursor.fetchall())


@bench("reports")
def report_pages(run: Bench) -> None:
    on = REFERENCE_DATE
    people = Listener.objects.count()
    run.write(f"reports on {connection.vendor}, {people} listeners, day {on}")

    rows, total = compliance_rows(Scope(), on=on)
    by_sql = _sql_counts(on)
    by_report = {status: total.counts[status] for status in STATUSES}
    by_sql = {status: by_sql.get(status, 0) for status in STATUSES}
    agree = by_report == by_sql and sum(row.total for row in rows) == people
    run.write(
        f"  cross-check against SQL written by hand: {'agree' if agree else 'DIFFER'} {by_report}"
    )

    user, _created = User.objects.get_or_create(
        username="bench-methodologist", defaults={"role": Role.METHODOLOGIST}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    district = District.objects.filter(organisations__listeners__isnull=False).first()
    organisation = Organisation.objects.filter(listeners__isnull=False).first()
    day = on.isoformat()
    year_start = on.replace(month=1, day=1).isoformat()
    pages = [
        ("compliance, all regions", reverse("listeners:compliance"), {"on": day}),
        (
            "compliance, one region",
            reverse("listeners:compliance"),
            {"on": day, "region": district.region_id},
        ),
        (
            "compliance, one district",
            reverse("listeners:compliance"),
            {"on": day, "district": district.pk},
        ),
        (
            "compliance, one school and its people",
            reverse("listeners:compliance"),
            {"on": day, "organisation": organisation.pk},
        ),
        (
            "compliance, everyone overdue (page 1)",
            reverse("listeners:compliance"),
            {"on": day, "status": "overdue"},
        ),
        ("compliance, search by name", reverse("listeners:compliance"), {"q": "ова"}),
        ("forecast by region", reverse("listeners:forecast"), {"by": "region"}),
        ("forecast by subject", reverse("listeners:forecast"), {"by": "subject"}),
        ("staffing (§23)", reverse("listeners:staffing"), {}),
        (
            "report for a period (a year)",
            reverse("listeners:period_report"),
            {"start": year_start, "end": day},
        ),
    ]
    run.write(f"  page, median of {run.repeat} runs:")
    for label, url, params in pages:
        response = client.get(url, params)
        if response.status_code != 200:
            run.write(f"    {label}: HTTP {response.status_code}")
            continue
        run.write(
            f"    {label:<44} {run.median_ms(lambda u=url, p=params: client.get(u, p)):8.1f} ms"
        )

    _catalogue(run)

    started = time.perf_counter()
    data = compliance_xlsx(scope=Scope(), on=on, status="", query="", language="kk")
    seconds = time.perf_counter() - started
    run.write(
        f"  five-year .xlsx of all {people} people: {seconds:.1f} s, {len(data) / 1e6:.1f} MB"
    )
    user.delete()


def _catalogue(run: Bench) -> None:
    """The public catalogue with at least 1,000 intakes open for applications: those
    missing are opened (copies of an existing intake) and rolled back afterwards."""
    anonymous = Client(HTTP_HOST="127.0.0.1")
    url = reverse("public:catalogue")
    with transaction.atomic():
        template = Intake.objects.first()
        missing = 1000 - Intake.objects.open_for_applications().count()
        if missing > 0:
            Intake.objects.bulk_create(
                Intake(
                    programme_id=template.programme_id,
                    code=f"BENCH-{n}",
                    start_date=template.start_date,
                    end_date=template.end_date,
                    language=template.language,
                    place=template.place,
                    capacity=template.capacity,
                    state_order_seats=template.state_order_seats,
                    contract_seats=template.contract_seats,
                    status=IntakeStatus.OPEN,
                )
                for n in range(missing)
            )
        opened = Intake.objects.open_for_applications().count()
        for label, params in [
            ("catalogue, first page", {}),
            ("catalogue, kind and language chosen", {"kind": "upgrade", "language": "kk"}),
        ]:
            anonymous.get(url, params)
            timing = run.median_ms(lambda p=params: anonymous.get(url, p))
            described = f"{label} ({opened} open intakes)"
            run.write(f"    {described:<56} {timing:8.1f} ms")
        transaction.set_rollback(True)
