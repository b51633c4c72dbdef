"""`manage.py bench_reports`: time every report page and the full five-year export on the
data already loaded (`make bench` runs it after `manage.py bench` has loaded the demo data),
and cross-check the report's counts against a count written directly in SQL.

Timings are printed, never asserted; the numbers go to the README. Pages are timed whole,
through the test client as a methodologist would open them (middleware, queries, template).
"""

import statistics
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from institute.demo import REFERENCE_DATE
from institute.models import District, Organisation, Role, User
from listeners.models import Listener
from listeners.reports.exports import compliance_xlsx
from listeners.reports.queries import STATUSES, Scope, compliance_rows
from listeners.rules import status_thresholds


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


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


class Command(BaseCommand):
    help = "Time the report pages and the full five-year export on the loaded data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, repeat: int, **options) -> None:
        on = REFERENCE_DATE
        people = Listener.objects.count()
        self.stdout.write(f"reports on {connection.vendor}, {people} listeners, day {on}")

        rows, total = compliance_rows(Scope(), on=on)
        by_sql = _sql_counts(on)
        by_report = {status: total.counts[status] for status in STATUSES}
        by_sql = {status: by_sql.get(status, 0) for status in STATUSES}
        agree = by_report == by_sql and sum(row.total for row in rows) == people
        self.stdout.write(
            f"  cross-check against SQL written by hand: {'agree' if agree else 'DIFFER'} "
            f"{by_report}"
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
        self.stdout.write(f"  page, median of {repeat} runs:")
        for label, url, params in pages:
            response = client.get(url, params)
            if response.status_code != 200:
                self.stdout.write(f"    {label}: HTTP {response.status_code}")
                continue
            self.stdout.write(
                f"    {label:<44} {_median_ms(lambda u=url, p=params: client.get(u, p), repeat):8.1f} ms"
            )

        self._bench_catalogue(repeat)

        started = time.perf_counter()
        data = compliance_xlsx(scope=Scope(), on=on, status="", query="", language="kk")
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"  five-year .xlsx of all {people} people: {seconds:.1f} s, {len(data) / 1e6:.1f} MB"
        )
        user.delete()

    def _bench_catalogue(self, repeat: int) -> None:
        """The public catalogue with at least 1,000 intakes open for applications: those
        missing are opened (copies of an existing intake) and rolled back afterwards."""
        from courses.models import Intake, IntakeStatus

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
                timing = _median_ms(lambda p=params: anonymous.get(url, p), repeat)
                described = f"{label} ({opened} open intakes)"
                self.stdout.write(f"    {described:<56} {timing:8.1f} ms")
            transaction.set_rollback(True)
