"""The five-year rule report (§10.1): counts by region → district → organisation →
person on a chosen day, the search, a district methodologist kept to their district, and
bad input answered with a message instead of an error page."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from courses.models import IntakeStatus
from institute.models import District, Field, Organisation, Region, Teacher
from listeners.models import ExportJob, ExportStatus
from listeners.reports.queries import (
    Scope,
    StaffingRow,
    compliance_rows,
    forecast,
    people,
    staffing_rows,
)
from listeners.rules import EnrollmentState, UpgradeStatus
from tests.conftest import (
    IMMEDIATE_TASKS,
    make_bin,
    make_enrollment,
    make_intake,
    make_listener,
    make_programme,
)

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 1)
URL = reverse("listeners:compliance")


def years_before(years: int, days: int = 0) -> datetime.date:
    return ON.replace(year=ON.year - years) - datetime.timedelta(days=days)


@pytest.fixture
def places(region, district, organisation):
    """Two regions; the first with two districts; three schools."""
    other_district = District.objects.create(region=region, name_kk="Ақсу", name_ru="Аксу")
    far_region = Region.objects.create(code="KZ-10", name_kk="Абай облысы", name_ru="Абай")
    far_district = District.objects.create(region=far_region, name_kk="Аягөз", name_ru="Аягоз")
    school_2 = Organisation.objects.create(
        name_kk="№2 мектеп", name_ru="Школа №2", bin=make_bin(), kind="school", district=district
    )
    school_far = Organisation.objects.create(
        name_kk="№9 мектеп",
        name_ru="Школа №9",
        bin=make_bin(),
        kind="school",
        district=far_district,
    )
    return {
        "region": region,
        "district": district,
        "other_district": other_district,
        "far_region": far_region,
        "far_district": far_district,
        "school_1": organisation,
        "school_2": school_2,
        "school_far": school_far,
    }


@pytest.fixture
def people_set(places):
    """In school 1: one overdue, one due soon, one up to date, one with no record.
    In school 2: one overdue. Far away: one up to date. Nowhere: one overdue."""
    school_1, school_2, far = places["school_1"], places["school_2"], places["school_far"]

    def person(organisation, name, last_upgrade=None, employment_start=None):
        listener = make_listener(organisation, last_name=name, employment_start=employment_start)
        type(listener).objects.filter(pk=listener.pk).update(last_upgrade_on=last_upgrade)
        return listener

    return {
        "overdue": person(school_1, "Асанова", years_before(5, days=1)),
        "due_soon": person(school_1, "Бекова", years_before(5, days=-10)),
        "compliant": person(school_1, "Галымова", years_before(1)),
        "no_record": person(school_1, "Дәулетова"),
        "overdue_2": person(school_2, "Ержанова", None, years_before(6)),
        "far": person(far, "Жанова", years_before(2)),
        "nowhere": person(None, "Зейнолла", years_before(7)),
    }


def counts(row) -> tuple[int, int, int, int, int]:
    return tuple(row.counts[s] for s in UpgradeStatus) + (row.total,)  # type: ignore[return-value]


def test_counts_go_down_from_regions_to_people(people_set, places):
    with translation.override("kk"):
        rows, total = compliance_rows(Scope(), on=ON)
    # overdue, due soon, compliant, no record, total
    assert counts(total) == (3, 1, 2, 1, 7)
    by_name = {row.name: counts(row) for row in rows}
    assert by_name == {
        "Павлодар облысы": (2, 1, 1, 1, 5),
        "Абай облысы": (0, 0, 1, 0, 1),
        "": (1, 0, 0, 0, 1),  # the listener with no workplace recorded
    }
    with translation.override("kk"):
        rows, total = compliance_rows(Scope(region=places["region"]), on=ON)
    assert counts(total) == (2, 1, 1, 1, 5)
    assert [row.name for row in rows] == ["Ертіс ауданы"]  # Aksu has nobody: no row
    with translation.override("kk"):
        rows, total = compliance_rows(
            Scope(region=places["region"], district=places["district"]), on=ON
        )
    assert {row.name: counts(row) for row in rows} == {
        "№1 мектеп": (1, 1, 1, 1, 4),
        "№2 мектеп": (1, 0, 0, 0, 1),
    }


def test_the_status_moves_with_the_chosen_day(people_set):
    """Bekova's five years end 10 days after ON: due soon then, overdue a month later."""
    later = ON + datetime.timedelta(days=30)
    _, total = compliance_rows(Scope(), on=later)
    assert total.counts[UpgradeStatus.OVERDUE] == 4


def test_people_are_found_by_iin_or_by_part_of_the_name(people_set):
    bekova = people_set["due_soon"]
    assert list(people(Scope(), on=ON, query=bekova.iin)) == [bekova]
    assert list(people(Scope(), on=ON, query="бек")) == [bekova]
    overdue = people(Scope(), on=ON, status=UpgradeStatus.OVERDUE)
    assert {p.last_name for p in overdue} == {"Асанова", "Ержанова", "Зейнолла"}


@pytest.fixture
def en(client, methodologist):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_page_drills_down_to_a_school_and_lists_its_people(en, people_set, places):
    page = en.get(URL, {"on": ON.isoformat(), "organisation": places["school_1"].pk})
    html = page.content.decode()
    assert page.status_code == 200
    people_page = page.context["page"]
    assert [p.last_name for p in people_page.object_list] == [
        "Асанова",
        "Бекова",
        "Галымова",
        "Дәулетова",
    ]
    assert "Pavlodar Region" in html and "Irtysh District" in html  # the breadcrumbs
    bekova = people_page.object_list[1]
    assert bekova.status_label == "Due within 12 months"
    assert bekova.due_date == ON + datetime.timedelta(days=10)


@pytest.mark.parametrize(
    "query, message",
    [
        ({"region": "999999"}, "There is no such region"),
        ({"region": "abc"}, "There is no such region"),
        ({"district": "999999"}, "There is no such district here"),
        ({"organisation": "-1"}, "There is no such organisation here"),
    ],
)
def test_an_unknown_place_gets_a_message_not_an_error(en, people_set, query, message):
    page = en.get(URL, query)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert page.context["scope"] == Scope()


@pytest.mark.parametrize("day", ["1990-01-01", "2999-01-01"])
def test_a_far_day_gets_a_message_beside_the_field(en, people_set, day):
    page = en.get(URL, {"on": day})
    assert page.status_code == 200
    assert "Choose a day from 01.01.2001" in page.content.decode()


def test_garbage_in_the_query_string_is_not_an_error(en, people_set):
    page = en.get(URL, {"on": "yesterday", "status": "x' OR 1=1", "page": "zzz"})
    assert page.status_code == 200


def test_a_district_methodologist_sees_their_district_and_nothing_else(
    client, district_methodologist, people_set, places
):
    client.force_login(district_methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(URL, {"on": ON.isoformat()})
    assert page.context["scope"].district == places["district"]
    assert counts(page.context["total"]) == (2, 1, 1, 1, 5)
    # Asking for another region, or a school elsewhere, shows their own district.
    page = client.get(
        URL,
        {
            "on": ON.isoformat(),
            "region": places["far_region"].pk,
            "organisation": places["school_far"].pk,
        },
    )
    assert "You see the listeners of your own district only." in page.content.decode()
    assert page.context["scope"].district == places["district"]
    assert page.context["scope"].organisation is None
    assert "Жанова" not in page.content.decode()
    # The search, too, stays inside the district.
    page = client.get(URL, {"q": people_set["far"].iin})
    assert list(page.context["page"].object_list) == []


def test_a_listener_may_not_see_the_report(client, listener):
    client.force_login(listener.user)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("rows", [10, 200])
def test_the_report_costs_the_same_queries_whatever_the_number_of_people(
    en, places, django_assert_max_num_queries, rows
):
    schools = [places["school_1"], places["school_2"], places["school_far"]]
    for i in range(rows):
        make_listener(schools[i % 3], last_name=f"Тыңдаушы {i:03}")
    with django_assert_max_num_queries(8):
        en.get(URL)
    with django_assert_max_num_queries(10):
        en.get(URL, {"organisation": places["school_1"].pk})


# --- forecast -------------------------------------------------------------------------------


def test_the_forecast_counts_who_falls_due_in_each_month_by_region(people_set, places):
    """From ON (June 2026): Bekova falls due on 11.06.2026, month 0; Galymova (counted on
    01.06.2025) in June 2030, outside the 24 months; Zhanova (01.06.2024) in June 2029,
    outside too. Asanova, Yerzhanova and Zeinolla are overdue already."""
    early = make_listener(places["school_far"], last_name="Ілиясова", subject="Математика ")
    type(early).objects.filter(pk=early.pk).update(last_upgrade_on=datetime.date(2023, 2, 28))
    with translation.override("kk"):
        months, rows, total = forecast(Scope(), on=ON, by="region")
    assert months[0] == datetime.date(2026, 6, 1) and months[-1] == datetime.date(2028, 5, 1)
    assert total.overdue == 3
    assert total.months[0] == 1  # Bekova
    assert total.months[20] == 1  # Iliyassova: 28.02.2023 + 5 years = 28.02.2028
    assert sum(total.months) == 2
    by_name = {row.name: (row.overdue, row.total) for row in rows}
    assert by_name == {"Павлодар облысы": (2, 3), "Абай облысы": (0, 1), "": (1, 1)}


def test_the_forecast_by_subject_merges_the_same_subject_typed_differently(places):
    for subject, last in [("Математика", "2022-03-05"), (" математика", "2022-03-20")]:
        person = make_listener(places["school_1"], subject=subject)
        type(person).objects.filter(pk=person.pk).update(
            last_upgrade_on=datetime.date.fromisoformat(last)
        )
    _, rows, total = forecast(Scope(), on=ON, by="subject")
    assert [(row.name, row.months[9]) for row in rows] == [("Математика", 2)]  # 03.2027
    assert total.total == 2


def test_the_forecast_page_draws_the_months(en, people_set):
    page = en.get(reverse("listeners:forecast"), {"by": "subject"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="col"') == 24
    assert page.context["by"] == "subject"
    # An unknown grouping falls back to regions instead of failing.
    assert en.get(reverse("listeners:forecast"), {"by": "zzz"}).context["by"] == "region"


# --- staffing (§23) ----------------------------------------------------------------------------


@pytest.fixture
def pedagogy(db):
    field = Field.objects.create(
        code="01", name_kk="Педагогика", name_ru="Педагогика", university_norm=10
    )
    Teacher.objects.create(last_name="Серікова", first_name="Айгүл", field=field)
    Teacher.objects.create(last_name="Омаров", first_name="Ержан", field=field, is_active=False)
    return field


YEAR_2026 = {"start_date": datetime.date(2026, 1, 1), "end_date": datetime.date(2026, 12, 31)}


def test_staffing_counts_active_teachers_seats_and_admitted_per_field(pedagogy, organisation):
    """Norm 10 → limit 7.5. One active teacher; 9 seats planned in 2026 (a cancelled intake
    and one in 2027 left out); 2 admitted, 1 only applied. The intakes run all year, so the
    average yearly contingent is the number of people."""
    programme = make_programme(code="PED", field=pedagogy)
    intake = make_intake(programme, state_order_seats=4, contract_seats=2, **YEAR_2026)
    make_intake(programme, state_order_seats=3, contract_seats=0, **YEAR_2026)
    make_intake(
        programme,
        state_order_seats=5,
        contract_seats=0,
        status=IntakeStatus.CANCELLED,
        cancel_reason="—",
        **YEAR_2026,
    )
    make_intake(programme, start_date=datetime.date(2027, 3, 1), end_date=datetime.date(2027, 3, 5))
    for state in (EnrollmentState.ADMITTED, EnrollmentState.COMPLETED, EnrollmentState.APPLIED):
        make_enrollment(make_listener(organisation), intake, state=state)
    empty = Field.objects.create(code="02", name_kk="Өнер", name_ru="Искусство", university_norm=8)

    rows = staffing_rows(year=2026)
    assert [row.field for row in rows] == [pedagogy, empty]
    ped = rows[0]
    assert (ped.teachers, ped.seats, ped.admitted) == (1, 9, 2)
    assert (ped.limit, ped.planned_ratio, ped.admitted_ratio) == (
        Decimal("7.50"),
        Decimal("9.00"),
        Decimal("2.00"),
    )
    assert (ped.planned_within_norm, ped.admitted_within_norm) == (False, True)
    assert (rows[1].teachers, rows[1].seats, rows[1].planned_ratio) == (0, 0, None)


def test_staffing_counts_the_average_yearly_contingent_not_heads(pedagogy, organisation):
    """§23 counts the average yearly contingent: 26 listeners of a two-week course (14 days)
    are 26 × 14 / 365 ≈ 1 listener-year, within the limit of 7.5 for one teacher, although
    26 heads would be far over it. A second degree from 01.09.2025 to 30.06.2027 counts its
    365 days of 2026 in full: 4 seats, 4 listener-years."""
    programme = make_programme(code="PED", field=pedagogy)
    course = make_intake(
        programme,
        state_order_seats=26,
        contract_seats=0,
        start_date=datetime.date(2026, 3, 2),
        end_date=datetime.date(2026, 3, 15),
    )
    make_intake(
        programme,
        state_order_seats=4,
        contract_seats=0,
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2027, 6, 30),
    )
    for _ in range(13):
        make_enrollment(make_listener(organisation), course, state=EnrollmentState.COMPLETED)

    (row,) = staffing_rows(year=2026)
    assert (row.seats, row.seat_days, row.admitted, row.admitted_days) == (
        26,
        26 * 14 + 4 * 365,
        13,
        13 * 14,
    )
    assert row.planned_contingent.quantize(Decimal("0.01")) == Decimal("5.00")
    assert row.admitted_ratio == Decimal("0.50")
    assert row.planned.state == "within" and row.planned.percent == 67
    # The second degree's first months belong to 2025: 4 seats × 122 days of 2025.
    (earlier,) = staffing_rows(year=2025)
    assert (earlier.seats, earlier.seat_days) == (4, 4 * 122)


def test_the_staffing_page_answers_a_bad_year_with_a_message(en, pedagogy):
    page = en.get(reverse("listeners:staffing"), {"year": "1900"})
    assert page.status_code == 200
    assert "Choose a year from" in page.content.decode()
    assert page.context["year"] == datetime.date.today().year


@pytest.mark.parametrize("fields", [3, 60])
def test_the_staffing_page_is_one_query_whatever_the_fields(
    en, django_assert_max_num_queries, fields
):
    for i in range(fields):
        Field.objects.create(
            code=f"F{i}", name_kk=f"Сала {i}", name_ru=f"Сала {i}", university_norm=9
        )
    with django_assert_max_num_queries(4):
        assert en.get(reverse("listeners:staffing")).status_code == 200


# --- export -------------------------------------------------------------------------------


def test_the_report_exports_counts_and_people_in_the_background(
    en, people_set, places, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(
            reverse("listeners:compliance_export"),
            {"on": ON.isoformat(), "district": places["district"].pk},
        )
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("listeners:export_detail", args=[job.pk])
    assert (job.status, job.processed, job.total) == (ExportStatus.DONE, 5, 5)
    download = en.get(reverse("listeners:export_download", args=[job.pk]))
    book = load_workbook(io.BytesIO(download.content))
    counts, listed = book.worksheets
    count_rows = list(counts.iter_rows(min_row=3, values_only=True))
    # Organisation, overdue, due soon, up to date, no record, total
    assert count_rows == [
        ("№1 мектеп", 1, 1, 1, 1, 4),
        ("№2 мектеп", 1, 0, 0, 0, 1),
        ("Total", 2, 1, 1, 1, 5),
    ]
    people_rows = list(listed.iter_rows(min_row=3, values_only=True))
    assert [row[5].split()[0] for row in people_rows] == [
        "Асанова",
        "Бекова",
        "Галымова",
        "Дәулетова",
        "Ержанова",
    ]
    bekova = people_rows[1]
    assert bekova[6] == people_set["due_soon"].iin  # kept as text, leading zeros and all
    assert bekova[11].date() == ON + datetime.timedelta(days=10)
    assert bekova[12] == "Due within 12 months"


def test_a_district_methodologist_exports_only_their_district(
    client,
    district_methodologist,
    people_set,
    places,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path
    client.force_login(district_methodologist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("listeners:compliance_export"), {"region": places["far_region"].pk})
    job = ExportJob.objects.get()
    assert job.params["district"] == places["district"].pk
    assert job.total == 5  # Zhanova, far away, is not in it


def test_the_forecast_and_the_staffing_tables_download_as_xlsx(en, people_set, pedagogy):
    forecast_book = load_workbook(
        io.BytesIO(en.get(reverse("listeners:forecast"), {"format": "xlsx"}).content)
    )
    header = next(forecast_book.active.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[:2] == ("Region", "Overdue already") and len(header) == 2 + 24 + 1
    last = list(forecast_book.active.iter_rows(values_only=True))[-1]
    assert last[0] == "Total" and last[-1] == sum(v for v in last[1:-1])

    staffing_book = load_workbook(
        io.BytesIO(en.get(reverse("listeners:staffing"), {"format": "xlsx"}).content)
    )
    rows = list(staffing_book.active.iter_rows(min_row=3, values_only=True))
    assert rows[0][0] == "Педагогика" and rows[0][3] == 1  # one active teacher


def test_the_staffing_bar_shows_the_share_of_the_limit(pedagogy):
    """Limit 7.5; 9 seats for one teacher are 120 % of it: over, drawn at 80 % of a bar that
    runs to 150 % of the limit (the limit marked at two thirds), not cut off."""
    make_intake(
        make_programme(code="PED", field=pedagogy),
        state_order_seats=9,
        contract_seats=0,
        **YEAR_2026,
    )
    (row,) = [r for r in staffing_rows(year=2026) if r.field == pedagogy]
    gauge = row.planned
    assert (gauge.state, gauge.percent, gauge.width, gauge.capped) == ("over", 120, "80.00", False)
    assert (gauge.limit_at, str(gauge.label), gauge.met) == ("66.67", "Over the limit", False)


@pytest.mark.parametrize(
    "seats, teachers, state, percent, width, capped",
    [
        (6, 1, "within", 80, "53.33", False),  # 6 of 7.5
        (15, 2, "within", 100, "66.67", False),  # exactly the limit is allowed (§23)
        (16, 2, "over", 107, "71.11", False),
        (60, 1, "over", 800, "100.00", True),  # far over: the bar is full and cut off
        (5, 0, "no_teacher", None, "100.00", True),
        (0, 0, "nothing", None, "0.00", False),
        (0, 3, "nothing", 0, "0.00", False),
    ],
)
def test_the_staffing_state_says_met_over_or_no_teacher(
    pedagogy, seats, teachers, state, percent, width, capped
):

    row = StaffingRow(
        field=pedagogy,
        year=2026,
        teachers=teachers,
        seats=seats,
        admitted=0,
        seat_days=seats * 365,
        admitted_days=0,
    )
    gauge = row.planned
    assert (gauge.state, gauge.percent, gauge.width, gauge.capped) == (
        state,
        percent,
        width,
        capped,
    )
    assert gauge.met is (state in ("within", "nothing"))
