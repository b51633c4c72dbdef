"""The register of issued documents: what each filter finds, and a constant number of queries
whatever the number of documents."""

import pytest
from django.conf import settings
from django.urls import reverse

from certificates.models import DocumentStatus
from courses.rules import DocumentKind
from institute.models import Organisation
from tests.certificates.test_views import completed, make_document
from tests.conftest import make_bin, make_intake

pytestmark = pytest.mark.django_db
REGISTER = reverse("certificates:register")


@pytest.fixture
def staff(client, methodologist):
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def scene(intake, organisation, district, administrator):
    """Four documents: two kinds, two years, one revoked, two intakes, two organisations."""
    other_school = Organisation.objects.create(
        name_kk="№2 мектеп", name_ru="Школа №2", bin=make_bin(), kind="school", district=district
    )
    other_intake = make_intake()
    return {
        "alimov": make_document(
            completed(intake, organisation, last_name="Әлімов"), by=administrator
        ),
        "bekova": make_document(
            completed(intake, other_school, last_name="Бекова"),
            by=administrator,
            kind=DocumentKind.KUALIK,
        ),
        "revoked": make_document(
            completed(other_intake, organisation, last_name="Серікова"),
            by=administrator,
            status=DocumentStatus.REVOKED,
        ),
        "old": make_document(
            completed(other_intake, other_school, last_name="Омаров"), by=administrator, year=2025
        ),
        "other_school": other_school,
        "other_intake": other_intake,
    }


def _numbers(client, **params) -> set[str]:
    response = client.get(REGISTER, params)
    assert response.status_code == 200
    return {document.number for document in response.context["page"]}


def test_the_register_lists_every_document_newest_first(staff, scene):
    response = staff.get(REGISTER)
    page = response.content.decode()
    assert "4 documents" in page
    numbers = [document.number for document in response.context["page"]]
    assert numbers[-1] == scene["old"].number
    assert "Әлімов" in page and "Revoked on 02.04.2026" in page


def test_the_filters_find_by_year_kind_status_intake_and_organisation(staff, scene, intake):
    number = {name: scene[name].number for name in ("alimov", "bekova", "revoked", "old")}
    assert _numbers(staff, year=2025) == {number["old"]}
    assert _numbers(staff, kind=DocumentKind.KUALIK) == {number["bekova"]}
    assert _numbers(staff, status=DocumentStatus.REVOKED) == {number["revoked"]}
    assert _numbers(staff, intake=intake.pk) == {number["alimov"], number["bekova"]}
    assert _numbers(staff, organisation=scene["other_school"].pk) == {
        number["bekova"],
        number["old"],
    }
    assert _numbers(staff, year=2026, status=DocumentStatus.VALID) == {
        number["alimov"],
        number["bekova"],
    }


@pytest.mark.parametrize("typed", ["Әлімов", "әлімов", "ӘЛІМОВ", "әлім"])
def test_the_search_finds_a_surname_in_any_case(staff, scene, typed):
    assert _numbers(staff, q=typed) == {scene["alimov"].number}


def test_the_search_finds_a_number_in_any_case(staff, scene):
    typed = scene["bekova"].number.lower()
    assert _numbers(staff, q=typed) == {scene["bekova"].number}


def test_an_invalid_filter_filters_nothing(staff, scene):
    assert len(_numbers(staff, year="not-a-year")) == 4


def test_the_filter_offers_only_intakes_and_organisations_with_documents(staff, scene):
    empty = make_intake(code="EMPTY-1")
    form = staff.get(REGISTER).context["form"]
    assert empty not in form.fields["intake"].queryset
    assert set(form.fields["organisation"].queryset) == {
        scene["alimov"].enrollment.listener.organisation,
        scene["other_school"],
    }


@pytest.mark.parametrize("count", [10, 200])
def test_the_register_runs_a_fixed_number_of_queries(
    staff, intake, organisation, administrator, django_assert_max_num_queries, count
):
    for _ in range(count):
        make_document(completed(intake, organisation), by=administrator)
    # session and user, the count, the page of rows, the intakes and organisations offered,
    # the intakes with documents to issue and their count
    with django_assert_max_num_queries(9):
        response = staff.get(REGISTER, {"status": "valid", "q": "Ахмет"})
    assert response.status_code == 200
    assert len(response.context["page"]) == min(count, 50)


def test_the_register_pages_by_fifty(staff, intake, organisation, administrator):
    for _ in range(51):
        make_document(completed(intake, organisation), by=administrator)
    page = staff.get(REGISTER, {"page": 2})
    assert len(page.context["page"]) == 1
    assert "Page 2 of 2" in page.content.decode()
