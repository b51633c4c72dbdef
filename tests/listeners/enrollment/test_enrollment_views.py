"""The enrollments page of an intake: applying by IIN, admission and expulsion by order,
withdrawal and rejection, who may do what, and how many queries the page costs."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses.models import IntakeStatus
from institute.models import Institute
from listeners.enrollment.services import listener_enroll
from listeners.models import Enrollment, EnrollmentTransition, FundingBasis, Listener, Order
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind
from tests.conftest import (
    make_bin,
    make_enrollment,
    make_iin,
    make_intake,
    make_listener,
    make_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(en, methodologist):
    en.force_login(methodologist)
    return en


@pytest.fixture
def institute(db) -> Institute:
    return Institute.objects.create(
        name_kk="Павлодар облыстық біліктілікті арттыру институты",
        name_ru="Павлодарский областной институт повышения квалификации",
        bin=make_bin(),
        head_name="Қ. Жұмабеков",
        head_title_kk="Директор",
        head_title_ru="Директор",
        city_kk="Павлодар",
        city_ru="Павлодар",
    )


def page_url(intake) -> str:
    return reverse("listeners:intake_enrollments", args=[intake.pk])


def add(client, intake, **fields):
    data = {"basis": FundingBasis.STATE_ORDER, "with_work_interruption": "on"} | fields
    return client.post(
        reverse("listeners:enrollment_add", args=[intake.pk]),
        {f"add-{k}": v for k, v in data.items()},
    )


def admit(client, intake, enrollments, number="101", date="2026-03-01"):
    data = {
        "admit-number": number,
        "admit-date": date,
        "admit-head_name": "Қ. Жұмабеков",
        "admit-head_title": "Директор",
        "enrollment": [e.pk for e in enrollments],
    }
    return client.post(reverse("listeners:intake_admit", args=[intake.pk]), data)


def expel(client, enrollment, reason="Missed three weeks without a reason", number="201"):
    data = {
        "expel-number": number,
        "expel-date": "2026-03-05",
        "expel-head_name": "Қ. Жұмабеков",
        "expel-head_title": "Директор",
        "expel-ground": "discipline",
        "expel-reason": reason,
    }
    url = reverse("listeners:enrollment_expel", args=[enrollment.intake_id, enrollment.pk])
    return client.post(url, data)


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_the_intake_seats_and_the_enrollments(staff, intake, organisation):
    make_enrollment(make_listener(organisation, last_name="Сұлтанова"), intake, state=S.ADMITTED)
    make_enrollment(make_listener(organisation, last_name="Petrov"), intake, state=S.APPLIED)
    response = staff.get(page_url(intake))
    html = response.content.decode()
    assert response.status_code == 200
    assert intake.code in html and "Сұлтанова" in html and "Petrov" in html
    assert '<dd class="seats-state">1 / 2</dd>' in html
    assert '<dd class="seats-contract">1 / 1</dd>' in html


def test_the_page_filters_by_state(staff, intake, organisation):
    make_enrollment(make_listener(organisation, last_name="Admittedova"), intake, state=S.ADMITTED)
    make_enrollment(make_listener(organisation, last_name="Appliedov"), intake, state=S.APPLIED)
    html = staff.get(page_url(intake), {"state": "applied"}).content.decode()
    assert "Appliedov" in html and "Admittedova" not in html


@pytest.mark.parametrize("rows", [10, 200])
def test_the_page_costs_the_same_queries_whatever_the_enrollments(
    staff, intake, organisation, rows, django_assert_max_num_queries
):
    states = [S.APPLIED, S.WAITLISTED, S.ADMITTED, S.EXPELLED, S.WITHDRAWN]
    for i in range(rows):
        make_enrollment(make_listener(organisation), intake, state=states[i % len(states)])
    # Session, user, intake, counts by state, page count, the page's rows, institute, next
    # order number, seats (two counts): ten, at 10 rows as at 200.
    with django_assert_max_num_queries(10):
        response = staff.get(page_url(intake))
    assert response.status_code == 200
    assert response.content.decode().count('name="enrollment"') == min(rows, 100) * 2 // 5


# --- adding by IIN --------------------------------------------------------------------------


def test_adding_a_known_iin_finds_the_person_and_keeps_their_record(staff, intake, listener):
    before = Listener.objects.count()
    response = add(staff, intake, iin=listener.iin, last_name="Someone", first_name="Else")
    assert response.status_code == 302
    assert Listener.objects.count() == before
    listener.refresh_from_db()
    assert listener.last_name == "Сұлтанова"
    enrollment = Enrollment.objects.get(listener=listener, intake=intake)
    assert enrollment.state == S.APPLIED
    page = staff.get(response.url).content.decode()
    assert "Сұлтанова Гүлназ" in page and "was not stored" in page


def test_adding_a_new_person_registers_them_and_the_application(
    staff, intake, organisation, methodologist
):
    iin = make_iin(datetime.date(1990, 5, 17), female=True)
    response = add(
        staff,
        intake,
        iin=iin,
        last_name="Әбілқасымова",
        first_name="Үміт",
        organisation=organisation.bin,
        position="Teacher",
        from_other_town="on",
    )
    assert response.status_code == 302
    person = Listener.objects.get(iin=iin)
    assert person.full_name == "Әбілқасымова Үміт" and person.organisation == organisation
    assert person.birth_date == datetime.date(1990, 5, 17)
    enrollment = person.enrollments.get()
    assert enrollment.from_other_town and enrollment.with_work_interruption
    assert enrollment.transitions.get().by == methodologist


def test_a_new_person_with_a_bad_iin_is_refused_and_nothing_is_saved(staff, intake):
    response = add(staff, intake, iin="850314300001", last_name="A", first_name="B")
    assert response.status_code == 400
    assert "check digit" in response.content.decode()
    assert not Listener.objects.filter(last_name="A").exists()
    assert not Enrollment.objects.exists()


def test_a_second_enrollment_of_the_same_person_is_refused(staff, intake, listener):
    make_enrollment(listener, intake)
    response = add(staff, intake, iin=listener.iin)
    assert response.status_code == 400
    assert "has already applied" in response.content.decode()
    assert Enrollment.objects.filter(listener=listener).count() == 1


def test_an_application_to_a_full_intake_goes_to_the_waitlist(staff, organisation):
    intake = make_intake(state_order_seats=1, contract_seats=0)
    make_enrollment(make_listener(organisation), intake, state=S.ADMITTED)
    iin = make_iin()
    response = add(staff, intake, iin=iin, last_name="Late", first_name="Comer")
    enrollment = Enrollment.objects.get(listener__iin=iin)
    assert enrollment.state == S.WAITLISTED
    assert list(enrollment.transitions.values_list("from_state", "to_state")) == [
        ("", S.APPLIED),
        (S.APPLIED, S.WAITLISTED),
    ]
    assert "on the waitlist" in staff.get(response.url).content.decode()


def test_an_organisation_contract_needs_its_customer(staff, intake):
    response = add(
        staff, intake, iin=make_iin(), last_name="A", first_name="B", basis="contract_organisation"
    )
    assert response.status_code == 400
    assert not Listener.objects.filter(last_name="A").exists()


# --- admission by order ---------------------------------------------------------------------


def test_admission_admits_the_selected_and_records_the_order_and_who(
    staff, intake, organisation, methodologist
):
    first = make_enrollment(make_listener(organisation), intake)
    second = make_enrollment(make_listener(organisation), intake, state=S.WAITLISTED)
    left_alone = make_enrollment(make_listener(organisation), intake)
    response = admit(staff, intake, [first, second])
    assert response.status_code == 302
    order = Order.objects.get(number="101")
    assert order.kind == OrderKind.ADMISSION and order.intake == intake
    assert order.created_by == methodologist
    for enrollment in (first, second):
        enrollment.refresh_from_db()
        assert enrollment.state == S.ADMITTED and enrollment.admission_order == order
        row = enrollment.transitions.get(to_state=S.ADMITTED)
        assert row.by == methodologist and row.order == order
    left_alone.refresh_from_db()
    assert left_alone.state == S.APPLIED


def test_admission_beyond_the_seats_saves_nothing_and_says_how_many_are_left(staff, organisation):
    intake = make_intake(state_order_seats=2, contract_seats=1)
    make_enrollment(make_listener(organisation), intake, state=S.ADMITTED)
    applicants = [make_enrollment(make_listener(organisation), intake) for _ in range(2)]
    orders = Order.objects.count()
    response = admit(staff, intake, applicants)
    assert response.status_code == 400
    assert "only 1 state-order seats are left" in response.content.decode()
    assert Order.objects.count() == orders
    assert not EnrollmentTransition.objects.exists()
    assert set(
        Enrollment.objects.filter(pk__in=[a.pk for a in applicants]).values_list("state", flat=True)
    ) == {S.APPLIED}


def test_a_duplicate_order_number_is_refused_beside_the_field(staff, intake, organisation):
    make_order(OrderKind.ADMISSION, number="101", date=datetime.date(2026, 1, 10))
    applicant = make_enrollment(make_listener(organisation), intake)
    response = admit(staff, intake, [applicant])
    assert response.status_code == 400
    assert "already exists this year" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.state == S.APPLIED


def test_a_double_submitted_admission_creates_one_order(staff, intake, organisation):
    applicant = make_enrollment(make_listener(organisation), intake)
    assert admit(staff, intake, [applicant]).status_code == 302
    again = admit(staff, intake, [applicant])
    assert again.status_code == 400
    assert Order.objects.filter(kind=OrderKind.ADMISSION, number="101").count() == 1
    assert applicant.transitions.filter(to_state=S.ADMITTED).count() == 1


def test_an_enrollment_of_another_intake_is_not_admitted(staff, intake, organisation):
    other = make_enrollment(make_listener(organisation), make_intake())
    response = admit(staff, intake, [other])
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.state == S.APPLIED
    assert not Order.objects.exists()


# --- expulsion, withdrawal, rejection -------------------------------------------------------


def test_expulsion_by_order_records_the_ground_reason_and_who(
    staff, intake, listener, methodologist
):
    enrollment = make_enrollment(listener, intake, state=S.ADMITTED)
    assert expel(staff, enrollment).status_code == 302
    enrollment.refresh_from_db()
    order = enrollment.expulsion_order
    assert enrollment.state == S.EXPELLED
    assert order.kind == OrderKind.EXPULSION and order.ground == "discipline"
    assert enrollment.expulsion_reason == "Missed three weeks without a reason"
    assert enrollment.transitions.get(to_state=S.EXPELLED).by == methodologist


def test_expulsion_needs_a_reason(staff, intake, listener):
    enrollment = make_enrollment(listener, intake, state=S.ADMITTED)
    response = expel(staff, enrollment, reason="   ")
    assert response.status_code == 400
    enrollment.refresh_from_db()
    assert enrollment.state == S.ADMITTED
    assert not Order.objects.filter(kind=OrderKind.EXPULSION).exists()


def test_only_an_admitted_listener_can_be_expelled(staff, intake, listener):
    enrollment = make_enrollment(listener, intake, state=S.APPLIED)
    response = expel(staff, enrollment)
    assert response.status_code == 400
    assert "cannot go from" in response.content.decode()
    assert not Order.objects.exists()


def test_an_enrollment_of_another_intake_in_an_intake_url_is_404(staff, intake, listener):
    enrollment = make_enrollment(listener, make_intake(), state=S.ADMITTED)
    url = reverse("listeners:enrollment_withdraw", args=[intake.pk, enrollment.pk])
    assert staff.post(url).status_code == 404


@pytest.mark.parametrize("state", [S.APPLIED, S.WAITLISTED, S.ADMITTED])
def test_withdrawal_at_own_request(staff, intake, listener, methodologist, state):
    enrollment = make_enrollment(listener, intake, state=state)
    url = reverse("listeners:enrollment_withdraw", args=[intake.pk, enrollment.pk])
    assert staff.post(url, {"note": "Moved away"}).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.state == S.WITHDRAWN
    row = enrollment.transitions.get()
    assert row.by == methodologist and row.reason == "Moved away"


def test_rejecting_an_admitted_listener_is_refused(staff, intake, listener):
    enrollment = make_enrollment(listener, intake, state=S.ADMITTED)
    url = reverse("listeners:enrollment_reject", args=[intake.pk, enrollment.pk])
    response = staff.post(url, follow=True)
    assert "cannot go from" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.state == S.ADMITTED


def test_an_application_is_rejected(staff, intake, listener):
    enrollment = make_enrollment(listener, intake, state=S.WAITLISTED)
    url = reverse("listeners:enrollment_reject", args=[intake.pk, enrollment.pk])
    staff.post(url)
    enrollment.refresh_from_db()
    assert enrollment.state == S.REJECTED


# --- who may do what ------------------------------------------------------------------------


def change_urls(intake, enrollment) -> list[str]:
    args = [intake.pk, enrollment.pk]
    return [
        reverse("listeners:enrollment_add", args=[intake.pk]),
        reverse("listeners:intake_admit", args=[intake.pk]),
        reverse("listeners:enrollment_expel", args=args),
        reverse("listeners:enrollment_withdraw", args=args),
        reverse("listeners:enrollment_reject", args=args),
    ]


def test_changes_accept_post_only(staff, intake, listener):
    enrollment = make_enrollment(listener, intake)
    for url in change_urls(intake, enrollment):
        assert staff.get(url).status_code == 405, url


def test_a_district_methodologist_reads_but_changes_nothing(
    en, intake, listener, district_methodologist
):
    enrollment = make_enrollment(listener, intake, state=S.ADMITTED)
    en.force_login(district_methodologist)
    page = en.get(page_url(intake))
    assert page.status_code == 200
    assert "Admit by this order" not in page.content.decode()
    order = enrollment.admission_order
    assert en.get(reverse("listeners:order_pdf", args=[order.pk])).status_code == 200
    for url in change_urls(intake, enrollment):
        assert en.post(url).status_code == 403, url
    enrollment.refresh_from_db()
    assert enrollment.state == S.ADMITTED


def test_a_listener_is_refused_everywhere(en, intake, listener):
    enrollment = make_enrollment(listener, intake)
    en.force_login(listener.user)
    assert en.get(page_url(intake)).status_code == 403
    for url in change_urls(intake, enrollment):
        assert en.post(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(en, intake, listener):
    enrollment = make_enrollment(listener, intake)
    response = en.get(page_url(intake))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for url in change_urls(intake, enrollment):
        response = en.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_changes_need_the_csrf_token(intake, listener, methodologist):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(methodologist)
    enrollment = make_enrollment(listener, intake)
    url = reverse("listeners:enrollment_withdraw", args=[intake.pk, enrollment.pk])
    assert client.post(url).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.state == S.APPLIED


def test_unknown_order_and_unexpelled_reference_are_404(staff, intake, listener):
    enrollment = make_enrollment(listener, intake, state=S.ADMITTED)
    assert staff.get(reverse("listeners:order_pdf", args=[999999])).status_code == 404
    url = reverse("listeners:expulsion_reference_pdf", args=[intake.pk, enrollment.pk])
    assert staff.get(url).status_code == 404


# --- the services behind the page -----------------------------------------------------------


def test_listener_enroll_saves_the_person_and_the_application_together_or_not_at_all(
    intake, methodologist
):
    iin = make_iin()
    with pytest.raises(ValidationError):
        listener_enroll(
            intake=intake,
            iin=iin,
            last_name="Nobody",
            first_name="Saved",
            basis=FundingBasis.CONTRACT_ORGANISATION,
            by=methodologist,
        )
    assert not Listener.objects.filter(iin=iin).exists()
    assert not Enrollment.objects.exists()


def test_a_cancelled_intake_takes_no_applications(staff):
    intake = make_intake(status=IntakeStatus.CANCELLED, cancel_reason="No teacher")
    response = add(staff, intake, iin=make_iin(), last_name="A", first_name="B")
    assert response.status_code == 400
    assert "takes no applications" in response.content.decode()
    assert not Listener.objects.filter(last_name="A").exists()


def test_the_expulsion_form_opens_for_an_admitted_listener(staff, intake, listener):
    enrollment = make_enrollment(listener, intake, state=S.ADMITTED)
    html = staff.get(page_url(intake), {"expel": enrollment.pk}).content.decode()
    action = reverse("listeners:enrollment_expel", args=[intake.pk, enrollment.pk])
    assert f'action="{action}"' in html and 'name="expel-reason"' in html


def test_the_admission_form_suggests_the_next_number_and_the_head(staff, intake, institute):
    make_order(OrderKind.ADMISSION, number="41", date=timezone.localdate())
    html = staff.get(page_url(intake)).content.decode()
    assert 'name="admit-number" value="42"' in html
    assert 'value="Қ. Жұмабеков"' in html


def test_a_refused_admission_keeps_the_selection(staff, intake, organisation):
    make_order(OrderKind.ADMISSION, number="101", date=datetime.date(2026, 2, 1))
    applicant = make_enrollment(make_listener(organisation), intake)
    html = admit(staff, intake, [applicant]).content.decode()
    assert f'value="{applicant.pk}" form="admit" checked' in html


def test_links_of_a_refused_form_lead_back_to_the_page(staff, intake, listener):
    make_enrollment(listener, intake)
    html = add(staff, intake, iin=listener.iin).content.decode()
    assert f'href="{page_url(intake)}?state=applied"' in html
    assert 'href="?' not in html


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_page_opens_in_kazakh_and_russian(client, methodologist, intake, listener, language):
    make_enrollment(listener, intake, state=S.ADMITTED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(methodologist)
    response = client.get(page_url(intake))
    assert response.status_code == 200 and "Сұлтанова Гүлназ" in response.content.decode()
