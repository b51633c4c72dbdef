"""The journal's "all present": one click marks a whole session or a whole listener present,
in one transaction, keeping the marks already set; the same checks as a single cell; nobody
outside the institute's staff can use it; and its cost in queries is flat."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from listeners.attendance.services import attendance_mark_present
from listeners.models import Attendance, Mark
from listeners.rules import EnrollmentState as S
from tests.conftest import make_bin, make_enrollment, make_intake, make_listener, make_user
from tests.listeners.attendance.test_attendance_views import journal_url, make_sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(en, methodologist):
    en.force_login(methodologist)
    return en


@pytest.fixture
def en(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def journal(intake, listener, other_listener):
    sessions = make_sessions(intake, hours=(2, 4, 6))
    first = make_enrollment(listener, intake, state=S.ADMITTED)
    second = make_enrollment(other_listener, intake, state=S.ADMITTED)
    return sessions, first, second


def present_url(intake) -> str:
    return reverse("listeners:attendance_present", args=[intake.pk])


def marks() -> dict[tuple[int, int], str]:
    return {(row.enrollment_id, row.session_id): row.mark for row in Attendance.objects.all()}


def test_all_present_for_a_session_marks_the_column_and_keeps_an_absence(
    staff, intake, journal, methodologist
):
    sessions, first, second = journal
    Attendance.objects.create(enrollment=first, session=sessions[0], mark=Mark.ABSENT)
    response = staff.post(present_url(intake), {"session": sessions[0].pk}, follow=True)
    assert response.redirect_chain == [(journal_url(intake), 302)]
    assert "1 cell marked present." in response.content.decode()
    assert marks() == {
        (first.pk, sessions[0].pk): Mark.ABSENT,
        (second.pk, sessions[0].pk): Mark.PRESENT,
    }
    assert Attendance.objects.get(enrollment=second).marked_by == methodologist


def test_all_present_for_a_listener_marks_every_session_of_the_row(
    staff, intake, journal, methodologist
):
    sessions, first, second = journal
    Attendance.objects.create(enrollment=first, session=sessions[1], mark=Mark.EXCUSED)
    response = staff.post(present_url(intake), {"enrollment": first.pk})
    assert response.status_code == 302
    assert marks() == {
        (first.pk, sessions[0].pk): Mark.PRESENT,
        (first.pk, sessions[1].pk): Mark.EXCUSED,
        (first.pk, sessions[2].pk): Mark.PRESENT,
    }
    assert {row.marked_by for row in Attendance.objects.filter(mark=Mark.PRESENT)} == {
        methodologist
    }
    # Again: nothing left to mark, and the page says so.
    response = staff.post(present_url(intake), {"enrollment": first.pk}, follow=True)
    assert "Every cell here was marked already: nothing changed." in response.content.decode()
    assert len(marks()) == 3


def test_with_htmx_the_answer_is_the_new_table_and_what_was_done(staff, intake, journal):
    sessions, first, second = journal
    response = staff.post(
        present_url(intake), {"session": sessions[2].pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<table class="journal" id="journal">')
    assert "<html" not in html
    # Both rows show their new mark, and the share present (6 of 6 hours marked, present).
    for enrollment in (first, second):
        cell = html.split(f'id="cell-{enrollment.pk}-{sessions[2].pk}"', 1)[1]
        assert cell.split("</td>", 1)[0].endswith(">Present</button></form>")
        assert f'<span id="percent-{enrollment.pk}">100%' in html
    assert '<p id="journal-status" class="muted" role="status" hx-swap-oob="true">' in html
    assert "2 cells marked present." in html


def test_an_expelled_listener_is_left_out_of_a_column_and_refused_as_a_row(
    staff, intake, journal, organisation
):
    sessions, first, second = journal
    expelled = make_enrollment(make_listener(organisation), intake, state=S.EXPELLED)
    staff.post(present_url(intake), {"session": sessions[0].pk})
    assert set(marks()) == {(first.pk, sessions[0].pk), (second.pk, sessions[0].pk)}
    response = staff.post(
        present_url(intake), {"enrollment": expelled.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "only admitted listeners are in the journal" in response.content.decode()
    response = staff.post(present_url(intake), {"enrollment": expelled.pk}, follow=True)
    assert "only admitted listeners are in the journal" in response.content.decode()
    assert not Attendance.objects.filter(enrollment=expelled).exists()


def test_a_session_or_listener_of_another_intake_is_404(staff, intake, journal, organisation):
    elsewhere = make_intake()
    (foreign_session,) = make_sessions(elsewhere, hours=(4,))
    stranger = make_enrollment(make_listener(organisation), elsewhere, state=S.ADMITTED)
    assert staff.post(present_url(intake), {"session": foreign_session.pk}).status_code == 404
    assert staff.post(present_url(intake), {"enrollment": stranger.pk}).status_code == 404
    assert staff.post(present_url(intake), {"session": "1; DROP"}).status_code == 404
    assert staff.post(present_url(intake), {}).status_code == 404
    assert not Attendance.objects.exists()


def test_the_service_refuses_a_session_of_another_intake_and_saves_nothing(
    intake, journal, methodologist, english
):
    sessions, first, second = journal
    (foreign,) = make_sessions(make_intake(), hours=(4,))
    with pytest.raises(ValidationError, match="another intake"):
        attendance_mark_present(
            enrollments=[first, second], sessions=[sessions[0], foreign], by=methodologist
        )
    assert not Attendance.objects.exists()


def test_a_district_methodologist_cannot_mark_even_by_a_crafted_post(
    en, intake, journal, district_methodologist, region, organisation
):
    """The district methodologist reads the journal of their own district's people only and
    marks nobody: a POST naming a session, their own district's listener or another
    district's is refused alike."""
    from institute.models import District, Organisation

    sessions, first, _ = journal
    elsewhere = District.objects.create(region=region, name_kk="Басқа", name_ru="Другой")
    other_school = Organisation.objects.create(
        name_kk="№9 мектеп",
        name_ru="Школа №9",
        bin=make_bin(),
        kind="school",
        district=elsewhere,
    )
    outsider = make_enrollment(
        make_listener(other_school, last_name="Басқаауданов"), intake, state=S.ADMITTED
    )
    en.force_login(district_methodologist)
    page = en.get(journal_url(intake)).content.decode()
    assert outsider.listener.full_name not in page and "All present" not in page
    for data in (
        {"session": sessions[0].pk},
        {"enrollment": outsider.pk},
        {"enrollment": first.pk},
    ):
        assert en.post(present_url(intake), data).status_code == 403
        assert en.post(present_url(intake), data, headers={"HX-Request": "true"}).status_code == 403
    assert not Attendance.objects.exists()


def test_listeners_visitors_and_forged_posts_mark_nothing(client, intake, journal, listener):
    sessions, first, _ = journal
    response = client.post(present_url(intake), {"session": sessions[0].pk})
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(listener.user)
    assert client.post(present_url(intake), {"enrollment": first.pk}).status_code == 403
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(make_user("methodologist", "csrf-check"))
    assert checked.get(present_url(intake)).status_code == 405
    assert checked.post(present_url(intake), {"session": sessions[0].pk}).status_code == 403
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("listeners", [5, 40])
def test_all_present_costs_the_same_queries_whatever_the_column(
    staff, intake, organisation, django_assert_max_num_queries, listeners
):
    sessions = make_sessions(intake, hours=(2, 4, 6, 2))
    for i in range(listeners):
        make_enrollment(
            make_listener(organisation, last_name=f"Тыңдаушы {i:02}"), intake, state=S.ADMITTED
        )
    with django_assert_max_num_queries(14):
        response = staff.post(
            present_url(intake), {"session": sessions[1].pk}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert Attendance.objects.filter(session=sessions[1], mark=Mark.PRESENT).count() == listeners
