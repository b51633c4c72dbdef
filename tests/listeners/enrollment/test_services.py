"""Enrollment workflows: applying, and every change of state with its order, seat and history."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from institute.rules import RuleViolation
from listeners.enrollment.services import enrollment_apply, enrollment_change_state, seats_left
from listeners.models import Enrollment, EnrollmentTransition, FundingBasis
from listeners.rules import EnrollmentState, OrderKind
from tests.conftest import make_enrollment, make_intake, make_listener, make_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
S = EnrollmentState


def history(enrollment: Enrollment) -> list[tuple[str, str]]:
    return list(enrollment.transitions.order_by("at", "pk").values_list("from_state", "to_state"))


@pytest.fixture
def applied(listener, intake, methodologist) -> Enrollment:
    return enrollment_apply(listener=listener, intake=intake, by=methodologist)


@pytest.fixture
def admitted(applied, intake, methodologist) -> Enrollment:
    return enrollment_change_state(
        enrollment=applied,
        to=S.ADMITTED,
        by=methodologist,
        order=make_order(OrderKind.ADMISSION, intake=intake),
    )


# --- applying -------------------------------------------------------------------------------------


def test_enrollment_apply_records_the_application_and_its_first_transition(
    listener, intake, methodologist
):
    enrollment = enrollment_apply(
        listener=listener,
        intake=intake,
        by=methodologist,
        basis=FundingBasis.CONTRACT_PERSON,
        from_other_town=True,
    )
    stored = Enrollment.objects.get(pk=enrollment.pk)
    assert (stored.state, stored.basis, stored.from_other_town) == (
        S.APPLIED,
        FundingBasis.CONTRACT_PERSON,
        True,
    )
    [transition] = stored.transitions.all()
    assert (transition.from_state, transition.to_state, transition.by) == (
        "",
        S.APPLIED,
        methodologist,
    )


def test_enrollment_apply_refuses_an_organisation_contract_without_the_organisation(
    listener, intake, methodologist
):
    # full_clean's ValidationError (RuleViolation's parent), shown beside the field.
    with pytest.raises(ValidationError) as refused:
        enrollment_apply(
            listener=listener,
            intake=intake,
            by=methodologist,
            basis=FundingBasis.CONTRACT_ORGANISATION,
        )
    assert refused.value.message_dict == {
        "customer": ["A contract with an organisation names the organisation, §14."]
    }
    assert Enrollment.objects.count() == 0
    assert EnrollmentTransition.objects.count() == 0


# --- admission ------------------------------------------------------------------------------------


def test_admission_by_an_admission_order_records_who_from_to_and_the_order(
    applied, intake, methodologist
):
    order = make_order(OrderKind.ADMISSION, intake=intake)
    enrollment_change_state(enrollment=applied, to=S.ADMITTED, by=methodologist, order=order)
    stored = Enrollment.objects.get(pk=applied.pk)
    assert (stored.state, stored.admission_order) == (S.ADMITTED, order)
    last = stored.transitions.order_by("at", "pk").last()
    assert (last.from_state, last.to_state, last.by, last.order) == (
        S.APPLIED,
        S.ADMITTED,
        methodologist,
        order,
    )
    assert history(stored) == [("", S.APPLIED), (S.APPLIED, S.ADMITTED)]


def test_admission_by_an_order_without_an_intake_is_accepted(applied, methodologist):
    order = make_order(OrderKind.ADMISSION)
    enrollment_change_state(enrollment=applied, to=S.ADMITTED, by=methodologist, order=order)
    assert Enrollment.objects.get(pk=applied.pk).state == S.ADMITTED


def test_admission_without_an_order_is_refused_and_nothing_changes(applied, methodologist):
    with pytest.raises(RuleViolation) as refused:
        enrollment_change_state(enrollment=applied, to=S.ADMITTED, by=methodologist)
    assert refused.value.error_dict["state"][0].code == "order_required"
    stored = Enrollment.objects.get(pk=applied.pk)
    assert (stored.state, stored.admission_order) == (S.APPLIED, None)
    assert history(stored) == [("", S.APPLIED)]


def test_an_illegal_transition_is_refused_and_the_database_is_unchanged(admitted, methodologist):
    with pytest.raises(RuleViolation) as refused:
        enrollment_change_state(enrollment=admitted, to=S.WAITLISTED, by=methodologist)
    assert refused.value.error_dict["state"][0].code == "illegal_transition"
    assert refused.value.messages == ["An enrollment cannot go from “Admitted” to “Waitlisted”."]
    stored = Enrollment.objects.get(pk=admitted.pk)
    assert stored.state == S.ADMITTED
    assert stored.transitions.count() == 2


def test_leaving_a_final_state_is_refused_and_the_database_is_unchanged(
    admitted, intake, methodologist
):
    enrollment_change_state(enrollment=admitted, to=S.FAILED, by=methodologist)
    with pytest.raises(RuleViolation):
        enrollment_change_state(
            enrollment=admitted,
            to=S.ADMITTED,
            by=methodologist,
            order=make_order(OrderKind.ADMISSION, intake=intake),
        )
    stored = Enrollment.objects.get(pk=admitted.pk)
    assert stored.state == S.FAILED
    assert history(stored)[-1] == (S.ADMITTED, S.FAILED)
    assert stored.transitions.count() == 3


def test_admission_beyond_the_state_order_seats_is_refused_while_a_contract_seat_is_left(
    organisation, methodologist
):
    intake = make_intake(state_order_seats=1, contract_seats=1)
    first, second = (
        enrollment_apply(listener=make_listener(organisation), intake=intake, by=methodologist)
        for _ in range(2)
    )
    paying = enrollment_apply(
        listener=make_listener(organisation),
        intake=intake,
        by=methodologist,
        basis=FundingBasis.CONTRACT_PERSON,
    )
    order = make_order(OrderKind.ADMISSION, intake=intake)
    enrollment_change_state(enrollment=first, to=S.ADMITTED, by=methodologist, order=order)

    with pytest.raises(RuleViolation) as refused:
        enrollment_change_state(enrollment=second, to=S.ADMITTED, by=methodologist, order=order)

    assert refused.value.code == "no_seats"
    assert refused.value.messages == [f"No state-order seats are left in intake {intake.code}."]
    assert Enrollment.objects.get(pk=second.pk).state == S.APPLIED
    assert history(second) == [("", S.APPLIED)]
    assert seats_left(intake) == {"state": 0, "contract": 1}
    enrollment_change_state(enrollment=paying, to=S.ADMITTED, by=methodologist, order=order)
    assert Enrollment.objects.get(pk=paying.pk).state == S.ADMITTED
    assert seats_left(intake) == {"state": 0, "contract": 0}


def test_a_waitlisted_listener_is_admitted_when_a_seat_is_freed(organisation, methodologist):
    intake = make_intake(state_order_seats=1, contract_seats=0)
    order = make_order(OrderKind.ADMISSION, intake=intake)
    holder = make_enrollment(make_listener(organisation), intake, state=S.ADMITTED)
    waiting = make_enrollment(make_listener(organisation), intake, state=S.WAITLISTED)
    enrollment_change_state(enrollment=holder, to=S.WITHDRAWN, by=methodologist)

    enrollment_change_state(enrollment=waiting, to=S.ADMITTED, by=methodologist, order=order)

    assert Enrollment.objects.get(pk=waiting.pk).state == S.ADMITTED
    assert history(waiting) == [(S.WAITLISTED, S.ADMITTED)]


# --- expulsion, completion ------------------------------------------------------------------------


def test_expulsion_records_the_reason_and_the_order(admitted, intake, methodologist):
    order = make_order(OrderKind.EXPULSION, intake=intake, reason="Absent for three weeks")
    enrollment_change_state(
        enrollment=admitted, to=S.EXPELLED, by=methodologist, order=order, reason="Absent"
    )
    stored = Enrollment.objects.get(pk=admitted.pk)
    assert (stored.state, stored.expulsion_order, stored.expulsion_reason) == (
        S.EXPELLED,
        order,
        "Absent",
    )
    last = stored.transitions.order_by("at", "pk").last()
    assert (last.from_state, last.to_state, last.order, last.reason) == (
        S.ADMITTED,
        S.EXPELLED,
        order,
        "Absent",
    )


def test_expulsion_without_a_reason_of_its_own_takes_the_orders_reason(
    admitted, intake, methodologist
):
    order = make_order(OrderKind.EXPULSION, intake=intake, reason="Absent for three weeks")
    enrollment_change_state(enrollment=admitted, to=S.EXPELLED, by=methodologist, order=order)
    stored = Enrollment.objects.get(pk=admitted.pk)
    assert (stored.state, stored.expulsion_reason) == (S.EXPELLED, "Absent for three weeks")


def test_expulsion_without_an_expulsion_order_is_refused(admitted, intake, methodologist):
    with pytest.raises(RuleViolation) as refused:
        enrollment_change_state(
            enrollment=admitted,
            to=S.EXPELLED,
            by=methodologist,
            reason="Absent",
            order=make_order(OrderKind.COMPLETION, intake=intake),
        )
    assert refused.value.error_dict["state"][0].code == "order_required"
    stored = Enrollment.objects.get(pk=admitted.pk)
    assert (stored.state, stored.expulsion_order, stored.expulsion_reason) == (S.ADMITTED, None, "")
    assert stored.transitions.count() == 2


def test_completion_is_dated_the_last_day_of_the_intake_by_default(admitted, intake, methodologist):
    enrollment_change_state(enrollment=admitted, to=S.COMPLETED, by=methodologist, result="5")
    stored = Enrollment.objects.get(pk=admitted.pk)
    assert (stored.state, stored.completed_on, stored.final_result) == (
        S.COMPLETED,
        intake.end_date,
        "5",
    )
    assert history(stored)[-1] == (S.ADMITTED, S.COMPLETED)


def test_completion_on_a_given_day_is_dated_that_day(admitted, methodologist):
    enrollment_change_state(
        enrollment=admitted, to=S.COMPLETED, by=methodologist, on=D(2026, 3, 12)
    )
    assert Enrollment.objects.get(pk=admitted.pk).completed_on == D(2026, 3, 12)


def test_a_completed_listener_keeps_the_seat(admitted, intake, methodologist):
    enrollment_change_state(enrollment=admitted, to=S.COMPLETED, by=methodologist)
    assert seats_left(intake) == {"state": intake.state_order_seats - 1, "contract": 1}


# --- orders of another intake ---------------------------------------------------------------------


def test_an_order_of_another_intake_is_refused(applied, programme, methodologist):
    other_order = make_order(OrderKind.ADMISSION, intake=make_intake(programme))
    with pytest.raises(RuleViolation) as refused:
        enrollment_change_state(
            enrollment=applied, to=S.ADMITTED, by=methodologist, order=other_order
        )
    assert refused.value.code == "order_intake"
    assert refused.value.messages == ["The order concerns another intake."]
    stored = Enrollment.objects.get(pk=applied.pk)
    assert (stored.state, stored.admission_order) == (S.APPLIED, None)
    assert history(stored) == [("", S.APPLIED)]
