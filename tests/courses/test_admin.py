"""The back-office for programmes, intakes and commissions: a value that breaks a rule of
§10–§12 is refused beside its field with the rule's message, and nothing is stored."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Commission, Intake, Programme
from courses.rules import Band, ProgrammeKind
from tests.conftest import make_intake, make_programme


@pytest.fixture
def back_office(client: Client, administrator) -> Client:
    """The administrator signed in to the back-office, reading it in English."""
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # as the language switch sets it
    return client


def programme_data(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "RT-1",
        "kind": ProgrammeKind.RETRAINING,
        "hours": "280",
        "duration_days": "",
        "title_kk": "Қайта даярлау",
        "title_ru": "Переподготовка",
        "description_kk": "",
        "description_ru": "",
        "language": "kk",
        "with_work_interruption": "on",
        "field": "",
        "internship_host": "",
        "is_active": "on",
    }
    data.update(fields)
    return data


def intake_data(programme: Programme, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "programme": programme.pk,
        "code": "I-2026-01",
        "status": "planned",
        "cancel_reason": "",
        "start_date": "2026-03-02",
        "end_date": "2026-03-13",
        "place": "institute",
        "branch": "",
        "district": "",
        "language": "kk",
        "with_work_interruption": "on",
        "methodologist": "",
        "capacity": "25",
        "state_order_seats": "20",
        "contract_seats": "5",
        "state_order_reference": "",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_retraining_below_280_hours_is_refused_beside_the_field(back_office):
    response = back_office.post(reverse("admin:courses_programme_add"), programme_data(hours="279"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "280" in errors["hours"][0] and "§10.3" in errors["hours"][0]
    assert "§10.3" in response.content.decode()
    assert not Programme.objects.exists()


def test_internship_of_732_days_is_refused(back_office):
    response = back_office.post(
        reverse("admin:courses_programme_add"),
        programme_data(kind=ProgrammeKind.INTERNSHIP, hours="40", duration_days="732"),
    )

    assert response.status_code == 200
    message = response.context["adminform"].form.errors["duration_days"][0]
    assert "§10.2" in message and "732" in message
    assert not Programme.objects.exists()


def test_a_lawful_programme_is_stored_with_the_band_its_hours_give(back_office):
    response = back_office.post(
        reverse("admin:courses_programme_add"),
        programme_data(code="UP-100", kind=ProgrammeKind.UPGRADE, hours="100"),
    )

    assert response.status_code == 302
    programme = Programme.objects.get(code="UP-100")
    assert programme.band == Band.MEDIUM
    assert programme.hours == 100


def test_the_band_cannot_be_typed(back_office):
    back_office.post(
        reverse("admin:courses_programme_add"),
        programme_data(code="UP-40", kind=ProgrammeKind.UPGRADE, hours="40", band="long"),
    )

    assert Programme.objects.get(code="UP-40").band == Band.SHORT


def test_programme_list_shows_hours_band_and_the_document_earned(back_office):
    make_programme(ProgrammeKind.UPGRADE, 100, code="UP-100")
    make_programme(ProgrammeKind.SECOND_DEGREE, 1440, code="SD-1")

    response = back_office.get(reverse("admin:courses_programme_changelist"))

    content = response.content.decode()
    assert "Retraining certificate (kuälik)" in content
    assert "State-standard diploma" in content
    assert "Medium-term" in content


def test_programmes_are_searched_by_title_and_filtered_by_kind(back_office):
    make_programme(ProgrammeKind.UPGRADE, 72, code="UP-1", title_ru="Цифровая грамотность")
    make_programme(ProgrammeKind.RETRAINING, 300, code="RT-1", title_ru="Дефектология")
    url = reverse("admin:courses_programme_changelist")

    found = back_office.get(url, {"q": "Дефектолог"}).context["cl"].result_list
    retraining = back_office.get(url, {"kind__exact": "retraining"}).context["cl"].result_list

    assert [p.code for p in found] == ["RT-1"]
    assert [p.code for p in retraining] == ["RT-1"]


def test_a_programme_that_has_run_cannot_be_deleted(back_office, intake):
    response = back_office.post(
        reverse("admin:courses_programme_delete", args=[intake.programme.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Programme.objects.filter(pk=intake.programme.pk).exists()


def test_an_unused_programme_can_be_deleted(back_office, programme):
    response = back_office.post(
        reverse("admin:courses_programme_delete", args=[programme.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Programme.objects.filter(pk=programme.pk).exists()


def test_an_intake_ending_before_it_starts_is_refused(back_office, programme):
    response = back_office.post(
        reverse("admin:courses_intake_add"),
        intake_data(programme, start_date="2026-03-13", end_date="2026-03-02"),
    )

    assert response.status_code == 200
    message = response.context["adminform"].form.errors["end_date"][0]
    assert "ends (02.03.2026) before it starts (13.03.2026)" in message
    assert not Intake.objects.exists()


def test_intake_seats_must_add_up_to_the_capacity(back_office, programme):
    response = back_office.post(
        reverse("admin:courses_intake_add"),
        intake_data(programme, capacity="25", state_order_seats="20", contract_seats="4"),
    )

    assert response.status_code == 200
    assert "§14" in response.context["adminform"].form.errors["capacity"][0]
    assert not Intake.objects.exists()


def test_a_lawful_intake_is_stored_with_its_sessions(back_office, programme):
    response = back_office.post(
        reverse("admin:courses_intake_add"),
        intake_data(
            programme,
            **{
                "sessions-TOTAL_FORMS": "1",
                "sessions-0-date": "2026-03-02",
                "sessions-0-starts_at": "09:00",
                "sessions-0-topic": "Кіріспе",
                "sessions-0-hours": "6",
                "sessions-0-teacher": "",
            },
        ),
    )

    assert response.status_code == 302
    intake = Intake.objects.get(code="I-2026-01")
    assert intake.start_date == datetime.date(2026, 3, 2)
    assert [s.hours for s in intake.sessions.all()] == [6]


def test_a_commission_has_one_chair(back_office, intake):
    response = back_office.post(
        reverse("admin:courses_commission_add"),
        {
            "intake": intake.pk,
            "assessment_form": "exam",
            "sits_on": "2026-03-13",
            "members-TOTAL_FORMS": "2",
            "members-INITIAL_FORMS": "0",
            "members-0-role": "chair",
            "members-0-full_name": "А. Бекова",
            "members-1-role": "chair",
            "members-1-full_name": "Б. Сериков",
        },
    )

    assert response.status_code == 200
    assert "A commission has one chair." in response.content.decode()
    assert not Commission.objects.exists()


def test_intake_list_queries_do_not_grow_with_rows(back_office):
    url = reverse("admin:courses_intake_changelist")
    for _ in range(5):
        make_intake(make_programme())
    back_office.get(url)
    few = count_queries(back_office, url)

    for _ in range(25):
        make_intake(make_programme())
    many = count_queries(back_office, url)

    assert Intake.objects.count() == 30
    assert many == few


def test_programme_intake_and_commission_pages_open(back_office, intake):
    session = intake.sessions.create(date=intake.start_date, topic="Кіріспе", hours=6)
    commission = Commission.objects.create(intake=intake, assessment_form="exam")
    commission.members.create(full_name="А. Бекова", role="chair")

    programme_page = back_office.get(
        reverse("admin:courses_programme_change", args=[intake.programme.pk])
    )
    intake_page = back_office.get(reverse("admin:courses_intake_change", args=[intake.pk]))
    commission_page = back_office.get(
        reverse("admin:courses_commission_change", args=[commission.pk])
    )

    assert programme_page.status_code == 200
    assert "Certificate" in programme_page.content.decode()
    assert intake_page.status_code == 200
    assert session.topic in intake_page.content.decode()
    assert commission_page.status_code == 200
    assert "А. Бекова" in commission_page.content.decode()
