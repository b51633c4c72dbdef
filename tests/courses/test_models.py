"""Programmes, intakes and sessions refuse what the regulation refuses, in save(), in
full_clean() and, behind both, in the database's own constraints."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from courses.models import Intake, IntakeStatus, Place, Programme, Session
from courses.rules import Band, DocumentKind, ProgrammeKind
from institute.rules import RuleViolation
from tests.conftest import make_intake, make_programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
K = ProgrammeKind


def unsaved_programme(kind: str, hours: int, **fields) -> Programme:
    fields.setdefault("code", "NEW-1")
    return Programme(kind=kind, hours=hours, title_kk="Бағдарлама", title_ru="Программа", **fields)


# --- Programme ------------------------------------------------------------------------------------


def test_retraining_below_280_hours_is_refused_on_save_and_nothing_is_stored():
    with pytest.raises(RuleViolation) as refused:
        unsaved_programme(K.RETRAINING, 279).save()
    assert refused.value.message_dict == {
        "hours": ["Retraining needs at least 280 hours, §10.3 (this one has 279)."]
    }
    assert Programme.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "hours", "fields"),
    [
        (K.SECOND_DEGREE, 1439, {}),
        (K.UPGRADE, 0, {}),
        (K.INTERNSHIP, 72, {"duration_days": 732}),
        (K.INTERNSHIP, 72, {}),
        (K.UPGRADE, 72, {"duration_days": 5}),
    ],
)
def test_programme_breaking_its_kinds_rule_is_refused_on_save(kind, hours, fields):
    with pytest.raises(RuleViolation):
        unsaved_programme(kind, hours, **fields).save()
    assert Programme.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "hours", "days", "band", "document"),
    [
        (K.UPGRADE, 72, None, Band.SHORT, DocumentKind.CERTIFICATE),
        (K.UPGRADE, 73, None, Band.MEDIUM, DocumentKind.KUALIK),
        (K.UPGRADE, 108, None, Band.MEDIUM, DocumentKind.KUALIK),
        (K.UPGRADE, 109, None, Band.LONG, DocumentKind.KUALIK),
        (K.INTERNSHIP, 72, 31, Band.SHORT, DocumentKind.CERTIFICATE),
        (K.INTERNSHIP, 144, 32, Band.LONG, DocumentKind.CERTIFICATE),
        (K.RETRAINING, 280, None, "", DocumentKind.KUALIK),
        (K.SECOND_DEGREE, 1440, None, "", DocumentKind.DIPLOMA),
    ],
)
def test_programme_save_stores_its_band(kind, hours, days, band, document):
    programme = unsaved_programme(kind, hours, duration_days=days)
    programme.save()
    stored = Programme.objects.get(pk=programme.pk)
    assert stored.band == band
    assert stored.document_kind == document


def test_programme_band_follows_a_change_of_hours():
    programme = make_programme(K.UPGRADE, 72)
    programme.hours = 73
    programme.save()
    assert Programme.objects.get(pk=programme.pk).band == Band.MEDIUM


def test_full_clean_shows_the_hours_rule_beside_the_hours_field():
    programme = unsaved_programme(K.RETRAINING, 279)
    with pytest.raises(ValidationError) as refused:
        programme.full_clean()
    assert refused.value.message_dict == {
        "hours": ["Retraining needs at least 280 hours, §10.3 (this one has 279)."]
    }


def test_full_clean_shows_the_internship_length_rule_beside_the_days_field():
    programme = unsaved_programme(K.INTERNSHIP, 72, duration_days=800)
    with pytest.raises(ValidationError) as refused:
        programme.full_clean()
    assert refused.value.message_dict == {
        "duration_days": [
            "An internship lasts at most two years (731 days), §10.2; this one has 800."
        ]
    }


def test_full_clean_drops_internship_host_from_a_programme_that_is_no_internship():
    programme = unsaved_programme(K.UPGRADE, 72, internship_host="Назарбаев Зияткерлік мектебі")
    programme.internship_abroad = True
    programme.full_clean()
    programme.save()
    stored = Programme.objects.get(pk=programme.pk)
    assert (stored.internship_host, stored.internship_abroad) == ("", False)


@pytest.mark.parametrize(
    ("kind", "hours", "days", "change"),
    [
        (K.RETRAINING, 280, None, {"hours": 100}),
        (K.RETRAINING, 280, None, {"hours": 279}),
        (K.UPGRADE, 100, None, {"kind": K.RETRAINING}),
        (K.SECOND_DEGREE, 1440, None, {"hours": 1439}),
        (K.UPGRADE, 100, None, {"kind": K.SECOND_DEGREE}),
        (K.UPGRADE, 72, None, {"hours": 0}),
        (K.INTERNSHIP, 72, 30, {"duration_days": 732}),
        (K.INTERNSHIP, 72, 30, {"duration_days": 0}),
        (K.INTERNSHIP, 72, 30, {"duration_days": None}),
        (K.UPGRADE, 72, None, {"kind": K.INTERNSHIP}),
    ],
)
def test_the_database_refuses_programme_hours_that_save_would_refuse(kind, hours, days, change):
    programme = make_programme(kind, hours, duration_days=days)
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(**change)
    stored = Programme.objects.get(pk=programme.pk)
    assert (stored.kind, stored.hours, stored.duration_days) == (kind, hours, days)


# --- Intake ---------------------------------------------------------------------------------------


def test_intake_ending_before_it_starts_is_refused_on_save(programme):
    with pytest.raises(RuleViolation) as refused:
        make_intake(programme, start_date=D(2026, 3, 13), end_date=D(2026, 3, 12))
    assert refused.value.message_dict == {
        "end_date": ["The intake ends (12.03.2026) before it starts (13.03.2026)."]
    }
    assert Intake.objects.count() == 0


def test_one_day_intake_is_stored(programme):
    intake = make_intake(programme, start_date=D(2026, 3, 13), end_date=D(2026, 3, 13))
    assert Intake.objects.get(pk=intake.pk).end_date == D(2026, 3, 13)


def test_the_database_refuses_an_intake_ending_before_it_starts(intake):
    with pytest.raises(IntegrityError), transaction.atomic():
        Intake.objects.filter(pk=intake.pk).update(end_date=D(2026, 3, 1))
    assert Intake.objects.get(pk=intake.pk).end_date == D(2026, 3, 13)


def test_intake_seats_not_adding_up_to_its_capacity_are_refused_by_full_clean(programme):
    intake = Intake(
        programme=programme,
        code="I-SEATS",
        start_date=D(2026, 3, 2),
        end_date=D(2026, 3, 13),
        capacity=25,
        state_order_seats=20,
        contract_seats=4,
    )
    with pytest.raises(ValidationError) as refused:
        intake.full_clean()
    assert refused.value.message_dict == {
        "capacity": [
            "State-order seats (20) and contract seats (4) must add up to the capacity (25), §14."
        ]
    }


def test_save_refuses_intake_seats_not_adding_up_to_its_capacity(programme, english):
    with pytest.raises(RuleViolation) as refused:
        make_intake(programme, capacity=25, state_order_seats=20, contract_seats=4)
    assert "must add up to the capacity (25), §14" in str(refused.value)
    assert Intake.objects.count() == 0


def test_the_database_refuses_a_change_of_capacity_without_its_seats(intake):
    with pytest.raises(IntegrityError), transaction.atomic():
        Intake.objects.filter(pk=intake.pk).update(capacity=10)
    assert Intake.objects.get(pk=intake.pk).capacity == 3


@pytest.mark.parametrize("reason", ["", "  "])
def test_cancelled_intake_without_a_reason_is_refused_by_full_clean(intake, reason):
    intake.status, intake.cancel_reason = IntakeStatus.CANCELLED, reason
    with pytest.raises(ValidationError) as refused:
        intake.full_clean()
    assert refused.value.message_dict == {"cancel_reason": ["A cancelled intake needs the reason."]}


def test_the_database_refuses_a_cancelled_intake_without_a_reason(intake):
    with pytest.raises(IntegrityError), transaction.atomic():
        Intake.objects.filter(pk=intake.pk).update(status=IntakeStatus.CANCELLED)
    assert Intake.objects.get(pk=intake.pk).status == IntakeStatus.PLANNED


def test_cancelled_intake_with_a_reason_is_stored(intake):
    intake.status, intake.cancel_reason = IntakeStatus.CANCELLED, "Too few applications."
    intake.full_clean()
    intake.save()
    assert Intake.objects.get(pk=intake.pk).status == IntakeStatus.CANCELLED


def test_intake_at_a_branch_without_the_branch_is_refused_by_full_clean(intake):
    intake.place = Place.BRANCH
    with pytest.raises(ValidationError) as refused:
        intake.full_clean()
    assert refused.value.message_dict == {"branch": ["Choose the branch where the intake studies."]}


def test_internship_intake_over_two_years_is_refused_on_save():
    internship = make_programme(K.INTERNSHIP, 144, duration_days=731)
    with pytest.raises(RuleViolation) as refused:
        make_intake(internship, start_date=D(2025, 9, 1), end_date=D(2027, 9, 1))
    assert refused.value.message_dict == {
        "end_date": [
            "An internship lasts at most two years, §10.2: starting on 01.09.2025 it must end "
            "by 31.08.2027."
        ]
    }
    assert Intake.objects.count() == 0


def test_internship_intake_of_exactly_two_years_is_stored():
    internship = make_programme(K.INTERNSHIP, 144, duration_days=731)
    intake = make_intake(internship, start_date=D(2025, 9, 1), end_date=D(2027, 8, 31))
    assert Intake.objects.get(pk=intake.pk).end_date == D(2027, 8, 31)


def test_upgrade_intake_over_two_years_is_stored():
    intake = make_intake(make_programme(), start_date=D(2025, 9, 1), end_date=D(2027, 9, 1))
    assert Intake.objects.filter(pk=intake.pk).exists()


# --- Session --------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [D(2026, 3, 1), D(2026, 3, 14)])
def test_session_outside_the_intake_dates_is_refused_by_full_clean(intake, day):
    session = Session(intake=intake, date=day, topic="Кіріспе", hours=6)
    with pytest.raises(ValidationError) as refused:
        session.full_clean()
    assert refused.value.message_dict == {"date": ["The session falls outside the intake's dates."]}
    assert Session.objects.count() == 0


@pytest.mark.parametrize("day", [D(2026, 3, 2), D(2026, 3, 13)])
def test_session_on_the_first_or_last_day_of_the_intake_is_accepted(intake, day):
    session = Session(intake=intake, date=day, topic="Кіріспе", hours=6)
    session.full_clean()
    session.save()
    assert list(intake.sessions.values_list("date", flat=True)) == [day]


def test_the_database_refuses_a_session_of_no_hours(intake):
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(intake=intake, date=D(2026, 3, 2), topic="Кіріспе", hours=0)
    assert Session.objects.count() == 0
