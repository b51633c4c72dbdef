"""The methodologist's dashboard: who may open it, what it counts, how many queries it costs."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from courses.models import IntakeStatus
from listeners.rules import EnrollmentState as S
from tests.conftest import make_enrollment, make_intake, make_listener, make_programme

pytestmark = pytest.mark.django_db
URL = reverse("listeners:dashboard")


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_listener_is_refused(client, listener):
    client.force_login(listener.user)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("persona", ["methodologist", "administrator", "district_methodologist"])
def test_staff_and_district_methodologists_may_open_it(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 200


def test_home_sends_staff_to_the_dashboard(client, methodologist):
    client.force_login(methodologist)
    assert client.get(reverse("home")).url == URL


def _scene(organisation, rows: int) -> None:
    today = timezone.localdate()
    programme = make_programme()
    for _ in range(rows):
        soon = make_intake(
            programme,
            start_date=today + datetime.timedelta(days=5),
            end_date=today + datetime.timedelta(days=15),
            status=IntakeStatus.OPEN,
        )
        make_enrollment(make_listener(organisation), soon, state=S.APPLIED)
        past = make_intake(
            programme,
            start_date=today - datetime.timedelta(days=20),
            end_date=today - datetime.timedelta(days=2),
            status=IntakeStatus.FINISHED,
        )
        make_enrollment(make_listener(organisation), past, state=S.ADMITTED)
    # Neither starting soon nor waiting: far in the future, nobody applied.
    make_intake(
        programme,
        start_date=today + datetime.timedelta(days=90),
        end_date=today + datetime.timedelta(days=99),
    )


def test_counts_what_needs_attention(client, methodologist, organisation):
    _scene(organisation, 3)
    client.force_login(methodologist)
    counts = client.get(URL).context["counts"]
    assert counts == {
        "starting_soon": 3,
        "in_progress": 0,
        "with_applications": 3,
        "results_due": 3,
        "applications": 3,
    }


@pytest.mark.parametrize("rows", [10, 200])
def test_the_number_of_queries_does_not_grow_with_intakes(
    client, methodologist, organisation, rows, django_assert_max_num_queries
):
    _scene(organisation, rows)
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    # Session, user, four attention counts, the applications, two lists of eight, the
    # documents to issue and their count: the same for 10 intakes or 200.
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert len(response.context["starting_soon"]) == min(rows, 8)


def test_an_administrator_sees_the_appeals_waiting_a_methodologist_does_not(
    client, administrator, methodologist, listener, intake
):
    from listeners.models import Appeal
    from listeners.rules import OrderKind
    from tests.conftest import make_order

    order = make_order(OrderKind.ADMISSION, intake=intake, number="77")
    Appeal.objects.create(listener=listener, order=order, text="Мен қабылданбадым")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(administrator)
    assert "1 appeal waiting for an answer" in client.get(URL).content.decode()
    client.force_login(methodologist)
    assert "waiting for an answer" not in client.get(URL).content.decode()
