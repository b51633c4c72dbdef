"""The reports' .xlsx exports (accounting for a period, the five-year report, its forecast,
staffing, the period report), each one pure function returning bytes.

Every export runs a fixed number of queries whatever the number of rows and streams its rows
into a write-only workbook, so a list of thousands of people costs neither thousands of
queries nor a workbook held in memory. Headers and labels are rendered in the language asked
for; names of organisations, districts and programmes follow the same language
(institute.models.localized)."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from courses.models import IntakeStatus
from institute.models import User
from institute.xlsx import (
    CHUNK_SIZE,
    DATE,
    IIN_COLUMN,
    NUMBER_COLUMN,
    TEXT,
    Book,
    Column,
    book_bytes,
    cell_day,
    cell_text,
    choice_labels,
    sheet_add,
)
from listeners.enrollment.exports import BY_NAME
from listeners.models import Enrollment, FundingBasis
from listeners.reports.queries import Scope, compliance_rows, people
from listeners.rules import (
    ADMITTED_BY_ORDER_STATES,
    UpgradeStatus,
    upgrade_due_date,
)


def accounting_xlsx(
    *,
    start: datetime.date,
    end: datetime.date,
    language: str,
    progress: Callable[[int, int], None] | None = None,
    viewer: User | None = None,
) -> bytes:
    """For accounting (§20): the admitted listeners of the intakes running on at
    least one day from `start` to `end`, on two sheets: those from another town (owed travel
    and per-diem) and those with interruption from work (who keep their salary). A person
    with both facts is on both sheets. Cancelled intakes are left out: nobody travelled.
    `Days` are the intake's calendar days, first and last included, not only those inside the
    period. Two queries, and two counts more when `progress(done, total)` is to be told how
    far the rows have got (every CHUNK_SIZE rows and at the end)."""
    columns = [
        NUMBER_COLUMN,
        Column(_("Intake"), 14, TEXT),
        Column(_("Programme"), 36, TEXT),
        Column(_("Start date"), 12, DATE),
        Column(_("End date"), 12, DATE),
        Column(_("Days"), 7),
        Column(_("Listener"), 32, TEXT),
        IIN_COLUMN,
        Column(_("Organisation"), 36, TEXT),
        Column(_("District"), 22, TEXT),
        Column(_("Funding basis"), 22, TEXT),
    ]
    running = (
        Enrollment.objects.filter(
            intake__start_date__lte=end,
            intake__end_date__gte=start,
            state__in=ADMITTED_BY_ORDER_STATES,
        )
        .exclude(intake__status=IntakeStatus.CANCELLED)
        .visible_to(viewer)
        .select_related("intake__programme", "listener__organisation__district")
        .order_by("intake__start_date", "intake__code", *BY_NAME)
    )
    sheets = [
        (_("From another town"), _("travel and per-diem owed"), {"from_other_town": True}),
        (
            _("With interruption from work"),
            _("salary kept"),
            {"with_work_interruption": True},
        ),
    ]
    total = sum(running.filter(**facts).count() for *_, facts in sheets) if progress else 0
    done = 0
    with translation.override(language):
        bases = choice_labels(FundingBasis)
        book = Book()
        for name, owed, facts in sheets:
            title = _("%(who)s (%(owed)s, §20): intakes running %(start)s – %(end)s") % {
                "who": name,
                "owed": owed,
                "start": cell_day(start),
                "end": cell_day(end),
            }
            sheet = sheet_add(book, name=str(name), title=str(title), columns=columns)
            rows = running.filter(**facts).iterator(chunk_size=CHUNK_SIZE)
            for number, enrollment in enumerate(rows, 1):
                intake, person = enrollment.intake, enrollment.listener
                organisation = person.organisation
                sheet.append(
                    [
                        number,
                        intake.code,
                        intake.programme.title,
                        intake.start_date,
                        intake.end_date,
                        (intake.end_date - intake.start_date).days + 1,
                        person.full_name,
                        person.iin or person.passport_number,
                        cell_text(organisation),
                        cell_text(organisation.district if organisation else None),
                        bases.get(enrollment.basis, enrollment.basis),
                    ]
                )
                done += 1
                if progress and done % CHUNK_SIZE == 0:
                    progress(done, total)
        if progress:
            progress(done, total)
        return book_bytes(book)


def compliance_xlsx(
    *,
    scope: "Scope",
    on: datetime.date,
    status: str,
    query: str,
    language: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The five-year report (§10.1) of a scope on a day: a sheet of counts one level
    down, then every person with their last counting upgrade, due date and status. Four
    queries whatever the number of people (they are streamed in chunks)."""
    with translation.override(language):
        statuses = choice_labels(UpgradeStatus)
        place = scope.organisation or scope.district or scope.region
        where = str(place) if place else str(_("All regions"))
        book = Book()
        rows, total = compliance_rows(scope, on=on)
        level_header = {
            "region": _("Region"),
            "district": _("District"),
            "organisation": _("Organisation"),
            "person": _("Organisation"),
        }[scope.level]
        counts = sheet_add(
            book,
            name=str(_("Counts")),
            title=str(
                _("Five-year rule (§10.1) on %(day)s: %(where)s")
                % {"day": cell_day(on), "where": where}
            ),
            columns=[Column(level_header, 40, TEXT)]
            + [Column(label, 14) for label in statuses.values()]
            + [Column(_("Total"), 10)],
        )
        for row in [*rows, total]:
            name = row.name or (
                str(_("Total")) if row is total else str(_("Workplace not recorded"))
            )
            counts.append([name, *(count for _status, count in row.cells), row.total])

        listeners = people(scope, on=on, status=status, query=query)
        count = listeners.count() if progress else 0
        sheet = sheet_add(
            book,
            name=str(_("People")),
            title=str(_("People: %(where)s, on %(day)s") % {"where": where, "day": cell_day(on)}),
            columns=[
                NUMBER_COLUMN,
                Column(_("Region"), 24, TEXT),
                Column(_("District"), 24, TEXT),
                Column(_("Organisation"), 36, TEXT),
                Column(_("BIN"), 15, TEXT),
                Column(_("Listener"), 32, TEXT),
                IIN_COLUMN,
                Column(_("Position"), 24, TEXT),
                Column(_("Subject"), 20, TEXT),
                Column(_("In education since"), 12, DATE),
                Column(_("Last counting upgrade"), 12, DATE),
                Column(_("Due by"), 12, DATE),
                Column(_("Status"), 18, TEXT),
            ],
        )
        done = 0
        for done, person in enumerate(listeners.iterator(chunk_size=CHUNK_SIZE), 1):
            organisation = person.organisation
            district = organisation.district if organisation else None
            sheet.append(
                [
                    done,
                    cell_text(district.region if district else None),
                    cell_text(district),
                    cell_text(organisation),
                    organisation.bin if organisation else "",
                    person.full_name,
                    person.iin or person.passport_number,
                    person.position,
                    person.subject,
                    person.employment_start,
                    person.last_upgrade,
                    upgrade_due_date(person.last_upgrade, person.employment_start),
                    statuses[person.upgrade_status],
                ]
            )
            if progress and done % CHUNK_SIZE == 0:
                progress(done, count)
        if progress:
            progress(done, count)
        return book_bytes(book)


def forecast_xlsx(
    *, months: list[datetime.date], rows: list, total, by: str, where: str, language: str
) -> bytes:
    """The forecast table as the page shows it (no query: the rows are computed already)."""
    with translation.override(language):
        book = Book()
        sheet = sheet_add(
            book,
            name=str(_("Forecast")),
            title=str(_("Forecast of upgrades due: %(where)s") % {"where": where}),
            columns=[Column(_("Region") if by == "region" else _("Subject"), 32, TEXT)]
            + [Column(_("Overdue already"), 10)]
            + [Column(f"{month:%m.%Y}", 9) for month in months]
            + [Column(_("Total"), 10)],
        )
        for row in [*rows, total]:
            name = row.name or str(_("Total") if row is total else _("Not recorded"))
            sheet.append([name, row.overdue, *row.months, row.total])
        return book_bytes(book)


def staffing_xlsx(*, year: int, rows: list, language: str) -> bytes:
    """The staffing table of a year (§23), as the page shows it."""
    with translation.override(language):
        book = Book()
        sheet = sheet_add(
            book,
            name=str(_("Staffing")),
            title=str(_("Staffing (§23), %(year)s") % {"year": year}),
            columns=[
                Column(_("Field"), 36, TEXT),
                Column(_("University norm"), 10),
                Column(_("Limit (0.75 × norm)"), 10),
                Column(_("Teachers"), 10),
                Column(_("Seats planned"), 10),
                Column(_("Average yearly contingent"), 12),
                Column(_("per teacher"), 10),
                Column(_("Admitted"), 10),
                Column(_("Average yearly contingent"), 12),
                Column(_("per teacher"), 10),
            ],
        )
        for row in rows:
            sheet.append(
                [
                    str(row.field),
                    row.field.university_norm,
                    row.limit,
                    row.teachers,
                    row.seats,
                    row.planned_contingent.quantize(Decimal("0.01")),
                    row.planned_ratio,
                    row.admitted,
                    row.admitted_contingent.quantize(Decimal("0.01")),
                    row.admitted_ratio,
                ]
            )
        return book_bytes(book)


RATINGS_TITLE = _("Listeners' ratings (1–5)")


def period_xlsx(
    *, start: datetime.date, end: datetime.date, report: dict[str, Any], language: str
) -> bytes:
    """Every table of the period report on its own sheet (no query: the report is computed
    already)."""
    with translation.override(language):
        period = f"{cell_day(start)} – {cell_day(end)}"
        book = Book()
        outcome_columns = [
            Column(_("Admitted"), 11),
            Column(_("Completed"), 11),
            Column(_("Failed"), 11),
            Column(_("Expelled"), 11),
            Column(_("Withdrawn"), 11),
        ]
        for title, rows in report["outcomes"]:
            sheet = sheet_add(
                book,
                name=str(title),
                title=f"{title}, {period}",
                columns=[Column("", 36, TEXT), *outcome_columns],
            )
            for row in rows:
                sheet.append([row.label, *row.values.values()])
        sheet = sheet_add(
            book,
            name=str(_("Expelled")),
            title=f"{_('Expelled, by ground (§22)')}, {period}",
            columns=[Column(_("Ground"), 40, TEXT), Column(_("People"), 10)],
        )
        for row in report["expulsions"]:
            sheet.append([row.label, row.values["people"]])
        sheet = sheet_add(
            book,
            name=str(_("Intakes")),
            title=f"{_('Intakes and their fill')}, {period}",
            columns=[
                Column(_("Intake"), 14, TEXT),
                Column(_("Programme"), 36, TEXT),
                Column(_("Start date"), 12, DATE),
                Column(_("Seats"), 8),
                Column(_("Admitted"), 10),
                Column(_("State-order seats"), 10),
                Column(_("used"), 8),
                Column(_("Fill, %"), 8),
            ],
        )
        for intake in report["fill"]:
            sheet.append(
                [
                    intake.code,
                    intake.programme.title,
                    intake.start_date,
                    intake.capacity,
                    intake.admitted,
                    intake.state_order_seats,
                    intake.state_used,
                    intake.fill,
                ]
            )
        sheet = sheet_add(
            book,
            name=str(_("Documents")),
            title=f"{_('Documents issued')}, {period}",
            columns=[
                Column(_("Document"), 30, TEXT),
                Column(_("Issued"), 10),
                Column(_("of them revoked"), 10),
                Column(_("duplicates"), 10),
            ],
        )
        for row in report["documents"]:
            sheet.append([row.label, *row.values.values()])
        sheet = sheet_add(
            book,
            name=str(_("Ratings")),
            title=f"{RATINGS_TITLE}, {period}",
            columns=[
                Column(_("Programme"), 40, TEXT),
                Column(_("Average"), 10),
                Column(_("Answers"), 10),
            ],
        )
        for row in report["ratings"]:
            sheet.append([row.label, row.values["average"], row.values["answers"]])
        return book_bytes(book)
