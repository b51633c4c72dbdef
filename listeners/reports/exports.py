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
from institute import xlsx
from institute.models import User
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
    far the rows have got (every xlsx.CHUNK_SIZE rows and at the end)."""
    columns = [
        xlsx.NUMBER_COLUMN,
        xlsx.Column(_("Intake"), 14, xlsx.TEXT),
        xlsx.Column(_("Programme"), 36, xlsx.TEXT),
        xlsx.Column(_("Start date"), 12, xlsx.DATE),
        xlsx.Column(_("End date"), 12, xlsx.DATE),
        xlsx.Column(_("Days"), 7),
        xlsx.Column(_("Listener"), 32, xlsx.TEXT),
        xlsx.IIN_COLUMN,
        xlsx.Column(_("Organisation"), 36, xlsx.TEXT),
        xlsx.Column(_("District"), 22, xlsx.TEXT),
        xlsx.Column(_("Funding basis"), 22, xlsx.TEXT),
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
        bases = xlsx.choice_labels(FundingBasis)
        book = xlsx.Book()
        for name, owed, facts in sheets:
            title = _("%(who)s (%(owed)s, §20): intakes running %(start)s – %(end)s") % {
                "who": name,
                "owed": owed,
                "start": xlsx.cell_day(start),
                "end": xlsx.cell_day(end),
            }
            sheet = xlsx.sheet_add(book, name=str(name), title=str(title), columns=columns)
            rows = running.filter(**facts).iterator(chunk_size=xlsx.CHUNK_SIZE)
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
                        xlsx.cell_text(organisation),
                        xlsx.cell_text(organisation.district if organisation else None),
                        bases.get(enrollment.basis, enrollment.basis),
                    ]
                )
                done += 1
                if progress and done % xlsx.CHUNK_SIZE == 0:
                    progress(done, total)
        if progress:
            progress(done, total)
        return xlsx.book_bytes(book)


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
        statuses = xlsx.choice_labels(UpgradeStatus)
        place = scope.organisation or scope.district or scope.region
        where = str(place) if place else str(_("All regions"))
        book = xlsx.Book()
        rows, total = compliance_rows(scope, on=on)
        level_header = {
            "region": _("Region"),
            "district": _("District"),
            "organisation": _("Organisation"),
            "person": _("Organisation"),
        }[scope.level]
        counts = xlsx.sheet_add(
            book,
            name=str(_("Counts")),
            title=str(
                _("Five-year rule (§10.1) on %(day)s: %(where)s")
                % {"day": xlsx.cell_day(on), "where": where}
            ),
            columns=[xlsx.Column(level_header, 40, xlsx.TEXT)]
            + [xlsx.Column(label, 14) for label in statuses.values()]
            + [xlsx.Column(_("Total"), 10)],
        )
        for row in [*rows, total]:
            name = row.name or (
                str(_("Total")) if row is total else str(_("Workplace not recorded"))
            )
            counts.append([name, *(count for _status, count in row.cells), row.total])

        listeners = people(scope, on=on, status=status, query=query)
        count = listeners.count() if progress else 0
        sheet = xlsx.sheet_add(
            book,
            name=str(_("People")),
            title=str(
                _("People: %(where)s, on %(day)s") % {"where": where, "day": xlsx.cell_day(on)}
            ),
            columns=[
                xlsx.NUMBER_COLUMN,
                xlsx.Column(_("Region"), 24, xlsx.TEXT),
                xlsx.Column(_("District"), 24, xlsx.TEXT),
                xlsx.Column(_("Organisation"), 36, xlsx.TEXT),
                xlsx.Column(_("BIN"), 15, xlsx.TEXT),
                xlsx.Column(_("Listener"), 32, xlsx.TEXT),
                xlsx.IIN_COLUMN,
                xlsx.Column(_("Position"), 24, xlsx.TEXT),
                xlsx.Column(_("Subject"), 20, xlsx.TEXT),
                xlsx.Column(_("In education since"), 12, xlsx.DATE),
                xlsx.Column(_("Last counting upgrade"), 12, xlsx.DATE),
                xlsx.Column(_("Due by"), 12, xlsx.DATE),
                xlsx.Column(_("Status"), 18, xlsx.TEXT),
            ],
        )
        done = 0
        for done, person in enumerate(listeners.iterator(chunk_size=xlsx.CHUNK_SIZE), 1):
            organisation = person.organisation
            district = organisation.district if organisation else None
            sheet.append(
                [
                    done,
                    xlsx.cell_text(district.region if district else None),
                    xlsx.cell_text(district),
                    xlsx.cell_text(organisation),
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
            if progress and done % xlsx.CHUNK_SIZE == 0:
                progress(done, count)
        if progress:
            progress(done, count)
        return xlsx.book_bytes(book)


def forecast_xlsx(
    *, months: list[datetime.date], rows: list, total, by: str, where: str, language: str
) -> bytes:
    """The forecast table as the page shows it (no query: the rows are computed already)."""
    with translation.override(language):
        book = xlsx.Book()
        sheet = xlsx.sheet_add(
            book,
            name=str(_("Forecast")),
            title=str(_("Forecast of upgrades due: %(where)s") % {"where": where}),
            columns=[xlsx.Column(_("Region") if by == "region" else _("Subject"), 32, xlsx.TEXT)]
            + [xlsx.Column(_("Overdue already"), 10)]
            + [xlsx.Column(f"{month:%m.%Y}", 9) for month in months]
            + [xlsx.Column(_("Total"), 10)],
        )
        for row in [*rows, total]:
            name = row.name or str(_("Total") if row is total else _("Not recorded"))
            sheet.append([name, row.overdue, *row.months, row.total])
        return xlsx.book_bytes(book)


def staffing_xlsx(*, year: int, rows: list, language: str) -> bytes:
    """The staffing table of a year (§23), as the page shows it."""
    with translation.override(language):
        book = xlsx.Book()
        sheet = xlsx.sheet_add(
            book,
            name=str(_("Staffing")),
            title=str(_("Staffing (§23), %(year)s") % {"year": year}),
            columns=[
                xlsx.Column(_("Field"), 36, xlsx.TEXT),
                xlsx.Column(_("University norm"), 10),
                xlsx.Column(_("Limit (0.75 × norm)"), 10),
                xlsx.Column(_("Teachers"), 10),
                xlsx.Column(_("Seats planned"), 10),
                xlsx.Column(_("Average yearly contingent"), 12),
                xlsx.Column(_("per teacher"), 10),
                xlsx.Column(_("Admitted"), 10),
                xlsx.Column(_("Average yearly contingent"), 12),
                xlsx.Column(_("per teacher"), 10),
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
        return xlsx.book_bytes(book)


RATINGS_TITLE = _("Listeners' ratings (1–5)")


def period_xlsx(
    *, start: datetime.date, end: datetime.date, report: dict[str, Any], language: str
) -> bytes:
    """Every table of the period report on its own sheet (no query: the report is computed
    already)."""
    with translation.override(language):
        period = f"{xlsx.cell_day(start)} – {xlsx.cell_day(end)}"
        book = xlsx.Book()
        outcome_columns = [
            xlsx.Column(_("Admitted"), 11),
            xlsx.Column(_("Completed"), 11),
            xlsx.Column(_("Failed"), 11),
            xlsx.Column(_("Expelled"), 11),
            xlsx.Column(_("Withdrawn"), 11),
        ]
        for title, rows in report["outcomes"]:
            sheet = xlsx.sheet_add(
                book,
                name=str(title),
                title=f"{title}, {period}",
                columns=[xlsx.Column("", 36, xlsx.TEXT), *outcome_columns],
            )
            for row in rows:
                sheet.append([row.label, *row.values.values()])
        sheet = xlsx.sheet_add(
            book,
            name=str(_("Expelled")),
            title=f"{_('Expelled, by ground (§22)')}, {period}",
            columns=[xlsx.Column(_("Ground"), 40, xlsx.TEXT), xlsx.Column(_("People"), 10)],
        )
        for row in report["expulsions"]:
            sheet.append([row.label, row.values["people"]])
        sheet = xlsx.sheet_add(
            book,
            name=str(_("Intakes")),
            title=f"{_('Intakes and their fill')}, {period}",
            columns=[
                xlsx.Column(_("Intake"), 14, xlsx.TEXT),
                xlsx.Column(_("Programme"), 36, xlsx.TEXT),
                xlsx.Column(_("Start date"), 12, xlsx.DATE),
                xlsx.Column(_("Seats"), 8),
                xlsx.Column(_("Admitted"), 10),
                xlsx.Column(_("State-order seats"), 10),
                xlsx.Column(_("used"), 8),
                xlsx.Column(_("Fill, %"), 8),
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
        sheet = xlsx.sheet_add(
            book,
            name=str(_("Documents")),
            title=f"{_('Documents issued')}, {period}",
            columns=[
                xlsx.Column(_("Document"), 30, xlsx.TEXT),
                xlsx.Column(_("Issued"), 10),
                xlsx.Column(_("of them revoked"), 10),
                xlsx.Column(_("duplicates"), 10),
            ],
        )
        for row in report["documents"]:
            sheet.append([row.label, *row.values.values()])
        sheet = xlsx.sheet_add(
            book,
            name=str(_("Ratings")),
            title=f"{RATINGS_TITLE}, {period}",
            columns=[
                xlsx.Column(_("Programme"), 40, xlsx.TEXT),
                xlsx.Column(_("Average"), 10),
                xlsx.Column(_("Answers"), 10),
            ],
        )
        for row in report["ratings"]:
            sheet.append([row.label, row.values["average"], row.values["answers"]])
        return xlsx.book_bytes(book)
