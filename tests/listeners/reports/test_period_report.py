"""The institute's report for a period: outcomes by kind, band, language, place and funding,
expulsions by ground, the fill of each intake, state-order seats planned and used, documents
issued and ratings; every table also as .xlsx; a fixed number of queries."""

import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from certificates.models import Document
from certificates.queries import documents_issued
from certificates.services import document_issue
from courses.models import IntakeStatus, Language
from courses.rules import ProgrammeKind
from listeners.models import Feedback, FundingBasis
from listeners.reports.queries import (
    period_counts,
    period_intakes,
    ratings,
    seats_planned,
)
from listeners.rules import EnrollmentState as S
from listeners.rules import ExpulsionGround, OrderKind
from tests.certificates.conftest import make_issuing_institute
from tests.conftest import make_enrollment, make_intake, make_listener, make_order, make_programme

pytestmark = pytest.mark.django_db

START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
URL = reverse("listeners:period_report")


@pytest.fixture
def year(organisation, administrator):
    """A 72-hour upgrade in Kazakh (4 seats, 3 of the state order) and a retraining in
    Russian; a cancelled intake and one of 2025 that must not count."""
    upgrade = make_intake(
        make_programme(code="UP", hours=72),
        language=Language.KAZAKH,
        state_order_seats=3,
        contract_seats=1,
    )
    retraining = make_intake(
        make_programme(ProgrammeKind.RETRAINING, hours=300, code="RT"),
        language=Language.RUSSIAN,
        state_order_seats=0,
        contract_seats=2,
    )
    cancelled = make_intake(status=IntakeStatus.CANCELLED, cancel_reason="—")
    old = make_intake(start_date=datetime.date(2025, 3, 2), end_date=datetime.date(2025, 3, 9))

    def enrol(intake, state, basis=FundingBasis.STATE_ORDER, **fields):
        return make_enrollment(
            make_listener(organisation), intake, state=state, basis=basis, **fields
        )

    done = enrol(upgrade, S.COMPLETED)
    enrol(upgrade, S.COMPLETED)
    enrol(upgrade, S.FAILED, basis=FundingBasis.CONTRACT_PERSON)
    expelled = enrol(retraining, S.EXPELLED, basis=FundingBasis.CONTRACT_PERSON)
    enrol(retraining, S.WITHDRAWN, basis=FundingBasis.CONTRACT_PERSON)
    enrol(retraining, S.APPLIED, basis=FundingBasis.CONTRACT_PERSON)
    enrol(cancelled, S.APPLIED)
    enrol(old, S.COMPLETED)
    order = make_order(
        OrderKind.EXPULSION,
        intake=retraining,
        number="9-о",
        ground=ExpulsionGround.DISCIPLINE,
        reason="Сабаққа келмеді",
    )
    type(expelled).objects.filter(pk=expelled.pk).update(
        expulsion_order=order, expulsion_reason="Сабаққа келмеді"
    )
    Feedback.objects.create(enrollment=done, rating=5)
    return {"upgrade": upgrade, "retraining": retraining, "done": done}


def test_outcomes_are_counted_by_kind_and_language(english, year):
    counts = period_counts(start=START, end=END)
    by_kind = {row.label: row.values for row in counts.by("kind")}
    assert by_kind["Qualification upgrade"] == {
        "admitted": 3,
        "completed": 2,
        "failed": 1,
        "expelled": 0,
        "withdrawn": 0,
    }
    # Admitted counts everyone admitted by order, the expelled too; a withdrawal may come
    # before admission, so the withdrawn are counted apart.
    assert by_kind["Retraining"]["admitted"] == 1
    assert by_kind["Retraining"]["withdrawn"] == 1
    assert by_kind["Retraining"]["expelled"] == 1
    assert by_kind["Professional internship"]["admitted"] == 0  # every kind is listed
    by_language = {row.label: row.values["admitted"] for row in counts.by("language")}
    assert by_language == {"Kazakh": 3, "Russian": 1, "Kazakh and Russian": 0}
    by_basis = {row.label: row.values["admitted"] for row in counts.by("basis")}
    assert by_basis["State order"] == 2 and by_basis["Contract with a person"] == 2


def test_the_fill_and_the_state_order_seats(year):
    intakes = list(period_intakes(start=START, end=END))
    assert [i.code for i in intakes] == [year["upgrade"].code, year["retraining"].code]
    assert (intakes[0].admitted, intakes[0].state_used) == (3, 2)
    assert (intakes[1].admitted, intakes[1].state_used) == (1, 0)
    assert seats_planned(start=START, end=END) == {"capacity": 6, "state_planned": 3}
    counts = period_counts(start=START, end=END)
    assert (counts.admitted(), counts.admitted(state_order_only=True)) == (4, 2)


def test_documents_and_ratings_of_the_period(english, year, administrator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_issuing_institute()

    document_issue(enrollment=year["done"], by=administrator, on=datetime.date(2026, 3, 20))
    counted = {row.label: row.values for row in documents_issued(start=START, end=END)}
    assert counted["Certificate"]["issued"] == 1
    assert (
        sum(
            row.values["issued"]
            for row in documents_issued(
                start=datetime.date(2027, 1, 1), end=datetime.date(2027, 12, 31)
            )
        )
        == 0
    )
    assert Document.objects.count() == 1
    (rated,) = ratings(start=START, end=END)
    assert rated.label.startswith("UP · ") and rated.values["answers"] == 1
    assert str(rated.values["average"]) == "5.0"


@pytest.fixture
def en(client, methodologist):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_page_and_its_workbook(en, year):
    page = en.get(URL, {"start": START.isoformat(), "end": END.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Gross breach of the internal rules: 1" in html
    assert "State-order seats: 3 planned, 2 used." in html
    assert "All seats: 6, admitted 4 (67%)." in html
    assert "2 intakes started in the period." in html
    book = load_workbook(
        io.BytesIO(
            en.get(
                URL, {"start": START.isoformat(), "end": END.isoformat(), "format": "xlsx"}
            ).content
        )
    )
    assert len(book.worksheets) == 5 + 4
    intakes = book["Intakes"]
    codes = [row[0] for row in intakes.iter_rows(min_row=3, values_only=True)]
    assert codes == [year["upgrade"].code, year["retraining"].code]


def test_a_period_that_ends_before_it_starts_is_refused_beside_the_field(en, year):
    page = en.get(URL, {"start": "2026-12-31", "end": "2026-01-01"})
    assert page.status_code == 200
    assert "The period ends before it starts." in page.content.decode()


@pytest.mark.parametrize("intakes", [2, 40])
def test_the_report_costs_the_same_queries_whatever_the_intakes(
    en, organisation, django_assert_max_num_queries, intakes
):
    for _ in range(intakes):
        intake = make_intake(
            start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2026, 4, 9)
        )
        make_enrollment(make_listener(organisation), intake, state=S.COMPLETED)
    with django_assert_max_num_queries(14):
        assert en.get(URL, {"start": START.isoformat(), "end": END.isoformat()}).status_code == 200


def test_the_form_names_its_two_days_and_fills_both(en, db):
    """The heading names the period: the form shows the same two days, under labels of their
    own (kk and ru once shared them with an enrollment's "from" and "to" states)."""
    from django.utils import timezone

    today = timezone.localdate()
    html = en.get(URL).content.decode()
    assert "First day of the period" in html and "Last day of the period" in html
    assert f'name="end" value="{today:%d.%m.%Y}"' in html
    assert f'name="start" value="01.01.{today.year}"' in html
