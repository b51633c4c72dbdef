"""In a browser, in Kazakh: a date reads and types as dd.mm.yyyy, whatever the browser's own
locale (a native date input showed mm/dd/yyyy on a Kazakh page, issue 19)."""

import datetime

import pytest
from playwright.sync_api import expect

from courses.models import Session
from tests.conftest import browser_page, make_intake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kazakh_page_reads_and_saves_dates_as_day_month_year(
    browser, live_server, methodologist, programme
):
    intake = make_intake(
        programme, start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 13)
    )
    # An American browser: a native date input would show 03/02/2026 here.
    page = browser_page(browser, live_server, methodologist, language="kk", locale="en-US")
    page.goto(f"{live_server.url}/work/intakes/{intake.pk}/edit/")
    start, end = page.locator("#id_start_date"), page.locator("#id_end_date")
    expect(start).to_have_value("02.03.2026")
    expect(end).to_have_value("13.03.2026")
    expect(start).to_have_attribute("placeholder", "кк.аа.жжжж")
    expect(start).to_have_attribute("inputmode", "numeric")
    assert start.evaluate("el => el.type") == "text"

    end.fill("20.03.2026")
    page.get_by_role("button", name="Сақтау").click()
    page.wait_for_url(f"**/work/intakes/{intake.pk}/")
    intake.refresh_from_db()
    assert intake.end_date == datetime.date(2026, 3, 20)

    # One digit for the day and the month is fine; a month-first date is refused, saying how.
    page.fill("#id_session-date", "5.3.2026")
    page.fill("#id_session-topic", "Кіріспе")
    page.fill("#id_session-hours", "6")
    page.get_by_role("button", name="Сабақты қосу").click()
    expect(page.locator("#sessions")).to_contain_text("05.03.2026")
    assert Session.objects.get(intake=intake).date == datetime.date(2026, 3, 5)

    page.fill("#id_session-date", "03/06/2026")
    page.fill("#id_session-topic", "Практикум")
    page.fill("#id_session-hours", "6")
    page.get_by_role("button", name="Сабақты қосу").click()
    expect(page.get_by_text("кк.аа.жжжж түрінде")).to_be_visible()
    assert Session.objects.filter(intake=intake).count() == 1
