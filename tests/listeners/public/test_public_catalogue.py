"""The public catalogue: intakes open for applications, their filters, seats left, and a
constant number of queries however many intakes are open."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from courses.models import Intake, IntakeStatus, Language, Place
from courses.rules import Band, ProgrammeKind
from listeners.rules import EnrollmentState
from tests.conftest import make_enrollment, make_intake, make_listener, make_programme

MARCH = datetime.date(2027, 3, 1)


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def open_intake(programme=None, **fields) -> Intake:
    fields.setdefault("status", IntakeStatus.OPEN)
    fields.setdefault("start_date", MARCH)
    fields.setdefault("end_date", fields["start_date"] + datetime.timedelta(days=11))
    return make_intake(programme, **fields)


def listed(response) -> list[str]:
    return [intake.code for intake in response.context["page"]]


def test_only_intakes_open_for_applications_are_listed(en, db):
    shown = open_intake(code="OPEN-1")
    for status in (IntakeStatus.PLANNED, IntakeStatus.IN_PROGRESS, IntakeStatus.FINISHED):
        open_intake(code=f"X-{status}", status=status)
    response = en.get(reverse("public:catalogue"))
    assert response.status_code == 200
    assert listed(response) == [shown.code]
    assert b"X-planned" not in response.content


def test_a_course_shows_dates_hours_format_document_and_seats_left(en, organisation):
    programme = make_programme(hours=120, title_kk="Цифрлық сауат", title_ru="Цифровая грамотность")
    intake = open_intake(
        programme,
        code="DIG-1",
        with_work_interruption=False,
        state_order_seats=3,
        contract_seats=1,
    )
    make_enrollment(make_listener(organisation), intake, state=EnrollmentState.ADMITTED)
    # Waiting applicants hold no seat (§14).
    make_enrollment(make_listener(organisation), intake, state=EnrollmentState.APPLIED)
    text = en.get(reverse("public:catalogue")).content.decode()
    assert "Цифрлық сауат" in text  # no English title: the Kazakh one
    assert "120 academic hours" in text
    assert "Long-term" in text
    assert "Without interruption from work" in text
    assert "Retraining certificate" in text  # a course above 72 hours earns a куәлік (§12)
    assert '<span class="seats">3</span> of 4' in text
    assert "03/01/2027" in text


def test_a_full_intake_says_the_application_goes_to_the_waitlist(en, organisation):
    intake = open_intake(state_order_seats=1, contract_seats=0)
    make_enrollment(make_listener(organisation), intake, state=EnrollmentState.ADMITTED)
    text = en.get(reverse("public:catalogue")).content.decode()
    assert "None: you can still apply to the waitlist" in text


def test_filters_by_kind_band_language_month_and_place(en, db):
    short = make_programme(hours=36)
    retraining = make_programme(kind=ProgrammeKind.RETRAINING, hours=300)
    open_intake(short, code="SHORT-KK", language=Language.KAZAKH)
    open_intake(short, code="SHORT-RU", language=Language.RUSSIAN, place=Place.DISTANCE)
    open_intake(short, code="SHORT-BOTH", language=Language.BOTH)
    open_intake(
        retraining,
        code="RETR-APRIL",
        start_date=datetime.date(2027, 4, 5),
        end_date=datetime.date(2027, 6, 30),
    )

    def codes(**query) -> set[str]:
        return set(listed(en.get(reverse("public:catalogue"), query)))

    assert codes(kind=ProgrammeKind.RETRAINING) == {"RETR-APRIL"}
    assert codes(band=Band.SHORT) == {"SHORT-KK", "SHORT-RU", "SHORT-BOTH"}
    # Taught in both languages suits a Russian speaker too.
    assert codes(language=Language.RUSSIAN) == {"SHORT-RU", "SHORT-BOTH"}
    assert codes(month="2027-05") == {"RETR-APRIL"}
    assert codes(place=Place.DISTANCE) == {"SHORT-RU"}
    assert codes(kind=ProgrammeKind.UPGRADE, language=Language.KAZAKH) == {
        "SHORT-KK",
        "SHORT-BOTH",
    }
    # A value that is not a choice filters nothing rather than failing.
    assert len(codes(kind="nonsense")) == 4


def test_soonest_first_and_paginated(en, db):
    programme = make_programme()
    for day in range(25, 0, -1):
        open_intake(programme, code=f"D{day:02d}", start_date=MARCH.replace(day=day))
    first = en.get(reverse("public:catalogue"))
    assert listed(first)[:3] == ["D01", "D02", "D03"] and len(listed(first)) == 20
    second = en.get(reverse("public:catalogue"), {"page": 2})
    assert listed(second) == ["D21", "D22", "D23", "D24", "D25"]
    assert b"Page 2 of 2" in second.content


def _many_open_intakes(count: int, organisation) -> None:
    programmes = [make_programme(hours=hours) for hours in (36, 80, 120)]
    Intake.objects.bulk_create(
        Intake(
            programme=programmes[n % 3],
            code=f"BULK-{n}",
            start_date=MARCH,
            end_date=MARCH + datetime.timedelta(days=11),
            status=IntakeStatus.OPEN,
            capacity=3,
            state_order_seats=2,
            contract_seats=1,
        )
        for n in range(count)
    )
    for intake in Intake.objects.all()[:5]:
        make_enrollment(make_listener(organisation), intake, state=EnrollmentState.ADMITTED)


@pytest.mark.parametrize("count", [10, 200])
def test_the_catalogue_runs_the_same_few_queries_for_10_or_200_intakes(
    en, organisation, django_assert_max_num_queries, count
):
    _many_open_intakes(count, organisation)
    with django_assert_max_num_queries(3):
        response = en.get(reverse("public:catalogue"), {"band": Band.SHORT, "language": "kk"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == len(range(0, count, 3))


def test_an_intake_page_for_applicants_shows_the_programme_and_links_to_apply(en, db):
    programme = make_programme(description_kk="Сипаттама", description_ru="Описание")
    intake = open_intake(programme)
    response = en.get(reverse("public:intake", args=[intake.pk]))
    assert response.status_code == 200
    assert reverse("public:apply", args=[intake.pk]).encode() in response.content
    assert "Сипаттама" in response.content.decode()


def test_an_intake_not_open_for_applications_has_no_public_page(en, db):
    for status in (IntakeStatus.PLANNED, IntakeStatus.CANCELLED, IntakeStatus.FINISHED):
        intake = make_intake(status=status, cancel_reason="x" if status == "cancelled" else "")
        assert en.get(reverse("public:intake", args=[intake.pk])).status_code == 404
        assert en.get(reverse("public:apply", args=[intake.pk])).status_code == 404


def test_everyone_finds_the_catalogue_from_the_front_page_and_the_menu(en, db):
    page = en.get(reverse("home")).content.decode()
    assert page.count(f'href="{reverse("public:catalogue")}"') >= 2
    assert f'href="{reverse("login")}"' in page
