"""The .xlsx exports: read back with openpyxl, headers, typed cells, the right people, and a
number of queries that does not grow with the number of rows."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from courses.models import Intake, IntakeStatus, Session
from listeners.enrollment.exports import (
    intake_attendance_xlsx,
    intake_list_xlsx,
    intake_results_xlsx,
)
from listeners.models import Attendance, FundingBasis
from listeners.reports.exports import accounting_xlsx
from listeners.rules import EnrollmentState
from tests.conftest import make_enrollment, make_iin, make_intake, make_listener, make_order

pytestmark = pytest.mark.django_db

S = EnrollmentState


def read(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def rows_of(sheet) -> list[list[object]]:
    """The data rows, below the title row and the header row."""
    return [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]


def header_of(sheet) -> list[object]:
    return [cell.value for cell in sheet[2]]


@pytest.fixture
def kazakh(organisation, intake):
    """An admitted listener with a Kazakh name and an IIN that starts with zero."""
    iin = make_iin(datetime.date(2004, 5, 6), female=True)
    assert iin.startswith("0")
    person = make_listener(
        organisation,
        iin=iin,
        last_name="Қасымова",
        first_name="Әсем",
        patronymic="Үмбетқызы",
        position="мұғалім",
        subject="қазақ тілі",
    )
    order = make_order(intake=intake, number="17", date=datetime.date(2026, 3, 1))
    return make_enrollment(
        person,
        intake,
        state=S.COMPLETED,
        admission_order=order,
        completed_on=datetime.date(2026, 3, 13),
        grade=5,
        final_result="жұмысы үздік",
        from_other_town=True,
        with_work_interruption=False,
        basis=FundingBasis.CONTRACT_PERSON,
    )


def test_the_intake_list_has_every_enrollment_with_typed_cells(
    english, organisation, intake, kazakh
):
    applicant = make_enrollment(
        make_listener(organisation, last_name="Иванов", first_name="Пётр"), intake
    )
    book = read(intake_list_xlsx(intake=intake, language="en"))
    sheet = book[intake.code]
    assert intake.code in sheet["A1"].value and "List of listeners" in sheet["A1"].value
    assert header_of(sheet) == [
        "No.",
        "IIN",
        "Last name",
        "First name",
        "Patronymic",
        "Organisation",
        "District",
        "Position",
        "Subject taught",
        "Funding basis",
        "State",
        "With interruption from work",
        "From another town",
        "Admission order No.",
        "Admission order date",
        "Grade",
        "Remark",
        "Completed on",
    ]
    assert sheet.freeze_panes == "A3"
    first, second = rows_of(sheet)
    assert first == [
        1,
        applicant.listener.iin,
        "Иванов",
        "Пётр",
        None,
        "№1 мектеп",  # no English name: the Kazakh one
        "Irtysh District",
        None,
        None,
        "State order",
        "Applied",
        "Yes",
        "No",
        None,
        None,
        None,
        None,
        None,
    ]
    assert second == [
        2,
        kazakh.listener.iin,
        "Қасымова",
        "Әсем",
        "Үмбетқызы",
        "№1 мектеп",
        "Irtysh District",
        "мұғалім",
        "қазақ тілі",
        "Contract with a person",
        "Completed",
        "No",
        "Yes",
        "17",
        datetime.datetime(2026, 3, 1),
        "5 (excellent)",
        "жұмысы үздік",
        datetime.datetime(2026, 3, 13),
    ]
    iin_cell, order_date, completed = sheet["B4"], sheet["O4"], sheet["R4"]
    assert iin_cell.data_type == "s" and iin_cell.value.startswith("0")
    assert order_date.is_date and order_date.number_format == "DD.MM.YYYY"
    assert completed.is_date and completed.number_format == "DD.MM.YYYY"
    assert sheet["A4"].data_type == "n"


def test_the_names_of_places_follow_the_language_asked_for(intake, kazakh):
    russian = read(intake_list_xlsx(intake=intake, language="ru"))[intake.code]
    kazakh_book = read(intake_list_xlsx(intake=intake, language="kk"))[intake.code]
    assert (russian["F3"].value, russian["G3"].value) == ("Школа №1", "Иртышский район")
    assert (kazakh_book["F3"].value, kazakh_book["G3"].value) == ("№1 мектеп", "Ертіс ауданы")


@pytest.fixture
def journal(organisation, intake, kazakh):
    """Two sessions (4 h and 2 h); the Kazakh listener present then absent, another excused
    then unmarked, an applicant (not in the journal) marked present."""
    first = Session.objects.create(
        intake=intake, date=datetime.date(2026, 3, 2), topic="Кіріспе", hours=4
    )
    second = Session.objects.create(
        intake=intake, date=datetime.date(2026, 3, 3), topic="Әдістеме", hours=2
    )
    other = make_enrollment(
        make_listener(organisation, last_name="Иванов", first_name="Пётр"),
        intake,
        state=S.ADMITTED,
    )
    applicant = make_enrollment(make_listener(organisation, last_name="Ян"), intake)
    Attendance.objects.bulk_create(
        [
            Attendance(enrollment=kazakh, session=first, mark="present"),
            Attendance(enrollment=kazakh, session=second, mark="absent"),
            Attendance(enrollment=other, session=first, mark="excused"),
            Attendance(enrollment=applicant, session=first, mark="present"),
        ]
    )
    return {"kazakh": kazakh, "other": other}


def test_the_attendance_journal_has_a_column_per_session_and_the_share_present(
    english, intake, journal
):
    sheet = read(intake_attendance_xlsx(intake=intake, language="en"))[intake.code]
    assert "Attendance" in sheet["A1"].value
    assert header_of(sheet) == [
        "No.",
        "Listener",
        "IIN",
        "02.03.2026, 4 h",
        "03.03.2026, 2 h",
        "Hours present",
        "Hours marked",
        "Attendance, %",
    ]
    kazakh, other = journal["kazakh"].listener, journal["other"].listener
    assert rows_of(sheet) == [
        [1, "Иванов Пётр", other.iin, "Excused", None, 0, 4, 0],
        [2, "Қасымова Әсем Үмбетқызы", kazakh.iin, "Present", "Absent", 4, 6, 66],
    ]
    assert sheet["F3"].data_type == "n" and sheet["H4"].value == 66


def test_the_results_list_the_admitted_with_their_result_and_attendance(english, intake, journal):
    sheet = read(intake_results_xlsx(intake=intake, language="en"))[intake.code]
    assert header_of(sheet) == [
        "No.",
        "Listener",
        "IIN",
        "Organisation",
        "State",
        "Grade",
        "Remark",
        "Completed on",
        "Attendance, %",
    ]
    kazakh, other = journal["kazakh"].listener, journal["other"].listener
    assert rows_of(sheet) == [
        [1, "Иванов Пётр", other.iin, "№1 мектеп", "Admitted", None, None, None, 0],
        [
            2,
            "Қасымова Әсем Үмбетқызы",
            kazakh.iin,
            "№1 мектеп",
            "Completed",
            "5 (excellent)",
            "жұмысы үздік",
            datetime.datetime(2026, 3, 13),
            66,
        ],
    ]
    assert sheet["H4"].is_date and sheet["H4"].number_format == "DD.MM.YYYY"


def test_accounting_lists_exactly_who_is_owed_what_in_the_period(english, organisation):
    march = make_intake(
        code="2026-03-A", start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 13)
    )
    # Started in February, ends in the period: it overlaps.
    overlapping = make_intake(
        code="2026-02-B", start_date=datetime.date(2026, 2, 23), end_date=datetime.date(2026, 3, 3)
    )
    april = make_intake(
        code="2026-04-C", start_date=datetime.date(2026, 4, 6), end_date=datetime.date(2026, 4, 17)
    )
    cancelled = make_intake(
        code="2026-03-X",
        start_date=datetime.date(2026, 3, 9),
        end_date=datetime.date(2026, 3, 20),
        status=IntakeStatus.CANCELLED,
        cancel_reason="Топ жиналмады",
    )

    def enrol(intake: Intake, last_name: str, *, town: bool, work: bool, state: str = S.ADMITTED):
        person = make_listener(organisation, last_name=last_name, first_name="Әли")
        make_enrollment(
            person, intake, state=state, from_other_town=town, with_work_interruption=work
        )
        return person.iin

    town = enrol(march, "Әбенов", town=True, work=False)
    work = enrol(march, "Құлов", town=False, work=True)
    both = enrol(overlapping, "Үсенов", town=True, work=True)
    enrol(march, "Нөлов", town=False, work=False)
    enrol(march, "Өтінішов", town=True, work=True, state=S.APPLIED)
    enrol(april, "Сәуіров", town=True, work=True)
    enrol(cancelled, "Болмаған", town=True, work=True)

    book = read(
        accounting_xlsx(
            start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), language="en"
        )
    )
    assert book.sheetnames == ["From another town", "With interruption from work"]
    travelling, salaried = book["From another town"], book["With interruption from work"]
    assert header_of(travelling) == [
        "No.",
        "Intake",
        "Programme",
        "Start date",
        "End date",
        "Days",
        "Listener",
        "IIN",
        "Organisation",
        "District",
        "Funding basis",
    ]
    assert "01.03.2026 – 31.03.2026" in travelling["A1"].value
    assert [row[7] for row in rows_of(travelling)] == [both, town]  # by intake start
    assert [row[7] for row in rows_of(salaried)] == [both, work]
    assert rows_of(travelling)[1] == [
        2,
        "2026-03-A",
        "Бағдарлама",
        datetime.datetime(2026, 3, 2),
        datetime.datetime(2026, 3, 13),
        12,
        "Әбенов Әли",
        town,
        "№1 мектеп",
        "Irtysh District",
        "State order",
    ]
    assert travelling["D4"].is_date and travelling["D4"].number_format == "DD.MM.YYYY"


def _crowd(organisation, intake: Intake, size: int) -> None:
    """`size` admitted listeners, each marked at both sessions of the intake, half from
    another town."""
    sessions = [
        Session.objects.create(intake=intake, date=intake.start_date, topic="1", hours=4),
        Session.objects.create(intake=intake, date=intake.end_date, topic="2", hours=2),
    ]
    marks = []
    for index in range(size):
        person = make_listener(organisation, last_name=f"Әлиев{index:03d}")
        enrollment = make_enrollment(
            person, intake, state=S.ADMITTED, from_other_town=bool(index % 2)
        )
        marks += [Attendance(enrollment=enrollment, session=s, mark="present") for s in sessions]
    Attendance.objects.bulk_create(marks)


@pytest.mark.parametrize("size", [10, 100])
def test_the_exports_cost_the_same_queries_for_10_and_100_people(
    organisation, intake, size, django_assert_max_num_queries
):
    _crowd(organisation, intake, size)
    # As a view would have it: the intake fetched alone, its programme not loaded (1 query).
    exports = [(intake_list_xlsx, 2), (intake_attendance_xlsx, 4), (intake_results_xlsx, 2)]
    for export, bound in exports:
        fresh = Intake.objects.get(pk=intake.pk)
        with django_assert_max_num_queries(bound):
            data = export(intake=fresh, language="kk")
        assert len(rows_of(read(data).active)) == size
    with django_assert_max_num_queries(2):
        data = accounting_xlsx(start=intake.start_date, end=intake.end_date, language="ru")
    book = read(data)
    assert len(rows_of(book.worksheets[0])) == size // 2
    assert len(rows_of(book.worksheets[1])) == size
