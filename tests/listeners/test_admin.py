"""The back-office for listeners, orders and enrollments: identity is read from the IIN, a
state changes only through the service (and is refused with the rule's message), and nothing
the regulation keeps can be deleted."""

import datetime

import pytest
from django import forms
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Intake
from institute.models import District, Organisation
from listeners.enrollment.services import enrollment_apply, enrollment_change_state
from listeners.models import (
    Enrollment,
    EnrollmentTransition,
    ExternalUpgrade,
    FundingBasis,
    Listener,
    Order,
)
from listeners.rules import EnrollmentState, OrderKind, Sex
from tests.conftest import make_bin, make_iin, make_intake, make_listener, make_order


@pytest.fixture
def back_office(client: Client, administrator) -> Client:
    """The administrator signed in to the back-office, reading it in English."""
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # as the language switch sets it
    return client


def posted_back(response: HttpResponse, **fields: object) -> dict[str, object]:
    """What a browser posts from an admin change page (its form and inlines as shown), with
    `fields` filled in."""
    data: dict[str, object] = {}
    form = response.context["adminform"].form
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = bound.value()
        for inline_form in formset.forms:
            for bound in inline_form.hidden_fields():
                if bound.value() is not None:
                    data[bound.html_name] = bound.value()
    data.update(fields)
    return data


def listener_data(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "iin": "871008401427",
        "passport_number": "",
        "citizenship": "KZ",
        "last_name": "Омарова",
        "first_name": "Айгерім",
        "patronymic": "",
        "organisation": "",
        "position": "",
        "subject": "",
        "employment_start": "",
        "email": "",
        "phone": "",
        "user": "",
    }
    data.update(fields)
    return data


def enrollment_data(listener: Listener, intake: Intake, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "listener": listener.pk,
        "intake": intake.pk,
        "basis": FundingBasis.STATE_ORDER,
        "state_order_reference": "",
        "customer": "",
        "contract_number": "",
        "price": "",
        "with_work_interruption": "on",
    }
    data.update(fields)
    return data


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def new_organisation(district: District, n: int) -> Organisation:
    return Organisation.objects.create(
        name_kk=f"№{n} мектеп",
        name_ru=f"Школа №{n}",
        bin=make_bin(),
        kind="school",
        district=district,
    )


# --- listeners ---------------------------------------------------------------------------------


def test_a_listener_with_an_invalid_iin_is_refused(back_office):
    response = back_office.post(
        reverse("admin:listeners_listener_add"), listener_data(iin="871008401428")
    )

    assert response.status_code == 200
    message = response.context["adminform"].form.errors["iin"][0]
    assert message == "IIN 871008401428 has a wrong check digit: it was probably mistyped."
    assert not Listener.objects.exists()


def test_a_listener_without_iin_or_foreign_passport_is_refused(back_office):
    response = back_office.post(reverse("admin:listeners_listener_add"), listener_data(iin=""))

    assert response.status_code == 200
    assert "§16" in response.context["adminform"].form.errors["iin"][0]
    assert not Listener.objects.exists()


def test_birth_date_and_sex_are_read_from_the_iin(back_office, organisation):
    response = back_office.post(
        reverse("admin:listeners_listener_add"),
        listener_data(organisation=organisation.pk, sex=Sex.MALE, birth_date="2000-01-01"),
    )

    assert response.status_code == 302
    listener = Listener.objects.get(iin="871008401427")
    assert listener.birth_date == datetime.date(1987, 10, 8)
    assert listener.sex == Sex.FEMALE
    assert listener.organisation == organisation


def test_listeners_are_found_by_iin_and_by_name(back_office, listener, other_listener):
    url = reverse("admin:listeners_listener_changelist")

    by_iin = back_office.get(url, {"q": listener.iin}).context["cl"].result_list
    by_name = back_office.get(url, {"q": "Иванов Пётр"}).context["cl"].result_list

    assert list(by_iin) == [listener]
    assert list(by_name) == [other_listener]


def test_listeners_are_filtered_by_region_district_and_organisation(
    back_office, listener, district, region
):
    elsewhere = District.objects.create(region=region, name_kk="Басқа", name_ru="Другой")
    away = make_listener(new_organisation(elsewhere, 2), last_name="Жанова")
    url = reverse("admin:listeners_listener_changelist")

    in_region = back_office.get(url, {"organisation__district__region__id__exact": region.pk})
    in_district = back_office.get(url, {"organisation__district__id__exact": elsewhere.pk})
    at_school = back_office.get(url, {"organisation__id__exact": listener.organisation_id})

    assert set(in_region.context["cl"].result_list) == {listener, away}
    assert list(in_district.context["cl"].result_list) == [away]
    assert list(at_school.context["cl"].result_list) == [listener]


def test_listeners_are_filtered_by_the_five_year_rule(back_office, organisation):
    overdue = make_listener(organisation, employment_start=datetime.date(2001, 9, 1))
    unknown = make_listener(organisation, last_name="Белгісіз")
    url = reverse("admin:listeners_listener_changelist")

    overdue_page = back_office.get(url, {"upgrade_status": "overdue"})
    unknown_page = back_office.get(url, {"upgrade_status": "no_record"})

    assert list(overdue_page.context["cl"].result_list) == [overdue]
    assert list(unknown_page.context["cl"].result_list) == [unknown]
    assert "Overdue" in overdue_page.content.decode()


def test_listener_page_shows_the_enrollments(back_office, listener, intake):
    enrollment_apply(listener=listener, intake=intake, by=None)

    response = back_office.get(reverse("admin:listeners_listener_change", args=[listener.pk]))

    assert response.status_code == 200
    assert intake.code in response.content.decode()


def test_a_listener_with_enrollments_is_edited_and_keeps_them(back_office, listener, intake):
    enrollment_apply(listener=listener, intake=intake, by=None)
    url = reverse("admin:listeners_listener_change", args=[listener.pk])
    page = back_office.get(url)

    response = back_office.post(url, posted_back(page, position="Мұғалім"))

    assert response.status_code == 302
    listener.refresh_from_db()
    assert listener.position == "Мұғалім"
    assert listener.enrollments.count() == 1


def test_listener_list_queries_do_not_grow_with_rows(back_office, region):
    url = reverse("admin:listeners_listener_changelist")

    def add_listeners(count: int) -> None:
        for _ in range(count):
            n = Listener.objects.count()
            district = District.objects.create(region=region, name_kk=f"А{n}", name_ru=f"Р{n}")
            make_listener(new_organisation(district, n), iin=make_iin())

    add_listeners(5)
    back_office.get(url)
    few = count_queries(back_office, url)
    add_listeners(25)
    many = count_queries(back_office, url)

    assert Listener.objects.count() == 30
    assert many == few


# --- orders ------------------------------------------------------------------------------------


def test_an_order_number_is_unique_within_its_year(back_office, administrator, intake):
    make_order(number="7", date=datetime.date(2026, 1, 15))
    data = {
        "kind": OrderKind.ADMISSION,
        "number": "7",
        "date": "2026-03-01",
        "intake": intake.pk,
        "head_name": "Қ. Жұмабеков",
        "head_title": "",
        "ground": "",
        "reason": "",
    }

    refused = back_office.post(reverse("admin:listeners_order_add"), data)
    next_year = back_office.post(
        reverse("admin:listeners_order_add"), {**data, "date": "2027-01-10"}
    )

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["number"] == [
        "An order with this number already exists this year."
    ]
    assert next_year.status_code == 302
    order = Order.objects.get(year=2027)
    assert order.created_by == administrator
    assert Order.objects.count() == 2


def test_an_expulsion_order_without_reason_is_refused(back_office):
    response = back_office.post(
        reverse("admin:listeners_order_add"),
        {
            "kind": OrderKind.EXPULSION,
            "number": "9",
            "date": "2026-03-01",
            "head_name": "Қ. Жұмабеков",
            "ground": "",
            "reason": "",
        },
    )

    assert response.status_code == 200
    assert "§22" in response.context["adminform"].form.errors["reason"][0]
    assert not Order.objects.exists()


def test_orders_are_never_deleted(back_office):
    order = make_order()

    response = back_office.post(
        reverse("admin:listeners_order_delete", args=[order.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


# --- enrollments -------------------------------------------------------------------------------


def test_an_enrollment_added_in_the_back_office_starts_its_history(
    back_office, administrator, listener, intake
):
    response = back_office.post(
        reverse("admin:listeners_enrollment_add"),
        enrollment_data(listener, intake, from_other_town="on"),
    )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(listener=listener, intake=intake)
    assert enrollment.state == EnrollmentState.APPLIED
    assert enrollment.from_other_town is True
    [transition] = enrollment.transitions.all()
    assert (transition.from_state, transition.to_state) == ("", EnrollmentState.APPLIED)
    assert transition.by == administrator


def test_a_second_enrollment_in_the_same_intake_is_refused(back_office, listener, intake):
    enrollment_apply(listener=listener, intake=intake, by=None)

    response = back_office.post(
        reverse("admin:listeners_enrollment_add"), enrollment_data(listener, intake)
    )

    assert response.status_code == 200
    assert "This listener is already enrolled in this intake." in response.content.decode()
    assert Enrollment.objects.count() == 1
    assert EnrollmentTransition.objects.count() == 1


def test_a_contract_with_an_organisation_needs_the_customer(back_office, listener, intake):
    response = back_office.post(
        reverse("admin:listeners_enrollment_add"),
        enrollment_data(listener, intake, basis=FundingBasis.CONTRACT_ORGANISATION),
    )

    assert response.status_code == 200
    assert "§14" in response.context["adminform"].form.errors["customer"][0]
    assert not Enrollment.objects.exists()


def test_admission_through_the_change_form_goes_through_the_service(
    back_office, administrator, listener, intake
):
    enrollment = enrollment_apply(listener=listener, intake=intake, by=None)
    order = make_order(OrderKind.ADMISSION, intake=intake)
    url = reverse("admin:listeners_enrollment_change", args=[enrollment.pk])
    page = back_office.get(url)

    response = back_office.post(
        url, posted_back(page, new_state=EnrollmentState.ADMITTED, state_order=order.pk)
    )

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.ADMITTED
    assert enrollment.admission_order == order
    last = enrollment.transitions.last()
    assert (last.from_state, last.to_state) == (EnrollmentState.APPLIED, EnrollmentState.ADMITTED)
    assert (last.by, last.order) == (administrator, order)


def test_the_state_cannot_be_typed(back_office, listener, intake):
    enrollment = enrollment_apply(listener=listener, intake=intake, by=None)
    url = reverse("admin:listeners_enrollment_change", args=[enrollment.pk])
    page = back_office.get(url)

    response = back_office.post(url, posted_back(page, state=EnrollmentState.COMPLETED))

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.APPLIED
    assert enrollment.transitions.count() == 1


def completed_enrollment(listener: Listener, intake: Intake) -> Enrollment:
    enrollment = enrollment_apply(listener=listener, intake=intake, by=None)
    order = make_order(OrderKind.ADMISSION, intake=intake)
    enrollment_change_state(
        enrollment=enrollment, to=EnrollmentState.ADMITTED, by=None, order=order
    )
    return enrollment_change_state(enrollment=enrollment, to=EnrollmentState.COMPLETED, by=None)


def test_completed_cannot_go_back_to_applied(back_office, listener, intake):
    enrollment = completed_enrollment(listener, intake)
    url = reverse("admin:listeners_enrollment_change", args=[enrollment.pk])
    page = back_office.get(url)

    response = back_office.post(url, posted_back(page, new_state=EnrollmentState.APPLIED))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_state"] == [
        "An enrollment cannot go from “Completed” to “Applied”."
    ]
    assert "cannot go from “Completed” to “Applied”" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.COMPLETED
    assert enrollment.transitions.count() == 3


def test_admission_without_an_admission_order_is_refused(back_office, listener, intake):
    enrollment = enrollment_apply(listener=listener, intake=intake, by=None)
    expulsion = make_order(OrderKind.EXPULSION, intake=intake)
    url = reverse("admin:listeners_enrollment_change", args=[enrollment.pk])
    page = back_office.get(url)

    without = back_office.post(url, posted_back(page, new_state=EnrollmentState.ADMITTED))
    wrong_kind = back_office.post(
        url, posted_back(page, new_state=EnrollmentState.ADMITTED, state_order=expulsion.pk)
    )

    for response in (without, wrong_kind):
        assert response.status_code == 200
        [message] = response.context["adminform"].form.errors["new_state"]
        assert "Admission order" in message and "§15" in message
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.admission_order) == (EnrollmentState.APPLIED, None)
    assert enrollment.transitions.count() == 1


def test_a_refusal_by_the_service_changes_nothing(back_office, listener):
    """No state-order seat left (§14): the form cannot know, the service refuses, and the
    whole change (other fields included) is rolled back with the service's message shown."""
    intake = make_intake(state_order_seats=0, contract_seats=1, capacity=1)
    enrollment = enrollment_apply(listener=listener, intake=intake, by=None)
    order = make_order(OrderKind.ADMISSION, intake=intake)
    url = reverse("admin:listeners_enrollment_change", args=[enrollment.pk])
    page = back_office.get(url)

    response = back_office.post(
        url,
        posted_back(
            page, new_state=EnrollmentState.ADMITTED, state_order=order.pk, from_other_town="on"
        ),
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain == [(url, 302)]
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"No state-order seats are left in intake {intake.code}."]
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.APPLIED
    assert enrollment.from_other_town is False
    assert enrollment.transitions.count() == 1


def test_enrollments_and_their_history_are_never_deleted(back_office, listener, intake):
    enrollment = enrollment_apply(listener=listener, intake=intake, by=None)
    transition = enrollment.transitions.get()

    enrollment_delete = back_office.post(
        reverse("admin:listeners_enrollment_delete", args=[enrollment.pk]), {"post": "yes"}
    )
    transition_delete = back_office.post(
        reverse("admin:listeners_enrollmenttransition_delete", args=[transition.pk]),
        {"post": "yes"},
    )

    assert enrollment_delete.status_code == 403
    assert transition_delete.status_code == 403
    assert Enrollment.objects.count() == 1
    assert EnrollmentTransition.objects.count() == 1


def test_the_history_is_only_read(back_office, listener, intake):
    enrollment = enrollment_apply(listener=listener, intake=intake, by=None)
    transition = enrollment.transitions.get()
    change_url = reverse("admin:listeners_enrollmenttransition_change", args=[transition.pk])

    add = back_office.get(reverse("admin:listeners_enrollmenttransition_add"))
    view = back_office.get(change_url)
    change = back_office.post(change_url, {"to_state": EnrollmentState.COMPLETED})

    assert add.status_code == 403
    assert view.status_code == 200
    assert change.status_code == 403
    transition.refresh_from_db()
    assert transition.to_state == EnrollmentState.APPLIED


def test_enrollments_are_found_by_listener_iin_and_filtered_by_state(
    back_office, listener, other_listener, intake
):
    mine = enrollment_apply(listener=listener, intake=intake, by=None)
    theirs = enrollment_apply(listener=other_listener, intake=intake, by=None)
    enrollment_change_state(enrollment=theirs, to=EnrollmentState.WITHDRAWN, by=None)
    url = reverse("admin:listeners_enrollment_changelist")

    found = back_office.get(url, {"q": listener.iin}).context["cl"].result_list
    withdrawn = back_office.get(url, {"state__exact": "withdrawn"}).context["cl"].result_list

    assert list(found) == [mine]
    assert [e.pk for e in withdrawn] == [theirs.pk]


def test_enrollment_list_queries_do_not_grow_with_rows(back_office, organisation):
    url = reverse("admin:listeners_enrollment_changelist")

    def add_enrollments(count: int) -> None:
        for _ in range(count):
            Enrollment.objects.create(listener=make_listener(organisation), intake=make_intake())

    add_enrollments(5)
    back_office.get(url)
    few = count_queries(back_office, url)
    add_enrollments(25)
    many = count_queries(back_office, url)

    assert Enrollment.objects.count() == 30
    assert many == few


# --- upgrades completed elsewhere --------------------------------------------------------------


def test_confirming_an_upgrade_from_elsewhere_records_who_and_when(
    back_office, administrator, listener
):
    upgrade = ExternalUpgrade.objects.create(
        listener=listener,
        issuer="«Өрлеу» БАҰО",
        document_number="0457",
        completed_on=datetime.date(2024, 5, 20),
        hours=72,
    )

    response = back_office.post(
        reverse("admin:listeners_externalupgrade_changelist"),
        {"action": "confirm", "_selected_action": [upgrade.pk]},
    )

    assert response.status_code == 302
    upgrade.refresh_from_db()
    assert upgrade.confirmed_by == administrator
    assert upgrade.confirmed_at is not None
    assert list(ExternalUpgrade.objects.counting()) == [upgrade]
