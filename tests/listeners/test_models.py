"""Listeners, orders and enrollments keep their identity and numbering rules, in the model and
in the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from institute.rules import RuleViolation
from listeners.enrollment.services import enrollment_apply
from listeners.models import Enrollment, FundingBasis, Listener, Order
from listeners.rules import EnrollmentState, OrderKind, Sex
from tests.conftest import make_enrollment, make_intake, make_listener, make_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
IDENTITY_MESSAGE = (
    "Give the IIN, or for a foreign citizen the passport number and citizenship (§16)."
)


# --- Listener -------------------------------------------------------------------------------------


def test_listener_birth_date_and_sex_come_from_the_iin_whatever_was_typed():
    listener = make_listener(iin="871008401427", birth_date=D(2000, 1, 1), sex=Sex.MALE)
    stored = Listener.objects.get(pk=listener.pk)
    assert (stored.iin, stored.birth_date, stored.sex) == ("871008401427", D(1987, 10, 8), "F")


def test_listener_iin_is_stored_without_surrounding_spaces():
    listener = make_listener(iin=" 760212350620 ")
    stored = Listener.objects.get(pk=listener.pk)
    assert (stored.iin, stored.birth_date, stored.sex) == ("760212350620", D(1976, 2, 12), "M")


@pytest.mark.parametrize("iin", ["871008401428", "87100840142", "871308401427"])
def test_listener_with_an_invalid_iin_is_refused_and_nothing_is_stored(iin):
    with pytest.raises(RuleViolation) as refused:
        make_listener(iin=iin)
    assert list(refused.value.message_dict) == ["iin"]
    assert Listener.objects.count() == 0


def test_full_clean_shows_an_invalid_iin_beside_the_iin_field():
    listener = Listener(iin="871008401428", last_name="Ахметова", first_name="Әлия")
    with pytest.raises(ValidationError) as refused:
        listener.full_clean()
    assert refused.value.message_dict == {
        "iin": ["IIN 871008401428 has a wrong check digit: it was probably mistyped."]
    }


def test_second_listener_with_the_same_iin_is_refused_by_the_database():
    make_listener(iin="871008401427")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_listener(iin="871008401427", last_name="Басқа")
    assert list(Listener.objects.values_list("last_name", flat=True)) == ["Ахметова"]


def test_full_clean_refuses_a_second_listener_with_the_same_iin():
    make_listener(iin="871008401427")
    duplicate = Listener(iin="871008401427", last_name="Басқа", first_name="Адам")
    with pytest.raises(ValidationError) as refused:
        duplicate.full_clean()
    assert list(refused.value.message_dict) == ["iin"]
    assert Listener.objects.count() == 1


def test_foreign_citizen_with_passport_and_citizenship_is_accepted_without_iin():
    listener = Listener(
        iin="", passport_number="AB1234567", citizenship="uz", last_name="Каримов", first_name="А"
    )
    listener.full_clean()
    listener.save()
    stored = Listener.objects.get(pk=listener.pk)
    assert (stored.iin, stored.passport_number, stored.citizenship) == (None, "AB1234567", "UZ")
    assert stored.birth_date is None


def test_several_foreign_citizens_without_iin_can_be_registered():
    for number in ("AB1", "AB2"):
        make_listener(iin=None, passport_number=number, citizenship="RU")
    assert Listener.objects.filter(iin__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("passport", "citizenship"),
    [("", "KZ"), ("", "RU"), ("N1234567", "KZ")],  # a Kazakh citizen is identified by the IIN
)
def test_listener_without_iin_or_foreign_passport_is_refused_by_full_clean(passport, citizenship):
    listener = Listener(
        iin="", passport_number=passport, citizenship=citizenship, last_name="А", first_name="Б"
    )
    with pytest.raises(ValidationError) as refused:
        listener.full_clean()
    assert refused.value.message_dict == {"iin": [IDENTITY_MESSAGE]}
    assert Listener.objects.count() == 0


@pytest.mark.parametrize(("passport", "citizenship"), [("", "KZ"), ("", "RU"), ("N1234567", "KZ")])
def test_listener_without_iin_or_foreign_passport_is_refused_by_the_database(passport, citizenship):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_listener(iin="", passport_number=passport, citizenship=citizenship)
    assert Listener.objects.count() == 0


def test_the_same_passport_of_the_same_country_is_refused_by_the_database():
    make_listener(iin=None, passport_number="AB1", citizenship="RU")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_listener(iin=None, passport_number="AB1", citizenship="RU")
    assert Listener.objects.count() == 1


# --- Order ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("ground", "reason"), [("", ""), ("discipline", ""), ("", "Absent")])
def test_expulsion_order_without_ground_and_reason_is_refused_by_full_clean(ground, reason):
    order = Order(
        kind=OrderKind.EXPULSION,
        number="7",
        date=D(2026, 3, 10),
        head_name="Қ. Жұмабеков",
        ground=ground,
        reason=reason,
    )
    with pytest.raises(ValidationError) as refused:
        order.full_clean()
    assert refused.value.message_dict == {
        "reason": ["An expulsion order must state its ground and reason, §22."]
    }


@pytest.mark.parametrize(("ground", "reason"), [("", ""), ("discipline", ""), ("", "Absent")])
def test_expulsion_order_without_ground_and_reason_is_refused_by_the_database(ground, reason):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_order(OrderKind.EXPULSION, ground=ground, reason=reason)
    assert Order.objects.count() == 0


def test_order_takes_its_year_from_its_date():
    order = make_order(date=D(2025, 12, 31))
    assert Order.objects.get(pk=order.pk).year == 2025


def test_order_number_is_unique_within_a_year():
    make_order(number="15", date=D(2026, 1, 20))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_order(OrderKind.COMPLETION, number="15", date=D(2026, 12, 1))
    assert Order.objects.filter(number="15").count() == 1


def test_the_same_order_number_is_allowed_in_another_year():
    make_order(number="15", date=D(2026, 1, 20))
    make_order(number="15", date=D(2025, 1, 20))
    assert sorted(Order.objects.filter(number="15").values_list("year", flat=True)) == [2025, 2026]


def test_next_order_number_follows_the_highest_number_of_the_year():
    for number in ("1", "9", "12", "12-к"):
        make_order(number=number, date=D(2026, 2, 1))
    make_order(number="40", date=D(2025, 2, 1))
    assert Order.next_number(2026) == "13"


def test_next_order_number_of_a_year_without_orders_is_1():
    make_order(number="40", date=D(2025, 2, 1))
    assert Order.next_number(2026) == "1"


# --- Enrollment -----------------------------------------------------------------------------------


def test_a_second_application_to_the_same_intake_is_refused_with_a_readable_message(
    listener, intake, methodologist
):
    enrollment_apply(listener=listener, intake=intake, by=methodologist)
    with pytest.raises(RuleViolation) as refused:
        enrollment_apply(listener=listener, intake=intake, by=methodologist)
    assert refused.value.code == "duplicate_enrollment"
    assert refused.value.messages == [
        f"{listener.full_name} has already applied to intake {intake.code}."
    ]
    assert Enrollment.objects.filter(listener=listener, intake=intake).count() == 1


def test_a_second_enrollment_of_one_person_in_one_intake_is_refused_by_the_database(
    listener, intake
):
    make_enrollment(listener, intake)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_enrollment(listener, intake, basis=FundingBasis.CONTRACT_PERSON)
    assert Enrollment.objects.filter(listener=listener, intake=intake).count() == 1


def test_one_person_may_enroll_in_several_intakes(listener, intake):
    other = make_intake(intake.programme)
    make_enrollment(listener, intake)
    make_enrollment(listener, other)
    assert listener.enrollments.count() == 2


@pytest.mark.parametrize(
    "state",
    [EnrollmentState.ADMITTED, EnrollmentState.COMPLETED, EnrollmentState.FAILED],
)
def test_the_database_refuses_an_admitted_enrollment_without_an_admission_order(
    listener, intake, state
):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_enrollment(listener, intake, state=state, admission_order=None)
    assert Enrollment.objects.count() == 0


def test_the_database_refuses_an_expelled_enrollment_without_a_reason(listener, intake):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_enrollment(listener, intake, state=EnrollmentState.EXPELLED, expulsion_reason="")
    assert Enrollment.objects.count() == 0


def test_the_database_refuses_a_completed_enrollment_without_its_date(listener, intake):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_enrollment(listener, intake, state=EnrollmentState.COMPLETED, completed_on=None)
    assert Enrollment.objects.count() == 0


def test_organisation_contract_without_the_organisation_is_refused_by_full_clean(listener, intake):
    enrollment = Enrollment(
        listener=listener, intake=intake, basis=FundingBasis.CONTRACT_ORGANISATION
    )
    with pytest.raises(ValidationError) as refused:
        enrollment.full_clean()
    assert refused.value.message_dict == {
        "customer": ["A contract with an organisation names the organisation, §14."]
    }


def test_organisation_contract_without_the_organisation_is_refused_by_the_database(
    listener, intake
):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_enrollment(listener, intake, basis=FundingBasis.CONTRACT_ORGANISATION)
    assert Enrollment.objects.count() == 0


def test_a_state_change_that_bypasses_the_service_is_refused(listener, intake, english):
    enrollment = make_enrollment(listener, intake, state=EnrollmentState.ADMITTED)
    loaded = Enrollment.objects.get(pk=enrollment.pk)
    loaded.state = EnrollmentState.COMPLETED
    with pytest.raises(RuleViolation) as caught:
        loaded.save()
    assert "only through its order, the commission or the listener's request" in str(caught.value)
    assert Enrollment.objects.get(pk=enrollment.pk).state == EnrollmentState.ADMITTED
