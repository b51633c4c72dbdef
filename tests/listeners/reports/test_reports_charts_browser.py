"""The reports as a person reads them on a 390 px phone, in Kazakh and Russian (issue 19):
staffing says in words which fields are over the §23 limit and by how much; the forecast's
chart has its axes, ticks and numbers; the forecast counts the compliance report's overdue
total on the same day."""

import datetime

import pytest

from institute.models import Field, Teacher
from tests.conftest import browser_page, follow, make_intake, make_listener, make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}}
DAY = datetime.date(2026, 6, 20)


def overflows(page) -> bool:
    """Whether the page itself scrolls sideways (a wide table scrolls inside its own box)."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_staffing_says_in_russian_which_field_is_over_the_limit(
    browser, live_server, administrator
):
    """Norm 10 → limit 7.5. The intakes run all year, so their seats are their average
    yearly contingent. Pedagogy: 6 seats for one teacher, 80 % of the limit. Arts: 12 seats
    for one teacher, 160 %: over, the bar cut off. Music: 3 seats and no teacher."""
    rows = {}
    for code, name, seats, teachers in [
        ("01", "Педагогика", 6, 1),
        ("02", "Искусство", 12, 1),
        ("03", "Музыка", 3, 0),
    ]:
        field = Field.objects.create(code=code, name_kk=name, name_ru=name, university_norm=10)
        for i in range(teachers):
            Teacher.objects.create(last_name=f"Оқытушы {code}{i}", first_name="Ә", field=field)
        make_intake(
            make_programme(code=f"P{code}", field=field),
            state_order_seats=seats,
            contract_seats=0,
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 12, 31),
        )
        rows[name] = field
    page = browser_page(browser, live_server, administrator, language="ru", **PHONE)
    page.goto(live_server.url + "/work/staffing/?year=2026")

    def planned(name: str) -> str:
        row = page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=name))
        return row.locator("td").nth(5).inner_text()

    assert planned("Педагогика").split() == ["Не", "выше", "предела", "6,00", "из", "7,50", "(80%)"]
    assert planned("Искусство").split() == ["Выше", "предела", "12,00", "из", "7,50", "(160%)"]
    assert planned("Музыка").split() == ["Нет", "преподавателя", "—"]
    # Red only where the norm is not met: two red labels, both saying why.
    assert [b.inner_text() for b in page.locator("tbody td:nth-child(7) .badge.bad").all()] == [
        "Выше предела",
        "Нет преподавателя",
    ]
    assert page.locator("tbody td:nth-child(7) .badge.ok").count() == 1
    # The over-limit bar is cut off at its end; the one within it stops short of the mark.
    art = page.locator("tbody tr").nth(1)
    assert art.locator("svg rect.cut").count() == 1
    assert (
        page.locator("tbody tr td:nth-child(7) rect.load-met").first.get_attribute("width")
        == "53.33"
    )
    assert not overflows(page)
    page.context.close()


def test_the_forecast_chart_reads_on_a_kazakh_phone_and_agrees_with_compliance(
    browser, live_server, methodologist, organisation
):
    """On 20.06.2026: Asanova fell due on 05.06 and Bekova on 31.05: both overdue, in the
    compliance report and in the forecast alike. Galymova falls due on 25.06 (this month),
    Dauletova on 10.08 (in two months)."""
    for name, last in [
        ("Асанова", datetime.date(2021, 6, 5)),
        ("Бекова", datetime.date(2021, 5, 31)),
        ("Ғалымова", datetime.date(2021, 6, 25)),
        ("Дәулетова", datetime.date(2021, 8, 10)),
    ]:
        person = make_listener(organisation, last_name=name)
        type(person).objects.filter(pk=person.pk).update(last_upgrade_on=last)
    page = browser_page(browser, live_server, methodologist, language="kk", **PHONE)
    page.goto(live_server.url + f"/work/compliance/?on={DAY.isoformat()}")
    overdue_here = page.locator("tfoot td.num").first.inner_text()
    follow(page, page.locator("a[href*='/work/compliance/forecast/']"))
    assert "on=2026-06-20" in page.url

    assert page.locator("tfoot td.num").first.inner_text() == overdue_here == "2"
    assert "2 адамның мерзімі өтіп кеткен" in page.locator(".forecast-overdue").inner_text()
    chart = page.locator("figure.forecast-chart svg")
    # A month a row, each with its label on the axis and its number beside the bar.
    assert chart.locator("rect.col").count() == 24
    values = chart.locator("text.value").all_text_contents()
    assert values[:3] == ["1", "0", "1"] and len(values) == 24
    months = chart.locator("text.tick[text-anchor='end']").all_text_contents()
    assert months[0] == "06.2026" and months[-1] == "05.2028"
    ticks = chart.locator("text.tick[text-anchor='middle']").all_text_contents()
    assert ticks == ["0", "1"]
    assert chart.locator("text.axis-title").all_text_contents() == [
        "Ай",
        "Мерзімі келетін адамдар",
    ]
    # It fits the phone, and its smallest text is still readable.
    box = chart.bounding_box()
    assert box["width"] <= 390
    tick_height = chart.locator("text.tick").first.bounding_box()["height"]
    assert tick_height >= 10
    # The same numbers as a table, for whoever does not see the chart.
    page.locator("figure.forecast-chart summary").click()
    table = page.locator("#forecast-chart-numbers tbody tr")
    assert table.first.inner_text().split() == ["06.2026", "1"]
    assert chart.get_attribute("aria-describedby") == "forecast-chart-numbers"
    assert not overflows(page)
    page.context.close()
