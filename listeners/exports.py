"""The .xlsx exports of an intake, for accounting and of the five-year report, each one pure
function returning bytes.

Every export runs a fixed number of queries whatever the number of rows (select_related, one
query for all the attendance marks) and streams its rows into a write-only workbook, so a list
of thousands of people costs neither thousands of queries nor a workbook held in memory.
Headers and labels are rendered in the language asked for; names of organisations, districts
and programmes follow the same language (institute.models.localized).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from courses.models import Intake, IntakeStatus
from institute.models import User
from institute.xlsx import DATE, NUMBER, TEXT, Book, Sheet
from listeners import reports
from listeners.models import Attendance, Enrollment, FundingBasis, Mark
from listeners.rules import (
    ADMITTED_BY_ORDER_STATES,
    EnrollmentState,
    Grade,
    UpgradeStatus,
    upgrade_due_date,
)

CHUNK_SIZE = 2000
BY_NAME = ("listener__last_name", "listener__first_name", "listener__patronymic", "pk")


@dataclass(frozen=True)
class Column:
    header: Promise | str
    width: int
    kind: str = NUMBER  # TEXT is written with the text format, so IINs keep leading zeros


NUMBER_COLUMN = Column(_("No."), 6)
IIN_COLUMN = Column(_("IIN"), 15, TEXT)


def _text(value: Any) -> str:
    return str(value) if value is not None else ""


def _day(value: datetime.date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


def _choice_labels(choices: type) -> dict:
    """The labels of a TextChoices or IntegerChoices, rendered once in the active language."""
    return {value: str(label) for value, label in choices.choices}


def _yes_no(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


def _add_sheet(book: Book, *, name: str, title: str, columns: list[Column]) -> Sheet:
    return book.add_sheet(
        name, title=title, columns=[(str(c.header), c.width, c.kind) for c in columns]
    )


def _to_bytes(book: Book) -> bytes:
    return book.to_bytes()


def _intake_title(what: Promise, intake: Intake) -> str:
    return str(
        _("%(what)s. Intake %(code)s: %(programme)s, %(start)s – %(end)s")
        % {
            "what": what,
            "code": intake.code,
            "programme": intake.programme.title,
            "start": _day(intake.start_date),
            "end": _day(intake.end_date),
        }
    )


def _admitted(intake: Intake, viewer: User | None) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(intake=intake, state__in=ADMITTED_BY_ORDER_STATES)
        .visible_to(viewer)
        .order_by(*BY_NAME)
    )


def intake_list_xlsx(*, intake: Intake, language: str, viewer: User | None = None) -> bytes:
    """Every enrollment of the intake, whatever its state: who, where from, on what basis
    (§14), the facts accounting needs (§20), the admission order (§15) and the result.
    Two queries (three if the intake's programme is not loaded)."""
    columns = [
        NUMBER_COLUMN,
        IIN_COLUMN,
        Column(_("Last name"), 18, TEXT),
        Column(_("First name"), 16, TEXT),
        Column(_("Patronymic"), 18, TEXT),
        Column(_("Organisation"), 36, TEXT),
        Column(_("District"), 22, TEXT),
        Column(_("Position"), 20, TEXT),
        Column(_("Subject taught"), 20, TEXT),
        Column(_("Funding basis"), 22, TEXT),
        Column(_("State"), 14, TEXT),
        Column(_("With interruption from work"), 14, TEXT),
        Column(_("From another town"), 12, TEXT),
        Column(_("Admission order No."), 12, TEXT),
        Column(_("Admission order date"), 12, DATE),
        Column(_("Grade"), 16, TEXT),
        Column(_("Remark"), 18, TEXT),
        Column(_("Completed on"), 12, DATE),
    ]
    enrollments = (
        Enrollment.objects.filter(intake=intake)
        .visible_to(viewer)
        .select_related("listener__organisation__district", "admission_order")
        .order_by(*BY_NAME)
    )
    with translation.override(language):
        bases, states = _choice_labels(FundingBasis), _choice_labels(EnrollmentState)
        grades = _choice_labels(Grade)
        book = Book()
        sheet = _add_sheet(
            book,
            name=intake.code,
            title=_intake_title(_("List of listeners"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=CHUNK_SIZE), 1):
            person, order = enrollment.listener, enrollment.admission_order
            organisation = person.organisation
            sheet.append(
                [
                    number,
                    person.iin or person.passport_number,
                    person.last_name,
                    person.first_name,
                    person.patronymic,
                    _text(organisation),
                    _text(organisation.district if organisation else None),
                    person.position,
                    person.subject,
                    bases.get(enrollment.basis, enrollment.basis),
                    states.get(enrollment.state, enrollment.state),
                    _yes_no(enrollment.with_work_interruption),
                    _yes_no(enrollment.from_other_town),
                    order.number if order else "",
                    order.date if order else None,
                    grades.get(enrollment.grade, ""),
                    enrollment.final_result,
                    enrollment.completed_on,
                ]
            )
        return _to_bytes(book)


def intake_attendance_xlsx(*, intake: Intake, language: str, viewer: User | None = None) -> bytes:
    """The attendance journal: a row per admitted listener, a column per session with its
    date and hours, then hours present, hours marked and the share present (counted by hours,
    EnrollmentQuerySet.with_attendance). Three queries: sessions, people, all the marks."""
    sessions = list(intake.sessions.order_by("date", "starts_at", "pk"))
    enrollments = _admitted(intake, viewer).select_related("listener").with_attendance()
    marks = {
        (enrollment_id, session_id): mark
        for enrollment_id, session_id, mark in Attendance.objects.filter(
            enrollment__in=_admitted(intake, viewer).order_by()
        ).values_list("enrollment_id", "session_id", "mark")
    }
    with translation.override(language):
        labels = _choice_labels(Mark)
        columns = [
            NUMBER_COLUMN,
            Column(_("Listener"), 32, TEXT),
            IIN_COLUMN,
            *(
                Column(
                    str(
                        _("%(date)s, %(hours)s h")
                        % {"date": _day(session.date), "hours": session.hours}
                    ),
                    11,
                    TEXT,
                )
                for session in sessions
            ),
            Column(_("Hours present"), 10),
            Column(_("Hours marked"), 10),
            Column(_("Attendance, %"), 12),
        ]
        book = Book()
        sheet = _add_sheet(
            book,
            name=intake.code,
            title=_intake_title(_("Attendance"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=CHUNK_SIZE), 1):
            person = enrollment.listener
            cells = (marks.get((enrollment.pk, session.pk)) for session in sessions)
            sheet.append(
                [
                    number,
                    person.full_name,
                    person.iin or person.passport_number,
                    *(labels[mark] if mark else None for mark in cells),
                    enrollment.hours_present,
                    enrollment.hours_marked,
                    enrollment.attendance_percent,
                ]
            )
        return _to_bytes(book)


def intake_results_xlsx(*, intake: Intake, language: str, viewer: User | None = None) -> bytes:
    """The results of the admitted listeners (§21): state, grade, remark, completion date and
    the share of hours attended. One query for the people (two if the programme is not
    loaded)."""
    columns = [
        NUMBER_COLUMN,
        Column(_("Listener"), 32, TEXT),
        IIN_COLUMN,
        Column(_("Organisation"), 36, TEXT),
        Column(_("State"), 14, TEXT),
        Column(_("Grade"), 16, TEXT),
        Column(_("Remark"), 20, TEXT),
        Column(_("Completed on"), 12, DATE),
        Column(_("Attendance, %"), 12),
    ]
    enrollments = (
        _admitted(intake, viewer).select_related("listener__organisation").with_attendance()
    )
    with translation.override(language):
        states, grades = _choice_labels(EnrollmentState), _choice_labels(Grade)
        book = Book()
        sheet = _add_sheet(
            book,
            name=intake.code,
            title=_intake_title(_("Results"), intake),
            columns=columns,
        )
        for number, enrollment in enumerate(enrollments.iterator(chunk_size=CHUNK_SIZE), 1):
            person = enrollment.listener
            sheet.append(
                [
                    number,
                    person.full_name,
                    person.iin or person.passport_number,
                    _text(person.organisation),
                    states.get(enrollment.state, enrollment.state),
                    grades.get(enrollment.grade, ""),
                    enrollment.final_result,
                    enrollment.completed_on,
                    enrollment.attendance_percent,
                ]
            )
        return _to_bytes(book)


def accounting_xlsx(
    *,
    start: datetime.date,
    end: datetime.date,
    language: str,
    progress: Callable[[int, int], None] | None = None,
    viewer: User | None = None,
) -> bytes:
    """For accounting (§20, SPEC §4): the admitted listeners of the intakes running on at
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
        bases = _choice_labels(FundingBasis)
        book = Book()
        for name, owed, facts in sheets:
            title = _("%(who)s (%(owed)s, §20): intakes running %(start)s – %(end)s") % {
                "who": name,
                "owed": owed,
                "start": _day(start),
                "end": _day(end),
            }
            sheet = _add_sheet(book, name=str(name), title=str(title), columns=columns)
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
                        _text(organisation),
                        _text(organisation.district if organisation else None),
                        bases.get(enrollment.basis, enrollment.basis),
                    ]
                )
                done += 1
                if progress and done % CHUNK_SIZE == 0:
                    progress(done, total)
        if progress:
            progress(done, total)
        return _to_bytes(book)


def compliance_xlsx(
    *,
    scope: "reports.Scope",
    on: datetime.date,
    status: str,
    query: str,
    language: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The five-year report (§10.1, SPEC §3) of a scope on a day: a sheet of counts one level
    down, then every person with their last counting upgrade, due date and status. Four
    queries whatever the number of people (they are streamed in chunks)."""
    with translation.override(language):
        statuses = _choice_labels(UpgradeStatus)
        place = scope.organisation or scope.district or scope.region
        where = str(place) if place else str(_("All regions"))
        book = Book()
        rows, total = reports.compliance_rows(scope, on=on)
        level_header = {
            "region": _("Region"),
            "district": _("District"),
            "organisation": _("Organisation"),
            "person": _("Organisation"),
        }[scope.level]
        counts = _add_sheet(
            book,
            name=str(_("Counts")),
            title=str(
                _("Five-year rule (§10.1) on %(day)s: %(where)s")
                % {"day": _day(on), "where": where}
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

        listeners = reports.people(scope, on=on, status=status, query=query)
        count = listeners.count() if progress else 0
        sheet = _add_sheet(
            book,
            name=str(_("People")),
            title=str(_("People: %(where)s, on %(day)s") % {"where": where, "day": _day(on)}),
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
                    _text(district.region if district else None),
                    _text(district),
                    _text(organisation),
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
        return _to_bytes(book)


def forecast_xlsx(
    *, months: list[datetime.date], rows: list, total, by: str, where: str, language: str
) -> bytes:
    """The forecast table as the page shows it (no query: the rows are computed already)."""
    with translation.override(language):
        book = Book()
        sheet = _add_sheet(
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
        return _to_bytes(book)


def staffing_xlsx(*, year: int, rows: list, language: str) -> bytes:
    """The staffing table of a year (§23), as the page shows it."""
    with translation.override(language):
        book = Book()
        sheet = _add_sheet(
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
        return _to_bytes(book)


RATINGS_TITLE = _("Listeners' ratings (1–5)")


def period_xlsx(
    *, start: datetime.date, end: datetime.date, report: dict[str, Any], language: str
) -> bytes:
    """Every table of the period report on its own sheet (no query: the report is computed
    already)."""
    with translation.override(language):
        period = f"{_day(start)} – {_day(end)}"
        book = Book()
        outcome_columns = [
            Column(_("Admitted"), 11),
            Column(_("Completed"), 11),
            Column(_("Failed"), 11),
            Column(_("Expelled"), 11),
            Column(_("Withdrawn"), 11),
        ]
        for title, rows in report["outcomes"]:
            sheet = _add_sheet(
                book,
                name=str(title),
                title=f"{title}, {period}",
                columns=[Column("", 36, TEXT), *outcome_columns],
            )
            for row in rows:
                sheet.append([row.label, *row.values.values()])
        sheet = _add_sheet(
            book,
            name=str(_("Expelled")),
            title=f"{_('Expelled, by ground (§22)')}, {period}",
            columns=[Column(_("Ground"), 40, TEXT), Column(_("People"), 10)],
        )
        for row in report["expulsions"]:
            sheet.append([row.label, row.values["people"]])
        sheet = _add_sheet(
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
        sheet = _add_sheet(
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
        sheet = _add_sheet(
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
        return _to_bytes(book)
