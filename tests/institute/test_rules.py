"""The shared rules: the IIN/BIN check digit, BIN validation, date arithmetic, staffing §23."""

import datetime
from decimal import Decimal

import pytest

from institute.rules import (
    RuleViolation,
    add_months,
    add_years,
    kz_check_digit,
    staffing_limit,
    staffing_ratio,
    staffing_within_norm,
    validate_bin,
)

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date


def weighted_remainder(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


# --- the check digit -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_eleven", "digit"),
    [
        ("87100840142", 7),  # GLOSSARY example 871008401427
        ("76021235062", 0),  # GLOSSARY example 760212350620
        ("80041630025", 7),  # GLOSSARY example 800416300257
        ("68050345003", 7),  # GLOSSARY example 680503450037
        ("94014000038", 5),  # GLOSSARY example BIN 940140000385
    ],
)
def test_check_digit_of_the_glossary_examples_is_their_last_digit(first_eleven, digit):
    assert kz_check_digit(first_eleven) == digit


@pytest.mark.parametrize(
    ("first_eleven", "digit"),
    [
        # 8·1+5·2+0·3+5·4+1·5+5·6+3·7+0·8+0·9+7·10+0·11 = 164 ≡ 10;
        # 8·3+5·4+0·5+5·6+1·7+5·8+3·9+0·10+0·11+7·1+0·2 = 155 ≡ 1.
        ("85051530070", 1),
        ("85051530071", 3),
        ("85051530074", 9),
        # A BIN head: first sequence 10, second 2.
        ("04054000050", 2),
    ],
)
def test_check_digit_uses_the_second_weights_when_the_first_give_ten(first_eleven, digit):
    assert weighted_remainder(first_eleven, FIRST) == 10  # the premise of the example
    assert kz_check_digit(first_eleven) == digit == weighted_remainder(first_eleven, SECOND)


@pytest.mark.parametrize("first_eleven", ["85051530150", "04054000054", "04054000135"])
def test_eleven_digits_giving_ten_with_both_weight_sequences_have_no_check_digit(first_eleven):
    assert weighted_remainder(first_eleven, FIRST) == 10
    assert weighted_remainder(first_eleven, SECOND) == 10
    assert kz_check_digit(first_eleven) is None


# --- BIN ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["940140000385", " 940140000385 ", "040540000502"])
def test_valid_bin_is_accepted_and_returned_without_spaces(value):
    assert validate_bin(value) == value.strip()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("94014000038", "format"),  # 11 digits
        ("9401400003850", "format"),  # 13 digits
        ("", "format"),
        ("94014000038A", "format"),  # a letter
        ("9401-4000038", "format"),
        ("٩٤٠١٤٠٠٠٠٣٨٥", "format"),  # Arabic-Indic digits are digits, but not ASCII
        ("941340000385", "month"),  # month 13
        ("940040000385", "month"),  # month 00
        ("940170000385", "type"),  # digit 5 is 7: no such entity type
        ("940130000385", "type"),
        ("940144000385", "division"),  # digit 6 is 4: no such division
        ("940149000385", "division"),
        ("940140000386", "checksum"),  # one digit off
        ("940140000358", "checksum"),  # two digits swapped
        ("040540000540", "checksum"),  # eleven digits that have no check digit at all
    ],
)
def test_invalid_bin_is_refused_with_the_reason(value, code):
    with pytest.raises(RuleViolation) as refused:
        validate_bin(value)
    error = refused.value.error_dict["bin"][0]
    assert error.code == code


def test_bin_with_month_13_names_the_month_in_the_message():
    with pytest.raises(RuleViolation) as refused:
        validate_bin("941340000385")
    assert "registration month" in refused.value.messages[0]
    assert "13" in refused.value.messages[0]


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (D(2024, 2, 29), 1, D(2025, 2, 28)),  # no 29 Feb in 2025
        (D(2024, 2, 29), 5, D(2029, 2, 28)),  # 29 February falls back to 28 February
        (D(2024, 2, 29), 4, D(2028, 2, 29)),  # target year is leap: stays 29 Feb
        (D(2024, 2, 29), -4, D(2020, 2, 29)),
        (D(2024, 2, 29), -5, D(2019, 2, 28)),
        (D(2024, 2, 28), 5, D(2029, 2, 28)),
        (D(2024, 3, 1), 5, D(2029, 3, 1)),
        (D(2025, 12, 31), 2, D(2027, 12, 31)),
        (D(2025, 9, 1), 0, D(2025, 9, 1)),
    ],
)
def test_add_years_keeps_the_calendar_day_and_falls_back_from_29_february(day, years, expected):
    assert add_years(day, years) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),  # clamped to a short February
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap February
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),  # over the year end
        (D(2025, 1, 15), -1, D(2024, 12, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2025, 5, 20), 0, D(2025, 5, 20)),
        (D(2025, 5, 20), 24, D(2027, 5, 20)),
    ],
)
def test_add_months_clamps_to_the_last_day_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


# --- staffing, §23 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("norm", "limit"),
    [(20, Decimal("15.00")), (Decimal("10"), Decimal("7.50")), (Decimal("13"), Decimal("9.75"))],
)
def test_staffing_limit_is_three_quarters_of_the_university_norm(norm, limit):
    assert staffing_limit(norm) == limit


@pytest.mark.parametrize(
    ("listeners", "teachers", "norm", "within"),
    [
        (150, 10, 20, True),  # 15 per teacher, limit 15: exactly at the limit passes
        (149, 10, 20, True),
        (151, 10, 20, False),  # 15.1 per teacher: just above fails
        (Decimal("150.01"), 10, 20, False),  # 15.001: above, however little
        (75, 8, Decimal("12.5"), True),  # 9.375 = 0.75 × 12.5 exactly
        (938, 100, Decimal("12.5"), False),  # 9.38 > 9.375, though both round to 9.38
        (300, 20, 20, True),
        (0, 3, 20, True),
    ],
)
def test_staffing_within_norm_compares_listeners_per_teacher_with_the_limit(
    listeners, teachers, norm, within
):
    assert (
        staffing_within_norm(listeners_per_year=listeners, teachers=teachers, university_norm=norm)
        is within
    )


def test_staffing_of_a_field_without_teachers_has_no_ratio():
    assert staffing_ratio(40, 0) is None


@pytest.mark.parametrize(("listeners", "within"), [(0, True), (1, False), (40, False)])
def test_a_field_without_teachers_is_within_norm_only_without_listeners(listeners, within):
    assert (
        staffing_within_norm(listeners_per_year=listeners, teachers=0, university_norm=20) is within
    )


def test_staffing_ratio_is_listeners_per_teacher_to_the_hundredth():
    assert staffing_ratio(100, 3) == Decimal("33.33")
