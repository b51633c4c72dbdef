"""The intakes of the workspace: who may use them, what the list finds and counts, creating
and editing under the seat and date rules, sessions with their hours, cancelling."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from courses.models import Intake, IntakeStatus, Session
from courses.rules import ProgrammeKind
from institute.models import Field, Role, Teacher
from listeners.models import Attendance, FundingBasis
from listeners.rules import EnrollmentState as S
from tests.conftest import make_enrollment, make_intake, make_listener, make_programme, make_user

pytestmark = pytest.mark.django_db
LIST = reverse("courses:intake_list")
CREATE = reverse("courses:intake_create")


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def teacher(db) -> Teacher:
    field = Field.objects.create(
        code="01", name_kk="Педагогика", name_ru="Педагогика", university_norm=10
    )
    return Teacher.objects.create(last_name="Серікова", first_name="Айгүл", field=field)


def _form(programme, **overrides) -> dict:
    data = {
        "programme": programme.pk,
        "code": "2026-UPG-01",
        "start_date": "2026-12-01",
        "end_date": "2026-12-12",
        "language": "kk",
        "place": "institute",
        "branch": "",
        "district": "",
        "with_work_interruption": "on",
        "capacity": "25",
        "state_order_seats": "20",
        "contract_seats": "5",
        "state_order_reference": "ГЗ-2026/14",
    }
    data.update(overrides)
    return data


def _detail(intake: Intake) -> str:
    return reverse("courses:intake_detail", args=[intake.pk])


# --- who may do what -------------------------------------------------------------------------


def _read_urls(intake: Intake) -> list[str]:
    return [LIST, _detail(intake)]


def _change_urls(intake: Intake) -> list[str]:
    return [CREATE, reverse("courses:intake_edit", args=[intake.pk])]


def _post_urls(intake: Intake) -> list[str]:
    return [
        reverse("courses:intake_cancel", args=[intake.pk]),
        reverse("courses:session_add", args=[intake.pk]),
    ]


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, intake):
    for url in _read_urls(intake) + _change_urls(intake):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))
    session = Session.objects.create(intake=intake, date=intake.start_date, topic="A", hours=2)
    remove = reverse("courses:session_remove", args=[intake.pk, session.pk])
    for url in _post_urls(intake) + [remove]:
        assert client.post(url, {"reason": "x"}).url.startswith(reverse("login"))
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.PLANNED
    assert Session.objects.count() == 1


def test_a_listener_is_refused_everywhere(client, listener, intake):
    client.force_login(listener.user)
    for url in _read_urls(intake) + _change_urls(intake):
        assert client.get(url).status_code == 403, url
    session = Session.objects.create(intake=intake, date=intake.start_date, topic="A", hours=2)
    remove = reverse("courses:session_remove", args=[intake.pk, session.pk])
    for url in _post_urls(intake) + [remove]:
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    assert Session.objects.count() == 1


def test_a_district_methodologist_reads_but_changes_nothing(client, district_methodologist):
    intake = make_intake(code="KEEP")
    session = Session.objects.create(intake=intake, date=intake.start_date, topic="A", hours=2)
    client.force_login(district_methodologist)
    for url in _read_urls(intake):
        assert client.get(url).status_code == 200, url
    for url in _change_urls(intake):
        assert client.get(url).status_code == 403, url
    assert client.post(CREATE, _form(intake.programme)).status_code == 403
    edit = reverse("courses:intake_edit", args=[intake.pk])
    assert client.post(edit, _form(intake.programme, code="KEEP")).status_code == 403
    cancel = reverse("courses:intake_cancel", args=[intake.pk])
    assert client.post(cancel, {"reason": "No teacher"}).status_code == 403
    add = reverse("courses:session_add", args=[intake.pk])
    data = {"session-date": "2026-03-03", "session-topic": "B", "session-hours": "2"}
    assert client.post(add, data).status_code == 403
    remove = reverse("courses:session_remove", args=[intake.pk, session.pk])
    assert client.post(remove).status_code == 403
    page = client.get(_detail(intake)).content.decode()
    assert cancel not in page and add not in page and edit not in page
    intake.refresh_from_db()
    assert (intake.status, intake.capacity) == (IntakeStatus.PLANNED, 3)
    assert list(Intake.objects.values_list("code", flat=True)) == ["KEEP"]
    assert list(Session.objects.all()) == [session]


@pytest.mark.parametrize("persona", ["methodologist", "administrator"])
def test_staff_may_open_every_page(client, request, persona, intake):
    client.force_login(request.getfixturevalue(persona))
    for url in _read_urls(intake) + _change_urls(intake):
        assert client.get(url).status_code == 200, url


def test_changes_need_a_post(client, methodologist, intake):
    client.force_login(methodologist)
    session = Session.objects.create(intake=intake, date=intake.start_date, topic="A", hours=2)
    remove = reverse("courses:session_remove", args=[intake.pk, session.pk])
    for url in _post_urls(intake) + [remove]:
        assert client.get(url).status_code == 405, url
    assert Session.objects.count() == 1


def test_unknown_ids_are_404(client, methodologist, intake):
    client.force_login(methodologist)
    assert client.get(reverse("courses:intake_detail", args=[999])).status_code == 404
    assert client.get(reverse("courses:intake_edit", args=[999])).status_code == 404
    cancel = reverse("courses:intake_cancel", args=[999])
    assert client.post(cancel, {"reason": "x"}).status_code == 404
    remove = reverse("courses:session_remove", args=[intake.pk, 999])
    assert client.post(remove).status_code == 404


# --- the list ----------------------------------------------------------------------------------


def _codes(response) -> list[str]:
    return sorted(intake.code for intake in response.context["page"])


def test_search_by_code_and_programme(client, methodologist):
    maths = make_programme(code="MATH", title_kk="Математика", title_ru="Математика")
    history = make_programme(code="HIST", title_kk="Тарих", title_ru="История")
    make_intake(maths, code="2026-M-1")
    make_intake(history, code="2026-H-1")
    client.force_login(methodologist)
    assert _codes(client.get(LIST, {"q": "m-1"})) == ["2026-M-1"]
    assert _codes(client.get(LIST, {"q": "hist"})) == ["2026-H-1"]
    assert _codes(client.get(LIST, {"q": "ИСТОРИЯ"})) == ["2026-H-1"]


def test_month_filter_finds_intakes_running_during_the_month(client, methodologist):
    day = datetime.date
    make_intake(code="FEB-MAR", start_date=day(2026, 2, 20), end_date=day(2026, 3, 5))
    make_intake(code="MARCH", start_date=day(2026, 3, 2), end_date=day(2026, 3, 13))
    make_intake(code="ACROSS", start_date=day(2026, 1, 10), end_date=day(2026, 5, 10))
    make_intake(code="APRIL", start_date=day(2026, 4, 1), end_date=day(2026, 4, 10))
    client.force_login(methodologist)
    assert _codes(client.get(LIST, {"month": "2026-03"})) == ["ACROSS", "FEB-MAR", "MARCH"]
    assert _codes(client.get(LIST, {"month": "2026-02"})) == ["ACROSS", "FEB-MAR"]


def test_status_filter(client, methodologist):
    make_intake(code="OPEN", status=IntakeStatus.OPEN)
    make_intake(code="PLANNED")
    client.force_login(methodologist)
    assert _codes(client.get(LIST, {"status": "open"})) == ["OPEN"]


def _attention_scene(organisation) -> None:
    today = timezone.localdate()
    days = datetime.timedelta
    make_intake(code="SOON", start_date=today + days(5), end_date=today + days(15))
    make_intake(code="LATER", start_date=today + days(40), end_date=today + days(50))
    make_intake(code="RUNNING", start_date=today - days(2), end_date=today + days(3))
    waiting = make_intake(code="WAITING", start_date=today + days(60), end_date=today + days(70))
    make_enrollment(make_listener(organisation), waiting, state=S.WAITLISTED)
    ended = make_intake(code="ENDED", start_date=today - days(20), end_date=today - days(2))
    make_enrollment(make_listener(organisation), ended, state=S.ADMITTED)
    recorded = make_intake(code="RECORDED", start_date=today - days(20), end_date=today - days(2))
    make_enrollment(make_listener(organisation), recorded, state=S.COMPLETED)
    make_intake(
        code="CALLED-OFF",
        start_date=today + days(3),
        end_date=today + days(9),
        status=IntakeStatus.CANCELLED,
        cancel_reason="No teacher",
    )


@pytest.mark.parametrize(
    ("attention", "codes"),
    [
        ("starting_soon", ["SOON"]),
        ("in_progress", ["RUNNING"]),
        ("applications", ["WAITING"]),
        ("results", ["ENDED"]),
    ],
)
def test_the_dashboards_attention_filters(client, methodologist, organisation, attention, codes):
    _attention_scene(organisation)
    client.force_login(methodologist)
    assert _codes(client.get(LIST, {"attention": attention})) == codes


def test_an_unknown_filter_value_is_shown_as_an_error_and_filters_nothing(en, methodologist):
    make_intake(code="ONE")
    en.force_login(methodologist)
    response = en.get(LIST, {"month": "March", "attention": "nonsense"})
    assert response.status_code == 200
    assert _codes(response) == ["ONE"]
    assert "errorlist" in response.content.decode()


def test_seats_taken_are_counted_by_funding_kind(en, methodologist, organisation):
    intake = make_intake(code="SEATS", state_order_seats=3, contract_seats=2)
    for state in (S.ADMITTED, S.COMPLETED, S.APPLIED, S.WITHDRAWN):
        make_enrollment(make_listener(organisation), intake, state=state)
    make_enrollment(
        make_listener(organisation),
        intake,
        state=S.FAILED,
        basis=FundingBasis.CONTRACT_PERSON,
        contract_number="C-1",
    )
    en.force_login(methodologist)
    response = en.get(LIST)
    row = response.context["page"][0]
    assert (row.state_taken, row.contract_taken) == (2, 1)
    assert "2 / 3" in response.content.decode() and "1 / 2" in response.content.decode()


@pytest.mark.parametrize("rows", [10, 200])
def test_the_number_of_queries_does_not_grow_with_intakes(
    client, methodologist, organisation, rows, django_assert_max_num_queries
):
    programme = make_programme()
    for _ in range(rows):
        intake = make_intake(programme)
        make_enrollment(make_listener(organisation), intake, state=S.ADMITTED)
    client.force_login(methodologist)
    with django_assert_max_num_queries(5):
        response = client.get(LIST, {"q": "I-"})
    assert len(response.context["page"]) == min(rows, 50)


# --- create and edit ---------------------------------------------------------------------------


def test_a_methodologist_creates_an_intake_of_a_programme(client, methodologist, teacher):
    programme = make_programme(code="UPG")
    client.force_login(methodologist)
    data = _form(programme, teachers=[teacher.pk], methodologist=methodologist.pk)
    response = client.post(CREATE, data)
    intake = Intake.objects.get(code="2026-UPG-01")
    assert response.url == _detail(intake)
    assert (intake.programme, intake.capacity, intake.state_order_seats) == (programme, 25, 20)
    assert list(intake.teachers.all()) == [teacher]
    assert intake.methodologist == methodologist


def test_the_programme_is_preselected_and_its_defaults_offered(en, methodologist):
    programme = make_programme(code="PRE", language="ru", with_work_interruption=False)
    en.force_login(methodologist)
    form = en.get(CREATE, {"programme": programme.pk}).context["form"]
    assert form["programme"].value() == programme.pk
    assert form["language"].value() == "ru"
    assert form["with_work_interruption"].value() is False


def test_archived_programmes_are_not_offered(en, methodologist):
    active = make_programme(code="ACTIVE")
    archived = make_programme(code="ARCHIVED", is_active=False)
    en.force_login(methodologist)
    form = en.get(CREATE, {"programme": archived.pk}).context["form"]
    assert list(form.fields["programme"].queryset) == [active]
    response = en.post(CREATE, _form(archived))
    assert "programme" in response.context["form"].errors
    assert not Intake.objects.exists()


def test_only_methodologists_are_offered_as_the_one_in_charge(en, methodologist, administrator):
    other = make_user(Role.METHODOLOGIST, "second", first_name="Дина", last_name="Әлиева")
    en.force_login(methodologist)
    form = en.get(CREATE).context["form"]
    assert set(form.fields["methodologist"].queryset) == {methodologist, other}


def test_seats_not_adding_up_are_refused_beside_the_capacity(en, methodologist, programme):
    en.force_login(methodologist)
    response = en.post(CREATE, _form(programme, state_order_seats="20", contract_seats="3"))
    assert response.status_code == 200
    error = response.context["form"].errors["capacity"][0]
    assert "must add up to the capacity (25), §14" in error
    assert not Intake.objects.exists()


def test_an_internship_intake_over_two_years_is_refused(en, methodologist):
    internship = make_programme(ProgrammeKind.INTERNSHIP, hours=40, duration_days=700)
    en.force_login(methodologist)
    data = _form(internship, start_date="2026-01-10", end_date="2028-01-10")
    response = en.post(CREATE, data)
    assert "§10.2" in response.context["form"].errors["end_date"][0]
    assert not Intake.objects.exists()


def test_a_district_place_needs_the_district(en, methodologist, programme):
    en.force_login(methodologist)
    response = en.post(CREATE, _form(programme, place="district"))
    assert response.context["form"].errors["district"]
    assert not Intake.objects.exists()


def test_a_double_submitted_create_creates_one_intake(en, methodologist, programme):
    en.force_login(methodologist)
    assert en.post(CREATE, _form(programme)).status_code == 302
    again = en.post(CREATE, _form(programme))
    assert "already exists" in again.context["form"].errors["code"][0]
    assert Intake.objects.filter(code="2026-UPG-01").count() == 1


def test_editing_an_intake_keeps_its_programme(client, methodologist):
    intake = make_intake(code="EDIT-ME")
    other = make_programme(code="OTHER")
    client.force_login(methodologist)
    data = _form(other, code="EDIT-ME", capacity="30", state_order_seats="10")
    data["contract_seats"] = "20"
    response = client.post(reverse("courses:intake_edit", args=[intake.pk]), data)
    assert response.url == _detail(intake)
    programme = intake.programme
    intake.refresh_from_db()
    assert (intake.programme, intake.capacity, intake.contract_seats) == (programme, 30, 20)


def test_editing_with_seats_not_adding_up_saves_nothing(en, methodologist, intake):
    en.force_login(methodologist)
    data = _form(intake.programme, code=intake.code, capacity="40")
    response = en.post(reverse("courses:intake_edit", args=[intake.pk]), data)
    assert "§14" in response.context["form"].errors["capacity"][0]
    intake.refresh_from_db()
    assert intake.capacity == 3


# --- detail and sessions -----------------------------------------------------------------------


def test_the_detail_shows_staff_sessions_and_links(en, methodologist, teacher):
    intake = make_intake(make_programme(hours=4), methodologist=methodologist)
    intake.teachers.add(teacher)
    Session.objects.create(intake=intake, date=intake.start_date, topic="Кіріспе", hours=4)
    en.force_login(methodologist)
    response = en.get(_detail(intake))
    page = response.content.decode()
    assert "Серікова Айгүл" in page and "Кіріспе" in page
    assert reverse("listeners:intake_enrollments", args=[intake.pk]) in page
    assert response.context["total_hours"] == 4
    assert response.context["hours_warning"] == ""


def test_a_session_inside_the_dates_is_added_and_the_sum_shown(en, methodologist, teacher):
    intake = make_intake(make_programme(hours=72))
    en.force_login(methodologist)
    url = reverse("courses:session_add", args=[intake.pk])
    data = {
        "session-date": "2026-03-03",
        "session-topic": "Бағалау",
        "session-hours": "6",
        "session-teacher": teacher.pk,
    }
    response = en.post(url, data, follow=True)
    session = Session.objects.get(intake=intake)
    assert (session.topic, session.hours, session.teacher) == ("Бағалау", 6, teacher)
    assert response.context["total_hours"] == 6
    page = response.content.decode()
    assert "Sessions add up to 6 h of the programme's 72 h." in page
    assert "66 h still to plan" in page
    # Said once, not twice (the badge repeated the sentence).
    assert "The sessions add up to" not in page


def test_a_session_outside_the_dates_is_refused(en, methodologist, intake):
    en.force_login(methodologist)
    url = reverse("courses:session_add", args=[intake.pk])
    data = {"session-date": "2026-04-01", "session-topic": "Late", "session-hours": "2"}
    response = en.post(url, data)
    assert response.status_code == 200
    errors = response.context["session_form"].errors["date"]
    assert errors == ["The session falls outside the intake's dates."]
    assert not Session.objects.exists()


def test_a_session_is_removed(client, methodologist, intake):
    kept = Session.objects.create(intake=intake, date=intake.start_date, topic="A", hours=2)
    gone = Session.objects.create(intake=intake, date=intake.start_date, topic="B", hours=3)
    client.force_login(methodologist)
    response = client.post(reverse("courses:session_remove", args=[intake.pk, gone.pk]))
    assert response.url == _detail(intake)
    assert list(Session.objects.all()) == [kept]


def test_a_session_with_attendance_marked_is_kept(en, methodologist, intake, organisation):
    session = Session.objects.create(intake=intake, date=intake.start_date, topic="A", hours=2)
    enrollment = make_enrollment(make_listener(organisation), intake, state=S.ADMITTED)
    Attendance.objects.create(enrollment=enrollment, session=session, mark="present")
    en.force_login(methodologist)
    url = reverse("courses:session_remove", args=[intake.pk, session.pk])
    response = en.post(url, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Attendance is marked for the session of 02.03.2026: it stays in the journal."
    ]
    assert Session.objects.filter(pk=session.pk).exists()
    assert Attendance.objects.filter(session=session).count() == 1


def test_a_session_of_another_intake_is_not_removed_through_this_one(client, methodologist):
    first, second = make_intake(), make_intake()
    session = Session.objects.create(intake=second, date=second.start_date, topic="A", hours=2)
    client.force_login(methodologist)
    url = reverse("courses:session_remove", args=[first.pk, session.pk])
    assert client.post(url).status_code == 404
    assert Session.objects.filter(pk=session.pk).exists()


# --- cancelling --------------------------------------------------------------------------------


def test_cancelling_records_the_reason(client, methodologist, intake):
    client.force_login(methodologist)
    url = reverse("courses:intake_cancel", args=[intake.pk])
    response = client.post(url, {"reason": "  Not enough applicants  "})
    assert response.url == _detail(intake)
    intake.refresh_from_db()
    assert (intake.status, intake.cancel_reason) == ("cancelled", "Not enough applicants")


def test_cancelling_needs_a_reason(en, methodologist, intake):
    en.force_login(methodologist)
    response = en.post(reverse("courses:intake_cancel", args=[intake.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["cancel_form"].errors["reason"]
    intake.refresh_from_db()
    assert (intake.status, intake.cancel_reason) == ("planned", "")


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        (IntakeStatus.FINISHED, "", "Intake I-X is finished: it can no longer be cancelled."),
        (IntakeStatus.CANCELLED, "Earlier", "Intake I-X is already cancelled."),
    ],
)
def test_a_finished_or_cancelled_intake_is_not_cancelled(
    en, methodologist, status, reason, message
):
    intake = make_intake(code="I-X", status=status, cancel_reason=reason)
    en.force_login(methodologist)
    url = reverse("courses:intake_cancel", args=[intake.pk])
    response = en.post(url, {"reason": "Again"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [message]
    intake.refresh_from_db()
    assert (intake.status, intake.cancel_reason) == (status, reason)


# --- staffing (§23) ------------------------------------------------------------------------


def test_the_intake_page_warns_when_planning_breaks_the_staffing_norm(en, methodologist, teacher):
    """Norm 10 → limit 7.5 listeners per teacher, counted as the average yearly contingent
    (§23): intakes that run all year bring as many as their seats. One teacher: 6 seats
    pass, 8 do not."""
    programme = make_programme(code="PED", field=teacher.field)
    year = {"start_date": datetime.date(2026, 1, 5), "end_date": datetime.date(2026, 12, 31)}
    first = make_intake(programme, state_order_seats=4, contract_seats=2, **year)
    en.force_login(methodologist)
    url = reverse("courses:intake_detail", args=[first.pk])
    assert "Staffing (§23)" not in en.get(url).content.decode()

    make_intake(programme, state_order_seats=2, contract_seats=0, **year)
    page = en.get(url).content.decode()
    # 8 seats × 361 days of 365: 7.91 listeners on an average day, for one teacher.
    assert "bring 7.91 listeners per teacher (seats: 8, teachers: 1)" in page
    assert "above the limit of 7.50" in page

    # A cancelled intake plans nothing.
    Intake.objects.filter(pk=first.pk).update(
        status=IntakeStatus.CANCELLED, cancel_reason="Тыңдаушылар жоқ"
    )
    assert "Staffing (§23)" not in en.get(url).content.decode()


def test_a_field_without_teachers_is_warned_about(en, methodologist):
    field = Field.objects.create(code="02", name_kk="Өнер", name_ru="Искусство", university_norm=8)
    intake = make_intake(make_programme(code="ART", field=field))
    en.force_login(methodologist)
    page = en.get(reverse("courses:intake_detail", args=[intake.pk])).content.decode()
    assert "has no active teacher for the 3 seats planned in 2026" in page
