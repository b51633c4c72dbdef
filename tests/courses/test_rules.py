"""Every threshold of §10–§12 at its boundary: hour bands, minimums, documents, lengths."""

import datetime

import pytest

from courses.rules import (
    Band,
    DocumentKind,
    ProgrammeKind,
    document_kind,
    internship_is_short,
    internship_last_day,
    programme_band,
    upgrade_band,
    validate_intake_dates,
    validate_programme_hours,
    validate_seats,
    validate_session_hours,
)
from institute.rules import RuleViolation

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
K = ProgrammeKind


def refusal(call, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as refused:
        call(*args, **kwargs)
    return refused.value


def only_error(violation: RuleViolation):
    [(field, [error])] = violation.error_dict.items()
    return field, error


# --- hour bands, §10.1 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "band"),
    [
        (1, Band.SHORT),
        (72, Band.SHORT),  # §10.1 gives 72 to both; decided: short
        (73, Band.MEDIUM),
        (108, Band.MEDIUM),
        (109, Band.LONG),
        (500, Band.LONG),
    ],
)
def test_upgrade_band_follows_the_hours(hours, band):
    assert upgrade_band(hours) == band
    assert programme_band(K.UPGRADE, hours) == band


@pytest.mark.parametrize(
    ("kind", "hours"), [(K.RETRAINING, 280), (K.RETRAINING, 1000), (K.SECOND_DEGREE, 1440)]
)
def test_retraining_and_second_degree_have_no_band(kind, hours):
    assert programme_band(kind, hours) == ""


# --- hour minimums, §10.3 and §11 -------------------------------------------------------------


@pytest.mark.parametrize("hours", [279, 1, 100])
def test_retraining_below_280_hours_is_refused(hours):
    field, error = only_error(refusal(validate_programme_hours, K.RETRAINING, hours))
    assert (field, error.code) == ("hours", "retraining_hours")
    message = error.message % error.params
    assert "§10.3" in message
    assert "280" in message
    assert str(hours) in message


@pytest.mark.parametrize("hours", [280, 281, 1440])
def test_retraining_of_280_hours_or_more_is_accepted(hours):
    assert validate_programme_hours(K.RETRAINING, hours) is None


@pytest.mark.parametrize("hours", [1439, 280, 1])
def test_second_degree_below_1440_hours_is_refused(hours):
    field, error = only_error(refusal(validate_programme_hours, K.SECOND_DEGREE, hours))
    assert (field, error.code) == ("hours", "second_degree_hours")
    message = error.message % error.params
    assert "§11" in message
    assert "1440" in message


@pytest.mark.parametrize("hours", [1440, 1441, 2400])
def test_second_degree_of_1440_hours_or_more_is_accepted(hours):
    assert validate_programme_hours(K.SECOND_DEGREE, hours) is None


@pytest.mark.parametrize("kind", [K.UPGRADE, K.RETRAINING, K.SECOND_DEGREE])
@pytest.mark.parametrize("hours", [0, -8, None])
def test_a_programme_without_positive_hours_is_refused(kind, hours):
    field, error = only_error(refusal(validate_programme_hours, kind, hours))
    assert (field, error.code) == ("hours", "hours_positive")


@pytest.mark.parametrize("hours", [1, 72, 73, 108, 109])
def test_an_upgrade_of_any_positive_hours_is_accepted(hours):
    assert validate_programme_hours(K.UPGRADE, hours) is None


# --- the document earned, §12 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "hours", "document"),
    [
        (K.UPGRADE, 1, DocumentKind.CERTIFICATE),
        (K.UPGRADE, 72, DocumentKind.CERTIFICATE),
        (K.UPGRADE, 73, DocumentKind.KUALIK),  # the document follows the hours
        (K.UPGRADE, 108, DocumentKind.KUALIK),
        (K.UPGRADE, 109, DocumentKind.KUALIK),
        (K.INTERNSHIP, 36, DocumentKind.CERTIFICATE),
        (K.INTERNSHIP, 72, DocumentKind.CERTIFICATE),
        (K.INTERNSHIP, 73, DocumentKind.CERTIFICATE),  # whatever its hours
        (K.INTERNSHIP, 2000, DocumentKind.CERTIFICATE),
        (K.RETRAINING, 280, DocumentKind.KUALIK),
        (K.RETRAINING, 1500, DocumentKind.KUALIK),
        (K.SECOND_DEGREE, 1440, DocumentKind.DIPLOMA),
        (K.SECOND_DEGREE, 2400, DocumentKind.DIPLOMA),
    ],
)
def test_document_kind_follows_kind_and_hours(kind, hours, document):
    assert document_kind(kind, hours) == document


# --- internship length, §10.2 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "band"), [(1, Band.SHORT), (31, Band.SHORT), (32, Band.LONG), (731, Band.LONG)]
)
def test_internship_of_a_month_or_less_is_short_and_longer_is_long(days, band):
    assert programme_band(K.INTERNSHIP, 72, days) == band


@pytest.mark.parametrize("days", [1, 31, 32, 730, 731])
def test_internship_of_up_to_two_years_is_accepted(days):
    assert validate_programme_hours(K.INTERNSHIP, 72, days) is None


@pytest.mark.parametrize("days", [732, 1000])
def test_internship_over_two_years_is_refused(days):
    field, error = only_error(refusal(validate_programme_hours, K.INTERNSHIP, 72, days))
    assert (field, error.code) == ("duration_days", "internship_too_long")
    message = error.message % error.params
    assert "§10.2" in message
    assert "731" in message


@pytest.mark.parametrize("days", [None, 0, -3])
def test_internship_without_its_length_in_days_is_refused(days):
    field, error = only_error(refusal(validate_programme_hours, K.INTERNSHIP, 72, days))
    assert (field, error.code) == ("duration_days", "internship_days_missing")
    assert "§10.2" in error.message


@pytest.mark.parametrize(
    ("kind", "hours"), [(K.UPGRADE, 72), (K.RETRAINING, 280), (K.SECOND_DEGREE, 1440)]
)
def test_a_length_in_days_on_a_programme_other_than_an_internship_is_refused(kind, hours):
    field, error = only_error(refusal(validate_programme_hours, kind, hours, 14))
    assert (field, error.code) == ("duration_days", "days_not_internship")


@pytest.mark.parametrize(
    ("start", "end", "short"),
    [
        (D(2025, 3, 1), D(2025, 3, 31), True),
        (D(2025, 3, 1), D(2025, 4, 1), False),
        (D(2025, 1, 31), D(2025, 2, 27), True),  # a month after 31 Jan is 28 Feb
        (D(2025, 1, 31), D(2025, 2, 28), False),
    ],
)
def test_an_internship_intake_is_short_when_it_ends_before_a_month_has_passed(start, end, short):
    assert internship_is_short(start, end) is short


# --- intake dates -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [None, K.UPGRADE, K.INTERNSHIP])
def test_an_intake_ending_before_it_starts_is_refused(kind):
    field, error = only_error(
        refusal(validate_intake_dates, D(2026, 3, 13), D(2026, 3, 12), kind=kind)
    )
    assert (field, error.code) == ("end_date", "end_before_start")
    assert error.message % error.params == (
        "The intake ends (12.03.2026) before it starts (13.03.2026)."
    )


@pytest.mark.parametrize("kind", [None, K.UPGRADE, K.INTERNSHIP])
def test_a_one_day_intake_is_accepted(kind):
    assert validate_intake_dates(D(2026, 3, 13), D(2026, 3, 13), kind=kind) is None


@pytest.mark.parametrize(("start", "end"), [(None, D(2026, 1, 1)), (D(2026, 1, 1), None)])
def test_intake_dates_not_yet_given_are_left_to_the_required_fields(start, end):
    assert validate_intake_dates(start, end, kind=K.INTERNSHIP) is None


@pytest.mark.parametrize(
    ("start", "last_day"),
    [
        (D(2025, 9, 1), D(2027, 8, 31)),
        # Two years after 29 Feb 2024 is 28 Feb 2026 (add_years: 29 February falls back to 28 February), so the last
        # day of the internship is the day before.
        (D(2024, 2, 29), D(2026, 2, 27)),
        (D(2024, 3, 1), D(2026, 2, 28)),
        (D(2023, 3, 1), D(2025, 2, 28)),
    ],
)
def test_internship_last_day_is_the_day_before_the_second_anniversary(start, last_day):
    assert internship_last_day(start) == last_day


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2025, 9, 1), D(2027, 8, 31)),
        (D(2024, 2, 29), D(2026, 2, 27)),
        (D(2023, 3, 1), D(2025, 2, 28)),  # 731 days, one of them 29 Feb 2024
    ],
)
def test_internship_intake_of_exactly_two_years_is_accepted(start, end):
    assert validate_intake_dates(start, end, kind=K.INTERNSHIP) is None


@pytest.mark.parametrize(
    ("start", "end", "last"),
    [
        (D(2025, 9, 1), D(2027, 9, 1), "31.08.2027"),
        (D(2024, 2, 29), D(2026, 2, 28), "27.02.2026"),
        (D(2023, 3, 1), D(2025, 3, 1), "28.02.2025"),
    ],
)
def test_internship_intake_a_day_over_two_years_is_refused(start, end, last):
    field, error = only_error(refusal(validate_intake_dates, start, end, kind=K.INTERNSHIP))
    assert (field, error.code) == ("end_date", "internship_too_long")
    message = error.message % error.params
    assert "§10.2" in message
    assert last in message


@pytest.mark.parametrize("kind", [None, K.UPGRADE, K.RETRAINING, K.SECOND_DEGREE])
def test_other_intakes_may_last_over_two_years(kind):
    assert validate_intake_dates(D(2025, 9, 1), D(2029, 6, 30), kind=kind) is None


# --- seats, §14 -------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "contract"), [(25, 0), (0, 25), (20, 5)])
def test_seats_adding_up_to_the_capacity_are_accepted(state, contract):
    assert validate_seats(capacity=25, state_order_seats=state, contract_seats=contract) is None


@pytest.mark.parametrize(("state", "contract"), [(20, 4), (20, 6), (0, 0)])
def test_seats_not_adding_up_to_the_capacity_are_refused(state, contract):
    violation = refusal(
        validate_seats, capacity=25, state_order_seats=state, contract_seats=contract
    )
    field, error = only_error(violation)
    assert (field, error.code) == ("capacity", "seats_split")
    assert "§14" in error.message % error.params


def test_an_intake_without_seats_is_refused():
    field, error = only_error(
        refusal(validate_seats, capacity=0, state_order_seats=0, contract_seats=0)
    )
    assert (field, error.code) == ("capacity", "capacity_positive")


@pytest.mark.parametrize(("state", "contract"), [(-1, 26), (26, -1)])
def test_negative_seats_are_refused(state, contract):
    field, error = only_error(
        refusal(validate_seats, capacity=25, state_order_seats=state, contract_seats=contract)
    )
    assert (field, error.code) == ("capacity", "seats_negative")


# --- session hours ----------------------------------------------------------------------------


@pytest.mark.parametrize("sessions", [[72], [36, 36], [6] * 12])
def test_sessions_giving_the_programme_hours_are_accepted(sessions):
    assert validate_session_hours(programme_hours=72, session_hours=sessions) is None


@pytest.mark.parametrize(("sessions", "total"), [([36, 35], 71), ([36, 37], 73), ([], 0)])
def test_sessions_giving_other_hours_than_the_programme_are_refused(sessions, total):
    violation = refusal(validate_session_hours, programme_hours=72, session_hours=sessions)
    assert violation.code == "session_hours"
    assert violation.messages == [f"The sessions add up to {total} hours, the programme has 72."]
