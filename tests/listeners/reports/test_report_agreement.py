"""The compliance report and the forecast count one overdue total on one day (issue 19):
both filter `listeners_in(…, on=day)` by the same status. The forecast used to count
"overdue" on the 1st of the month and the compliance report on the day itself, so a person
who fell due between the two was overdue on one page and "due this month" on the other.
Also: the forecast's chart is laid out with round ticks and each bar's number, and both
report pages cost a constant number of queries whatever the people."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from listeners.reports.queries import Scope, compliance_rows, forecast, forecast_chart, nice_ticks
from listeners.rules import UpgradeStatus
from tests.conftest import make_listener

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 20)


def counted(organisation, name: str, last_upgrade=None, employment_start=None):
    person = make_listener(organisation, last_name=name, employment_start=employment_start)
    type(person).objects.filter(pk=person.pk).update(last_upgrade_on=last_upgrade)
    return person


@pytest.fixture
def around_the_day(organisation):
    """On 20.06.2026 (the upgrade period is five years): Asanova fell due on 05.06.2026,
    after the 1st of the month, so she is overdue on the day; Bekova falls due on
    20.06.2026 itself (due, not overdue yet); Galymova was due on 31.05.2026 (overdue on
    either count); Dauletova, counted from her start of employment, fell due on 10.06.2026;
    Yerzhanova falls due in July."""
    return [
        counted(organisation, "Асанова", datetime.date(2021, 6, 5)),
        counted(organisation, "Бекова", datetime.date(2021, 6, 20)),
        counted(organisation, "Галымова", datetime.date(2021, 5, 31)),
        counted(organisation, "Дәулетова", None, datetime.date(2021, 6, 10)),
        counted(organisation, "Ержанова", datetime.date(2021, 7, 2)),
    ]


def test_the_forecast_counts_the_compliance_reports_overdue_on_the_same_day(around_the_day):
    _rows, total = compliance_rows(Scope(), on=DAY)
    months, _rows, ahead = forecast(Scope(), on=DAY, by="region")
    assert total.counts[UpgradeStatus.OVERDUE] == ahead.overdue == 3
    # Bekova is due this month, Yerzhanova next; nobody counted twice or lost.
    assert months[0] == datetime.date(2026, 6, 1)
    assert (ahead.months[0], ahead.months[1], ahead.total) == (1, 1, 5)


def test_the_two_pages_show_the_same_overdue_total_on_the_same_day(
    client, methodologist, around_the_day
):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    compliance = client.get(reverse("listeners:compliance"), {"on": DAY.isoformat()})
    ahead = client.get(reverse("listeners:forecast"), {"on": DAY.isoformat()})
    assert compliance.context["total"].counts[UpgradeStatus.OVERDUE] == 3
    assert ahead.context["on"] == DAY
    assert ahead.context["total"].overdue == 3
    assert "3 people are overdue on 20.06.2026" in ahead.content.decode()
    # The compliance page leads to the forecast of its own day.
    assert "/work/compliance/forecast/?on=2026-06-20" in compliance.content.decode()


def test_a_bad_day_on_the_forecast_gets_a_message_and_today(client, methodologist):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("listeners:forecast"), {"on": "1990-01-01"})
    assert page.status_code == 200
    assert "Choose a day from 01.01.2001" in page.content.decode()
    assert page.context["on"] == datetime.date.today()


@pytest.mark.parametrize(
    "peak, ticks",
    [
        (0, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (23, [0, 5, 10, 15, 20, 25]),
        (101, [0, 50, 100, 150]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_the_chart_axis_has_round_ticks_reaching_the_peak(peak, ticks):
    assert nice_ticks(peak) == ticks


def test_the_chart_draws_each_month_against_the_axis_with_its_number():
    months = [datetime.date(2026, m, 1) for m in (6, 7, 8)]
    chart = forecast_chart(months, [10, 0, 23])
    # Ticks 0..25 over the plot from x=58 to x=320: 23 people are 23/25 of it.
    assert [tick.value for tick in chart.ticks] == [0, 5, 10, 15, 20, 25]
    assert (chart.ticks[0].x, chart.ticks[-1].x) == ("58.0", "320.0")
    assert [bar.width for bar in chart.bars] == ["104.8", "0.0", "241.0"]
    assert [bar.count for bar in chart.bars] == [10, 0, 23]
    assert chart.bars[2].text_x == "302.0"  # the number just beyond the bar's end
    assert chart.peak.month == datetime.date(2026, 8, 1)
    assert forecast_chart(months, [0, 0, 0]).peak is None


@pytest.mark.parametrize("people", [10, 200])
def test_the_forecast_page_costs_the_same_queries_whatever_the_people(
    client, methodologist, organisation, django_assert_max_num_queries, people
):
    for i in range(people):
        counted(organisation, f"Тыңдаушы {i:03}", datetime.date(2021, 1 + i % 12, 1 + i % 28))
    client.force_login(methodologist)
    with django_assert_max_num_queries(4):
        page = client.get(reverse("listeners:forecast"), {"on": DAY.isoformat(), "by": "subject"})
    assert page.context["total"].total == people
