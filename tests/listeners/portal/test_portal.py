"""The listener's own pages (/me/): who may enter, what they see, and at what cost."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from institute.models import Organisation
from listeners.models import Listener
from listeners.rules import EnrollmentState as S
from tests.conftest import make_bin, make_enrollment, make_intake, make_listener, make_user
from tests.listeners.portal.portal_scene import build_history, completed_course

pytestmark = pytest.mark.django_db

PAGES = ["portal:home", "portal:courses", "portal:documents", "portal:upgrade", "portal:profile"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_home_shows_the_listener_their_name_and_status(client, listener):
    response = _as(client, listener.user).get(reverse("portal:home"))
    assert response.status_code == 200
    assert "Сұлтанова Гүлназ" in response.text
    assert "No record" in response.text


def test_home_shows_the_next_session_of_a_course_under_way(client, listener):
    build_history(listener, 2)
    response = _as(client, listener.user).get(reverse("portal:home"))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert f"Next session: {tomorrow:%d.%m.%Y}" in response.text
    assert "Up to date" in response.text  # the completed upgrade counts (§10.1)
    assert "Next upgrade due by" in response.text and "13.03.2031" in response.text


def test_a_course_that_ended_is_no_longer_under_way(client, listener):
    """Ten days after its last day, results not yet recorded: on the courses page, not
    under way on the home page (issue 19)."""
    today = timezone.localdate()
    ended = make_intake(
        code="ENDED-1",
        start_date=today - datetime.timedelta(days=20),
        end_date=today - datetime.timedelta(days=10),
    )
    running = make_intake(
        code="RUNNING-1",
        start_date=today - datetime.timedelta(days=2),
        end_date=today + datetime.timedelta(days=5),
    )
    make_enrollment(listener, ended, state=S.ADMITTED)
    make_enrollment(listener, running, state=S.ADMITTED)
    home = _as(client, listener.user).get(reverse("portal:home")).text
    assert f"{running.end_date:%d.%m.%Y}" in home
    assert f"{ended.end_date:%d.%m.%Y}" not in home
    assert f"{ended.end_date:%d.%m.%Y}" in client.get(reverse("portal:courses")).text


def test_a_signed_in_listener_is_sent_from_the_front_door_to_their_page(client, listener):
    response = _as(client, listener.user).get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("login") in response.url


@pytest.mark.parametrize("name", PAGES)
def test_staff_get_403(client, methodologist, administrator, district_methodologist, name):
    for user in (methodologist, administrator, district_methodologist):
        assert _as(client, user).get(reverse(name)).status_code == 403


def test_courses_show_the_history_with_orders_reasons_attendance_and_result(client, listener):
    done = completed_course(listener)
    build_history(listener, 4)  # one of each kind, the first also completed
    response = _as(client, listener.user).get(reverse("portal:courses"))
    text = response.text
    order = done.admission_order
    assert f"order No. {order.number} of {order.date:%d.%m.%Y}" in text
    assert "5 (excellent)" in text and "Passed" in text
    assert "8 of 8 hours (100%)" in text
    assert "Reason for expulsion" in text and "Missed the course" in text
    assert "0 of 2 hours (0%)" in text  # the course under way, one absence so far
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert tomorrow.strftime("%d.%m.%Y") in text  # its upcoming sessions
    assert reverse("portal:feedback", args=[done.pk]) in text


def test_courses_show_only_the_listeners_own_enrollments(client, listener, other_listener):
    mine = completed_course(listener)
    theirs = completed_course(other_listener)
    text = _as(client, listener.user).get(reverse("portal:courses")).text
    assert mine.intake.code in text
    assert theirs.intake.code not in text


@pytest.mark.parametrize("name", PAGES)
def test_each_page_runs_the_same_queries_for_2_or_40_enrollments(
    client, django_assert_max_num_queries, organisation, name
):
    counts = []
    for size in (2, 40):
        person = make_listener(organisation)
        person.user = make_user("listener", f"history{size}")
        person.save()
        build_history(person, size)
        _as(client, person.user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(12):
        client.get(reverse(name))


def test_profile_saves_contacts_and_workplace_but_never_the_names(client, listener, district):
    school = Organisation.objects.create(
        name_kk="№5 мектеп", name_ru="Школа №5", bin=make_bin(), kind="school", district=district
    )
    response = _as(client, listener.user).post(
        reverse("portal:profile"),
        {
            "email": "gulnaz@example.kz",
            "phone": "+7 701 000 00 00",
            "organisation_bin": school.bin,
            "position": "Teacher",
            "subject": "Mathematics",
            "last_name": "Hacked",
            "iin": "871008401427",
        },
    )
    assert response.status_code == 302
    listener.refresh_from_db()
    assert (listener.email, listener.phone, listener.organisation, listener.subject) == (
        "gulnaz@example.kz",
        "+7 701 000 00 00",
        school,
        "Mathematics",
    )
    assert listener.last_name == "Сұлтанова"
    assert listener.iin != "871008401427"


def test_profile_refuses_an_organisation_not_in_the_register(client, listener):
    before = listener.organisation_id
    response = _as(client, listener.user).post(
        reverse("portal:profile"), {"email": "", "organisation_bin": "940140000385"}
    )
    assert response.status_code == 200
    assert "No organisation with BIN 940140000385 is registered." in response.text
    assert Listener.objects.get(pk=listener.pk).organisation_id == before


def test_profile_shows_iin_and_names_read_only(client, listener):
    text = _as(client, listener.user).get(reverse("portal:profile")).text
    assert listener.iin in text
    assert "only a methodologist of the institute changes them" in text
    assert 'name="iin"' not in text and 'name="last_name"' not in text


def test_an_account_without_a_listener_record_gets_403(client):
    user = make_user("listener", "nobody")
    assert _as(client, user).get(reverse("portal:home")).status_code == 403


def test_an_applied_course_offers_no_rating(client, listener):
    enrollment = make_enrollment(listener, make_intake(), state=S.APPLIED)
    text = _as(client, listener.user).get(reverse("portal:courses")).text
    assert reverse("portal:feedback", args=[enrollment.pk]) not in text
