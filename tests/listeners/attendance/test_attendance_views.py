"""The attendance journal of an intake: one click marks a cell in place, the share present
is counted by hours, only admitted listeners are in it, and its cost in queries is flat."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from playwright.sync_api import expect

from courses.models import Session
from listeners.attendance.services import attendance_mark
from listeners.models import Attendance, Mark
from listeners.rules import EnrollmentState as S
from tests.conftest import browser_page, make_enrollment, make_intake, make_listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(en, methodologist):
    en.force_login(methodologist)
    return en


def make_sessions(intake, hours=(2, 6)) -> list[Session]:
    return [
        Session.objects.create(
            intake=intake,
            date=intake.start_date + datetime.timedelta(days=i),
            topic=f"Тақырып {i}",
            hours=h,
        )
        for i, h in enumerate(hours)
    ]


@pytest.fixture
def journal(intake, listener, other_listener):
    sessions = make_sessions(intake)
    first = make_enrollment(listener, intake, state=S.ADMITTED)
    second = make_enrollment(other_listener, intake, state=S.ADMITTED)
    return sessions, first, second


def journal_url(intake) -> str:
    return reverse("listeners:attendance", args=[intake.pk])


def mark_url(intake) -> str:
    return reverse("listeners:attendance_mark", args=[intake.pk])


def mark(client, enrollment, session, value, *, intake=None, **headers):
    return client.post(
        mark_url(intake or enrollment.intake),
        {"enrollment": enrollment.pk, "session": session.pk, "mark": value},
        headers=headers,
    )


def test_the_journal_shows_sessions_listeners_and_marks(staff, intake, journal):
    sessions, first, second = journal
    Attendance.objects.create(enrollment=first, session=sessions[0], mark=Mark.PRESENT)
    response = staff.get(journal_url(intake))
    assert response.status_code == 200
    html = response.content.decode()
    assert first.listener.full_name in html and second.listener.full_name in html
    assert sessions[0].date.strftime("%d.%m") in html
    assert f'id="cell-{first.pk}-{sessions[0].pk}"' in html
    assert "Present" in html and "not marked" in html
    assert f'hx-post="{mark_url(intake)}"' in html


def test_marking_creates_one_row_then_updates_it(staff, intake, journal, methodologist):
    sessions, first, _ = journal
    response = mark(staff, first, sessions[0], Mark.PRESENT)
    assert response.status_code == 302
    assert response["Location"] == journal_url(intake)
    response = mark(staff, first, sessions[0], Mark.ABSENT)
    assert response.status_code == 302
    row = Attendance.objects.get()
    assert (row.enrollment, row.session, row.mark) == (first, sessions[0], Mark.ABSENT)
    assert row.marked_by == methodologist


def test_with_htmx_the_answer_is_only_the_new_cell(staff, intake, journal):
    sessions, first, _ = journal
    response = mark(staff, first, sessions[1], Mark.PRESENT, HX_Request="true")
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith(f'<td class="mark" id="cell-{first.pk}-{sessions[1].pk}">')
    assert "<html" not in html and "<table" not in html
    assert ">Present</button>" in html
    # The next click moves the cell on to "absent".
    assert f'name="mark" value="{Mark.ABSENT}"' in html
    # The row's share present comes along out of band: 6 of 6 hours marked.
    assert f'id="percent-{first.pk}" hx-swap-oob="true"' in html
    assert "100%" in html
    assert Attendance.objects.get(enrollment=first, session=sessions[1]).mark == Mark.PRESENT


def test_the_share_present_is_counted_by_hours(staff, intake, journal):
    sessions, first, second = journal
    Attendance.objects.create(enrollment=first, session=sessions[0], mark=Mark.PRESENT)
    Attendance.objects.create(enrollment=first, session=sessions[1], mark=Mark.ABSENT)
    response = staff.get(journal_url(intake))
    html = response.content.decode()
    # 2 of 2 + 6 hours present: 25 %, not 50 % as counting sessions would say.
    assert f'<span id="percent-{first.pk}">25%' in html
    assert f'<span id="percent-{second.pk}">—' in html


def test_applicants_and_withdrawn_are_not_in_the_journal(staff, intake, journal, organisation):
    sessions, *_ = journal
    applied = make_enrollment(make_listener(organisation, last_name="Өтінішбеков"), intake)
    withdrawn = make_enrollment(
        make_listener(organisation, last_name="Кеткенов"), intake, state=S.WITHDRAWN
    )
    html = staff.get(journal_url(intake)).content.decode()
    assert "Өтінішбеков" not in html and "Кеткенов" not in html
    for enrollment in (applied, withdrawn):
        response = mark(staff, enrollment, sessions[0], Mark.PRESENT)
        assert response.status_code == 302
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("state", [S.APPLIED, S.WITHDRAWN, S.EXPELLED])
def test_the_service_refuses_a_listener_not_admitted(
    intake, organisation, methodologist, english, state
):
    (session,) = make_sessions(intake, hours=(2,))
    enrollment = make_enrollment(make_listener(organisation), intake, state=state)
    with pytest.raises(ValidationError, match="only admitted listeners are in the journal"):
        attendance_mark(enrollment=enrollment, session=session, mark=Mark.PRESENT, by=methodologist)
    assert not Attendance.objects.exists()


def test_a_session_of_another_intake_is_refused(staff, intake, journal, methodologist, english):
    _, first, _ = journal
    (elsewhere,) = make_sessions(make_intake(), hours=(4,))
    with pytest.raises(ValidationError, match="another intake"):
        attendance_mark(enrollment=first, session=elsewhere, mark=Mark.PRESENT, by=methodologist)
    response = mark(staff, first, elsewhere, Mark.PRESENT, HX_Request="true")
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_an_enrollment_of_another_intake_is_404(staff, intake, journal, organisation):
    sessions, *_ = journal
    stranger = make_enrollment(make_listener(organisation), make_intake(), state=S.ADMITTED)
    assert mark(staff, stranger, sessions[0], Mark.PRESENT, intake=intake).status_code == 404
    response = staff.post(mark_url(intake), {"enrollment": "x", "session": sessions[0].pk})
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_an_unknown_mark_is_refused(staff, intake, journal):
    sessions, first, _ = journal
    assert mark(staff, first, sessions[0], "asleep", HX_Request="true").status_code == 400
    assert not Attendance.objects.exists()


def test_a_district_methodologist_reads_the_journal_but_cannot_mark(
    en, intake, journal, district_methodologist
):
    sessions, first, _ = journal
    en.force_login(district_methodologist)
    response = en.get(journal_url(intake))
    assert response.status_code == 200
    assert first.listener.full_name in response.content.decode()
    assert "<button" not in response.content.decode().split("<main", 1)[1]
    assert mark(en, first, sessions[0], Mark.PRESENT).status_code == 403
    assert not Attendance.objects.exists()


def test_listeners_and_visitors_do_not_enter(client, intake, journal, listener):
    sessions, first, _ = journal
    response = mark(client, first, sessions[0], Mark.PRESENT)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(journal_url(intake)).status_code == 302
    client.force_login(listener.user)
    assert client.get(journal_url(intake)).status_code == 403
    assert mark(client, first, sessions[0], Mark.PRESENT).status_code == 403
    assert not Attendance.objects.exists()


def test_marking_is_post_only_and_needs_the_csrf_token(intake, journal, methodologist):
    from django.test import Client

    sessions, first, _ = journal
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(methodologist)
    assert checked.get(mark_url(intake)).status_code == 405
    assert mark(checked, first, sessions[0], Mark.PRESENT).status_code == 403
    assert not Attendance.objects.exists()


def test_an_unknown_intake_is_404(staff):
    assert staff.get(reverse("listeners:attendance", args=[999999])).status_code == 404


@pytest.mark.parametrize("listeners", [10, 60])
def test_the_journal_costs_the_same_queries_whatever_its_size(
    staff, intake, organisation, methodologist, django_assert_max_num_queries, listeners
):
    sessions = make_sessions(intake, hours=(2, 2, 4, 4, 6))
    for i in range(listeners):
        enrollment = make_enrollment(
            make_listener(organisation, last_name=f"Тыңдаушы {i:02}"), intake, state=S.ADMITTED
        )
        for session in sessions[: i % 5]:
            Attendance.objects.create(enrollment=enrollment, session=session, mark=Mark.PRESENT)
    with django_assert_max_num_queries(8):
        response = staff.get(journal_url(intake))
    assert response.status_code == 200
    assert response.content.decode().count('class="mark"') == listeners * 5


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_click_marks_the_cell_in_place(browser, live_server, methodologist, intake, journal):
    sessions, first, _ = journal
    page = browser_page(browser, live_server, methodologist)
    page.goto(live_server.url + journal_url(intake))
    page.evaluate("window.notReloaded = true")
    cell = page.locator(f"#cell-{first.pk}-{sessions[0].pk}")
    assert cell.inner_text().strip() == "not marked"
    cell.get_by_role("button").click()
    # expect() rather than wait_for_function: the page's CSP forbids eval().
    expect(page.locator(f"#cell-{first.pk}-{sessions[0].pk}")).to_have_text(
        "Present", use_inner_text=True
    )
    assert page.evaluate("window.notReloaded") is True
    assert page.locator(f"#percent-{first.pk}").inner_text().strip() == "100%"
    assert Attendance.objects.get(enrollment=first, session=sessions[0]).mark == Mark.PRESENT
    page.context.close()
