"""The reports in Chromium, as a district methodologist and as the head would read them:
the five-year rule in the district on a chosen day, down to a school and its people, the
export prepared in the background, the forecast; the staffing warning on an intake."""

import datetime

import pytest
from openpyxl import load_workbook

from institute.models import Field, Organisation, Teacher
from tests.conftest import (
    IMMEDIATE_TASKS,
    browser_page,
    make_bin,
    make_intake,
    make_listener,
    make_programme,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ON = datetime.date(2026, 6, 1)


@pytest.fixture
def worker(settings, tmp_path):
    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path


def counted(last_upgrade: datetime.date | None, organisation, name: str):
    person = make_listener(organisation, last_name=name, subject="Математика")
    type(person).objects.filter(pk=person.pk).update(last_upgrade_on=last_upgrade)
    return person


def test_a_district_methodologist_follows_their_district(
    browser, live_server, district_methodologist, district, organisation, worker
):
    other_school = Organisation.objects.create(
        name_kk="№7 гимназия",
        name_ru="Гимназия №7",
        bin=make_bin(),
        kind="school",
        district=district,
    )
    counted(datetime.date(2020, 5, 1), organisation, "Асанова")  # overdue on ON
    counted(datetime.date(2021, 6, 20), organisation, "Бекова")  # due on 20.06.2026: soon
    counted(datetime.date(2025, 1, 1), other_school, "Жұмабаева")  # up to date
    page = browser_page(browser, live_server, district_methodologist)

    page.goto(live_server.url + "/work/compliance/")
    page.fill("#id_on", ON.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**on=2026-06-01**")
    totals = [cell.inner_text() for cell in page.locator("tfoot td.num").all()]
    assert totals == ["1", "1", "1", "0", "3"]  # overdue, due soon, up to date, no record, all

    # Down to the school: its people, with their due dates and statuses.
    page.get_by_role("link", name="№1 мектеп").click()
    page.get_by_role("heading", name="People").wait_for()
    rows = page.locator("#people ~ .table-wrap tbody tr")
    assert rows.count() == 2
    assert (
        "20.06.2026" in rows.nth(1).inner_text()
        and "Due within 12 months" in rows.nth(1).inner_text()
    )

    # The export of the school, prepared by the worker, then downloaded.
    page.get_by_role("button", name="Export to .xlsx (2 people)").click()
    ready = page.get_by_role("link", name="Download .xlsx")
    ready.wait_for()
    with page.expect_download() as download:
        ready.click()
    book = load_workbook(open(download.value.path(), "rb"))
    people = [row[5] for row in book["People"].iter_rows(min_row=3, values_only=True)]
    assert [name.split()[0] for name in people] == ["Асанова", "Бекова"]

    # The forecast of the district: Bekova falls due this month.
    page.goto(live_server.url + "/work/compliance/forecast/?by=subject")
    assert page.locator(".forecast tbody th").first.inner_text() == "Математика"
    assert page.locator("svg rect.col").count() == 24
    page.context.close()


def test_the_head_sees_the_staffing_warning_on_an_intake(browser, live_server, administrator):
    field = Field.objects.create(
        code="01", name_kk="Педагогика", name_ru="Педагогика", university_norm=4
    )
    Teacher.objects.create(last_name="Серікова", first_name="Айгүл", field=field)
    # All year long, 5 seats are an average yearly contingent of 5 (§23).
    intake = make_intake(
        make_programme(code="PED", field=field),
        state_order_seats=4,
        contract_seats=1,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    page = browser_page(browser, live_server, administrator)
    page.goto(live_server.url + f"/work/intakes/{intake.pk}/")
    warning = page.locator(".message.warning")
    assert (
        "Staffing (§23)" in warning.inner_text()
        and "above the limit of 3.00" in warning.inner_text()
    )
    page.goto(live_server.url + "/work/staffing/?year=2026")
    # 5 seats for one teacher: 167 % of the limit, said in words and in numbers.
    assert page.locator("tbody .badge.bad").first.inner_text() == "Over the limit"
    assert page.locator("tbody .staffing-numbers").first.inner_text() == "5.00 of 3.00 (167%)"
    page.context.close()
