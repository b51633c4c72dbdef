"""Regulation that concerns the institute itself, and the pieces every app's rules share.

Pure functions and constants; no model is imported here. Each rule names its clause of the
Rules approved by order No. 1211 of 29 Dec 2000.
"""

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class RuleViolation(ValidationError):
    """A rule of the regulation was broken; the message says which and cites its clause.

    It is a ValidationError so that forms and the admin show it beside the field, and the
    one domain error type services raise.
    """

    def __init__(self, message, *, field: str | None = None, code: str = "rule", params=None):
        self.field = field
        if field:
            super().__init__({field: [ValidationError(message, code=code, params=params)]})
        else:
            super().__init__(message, code=code, params=params)


# --- the act the documents cite ------------------------------------------------------------

# The Rules as the admission order and the expulsion reference cite them, in the genitive
# the citation needs («… 22-тармағына сәйкес» / «в соответствии с п. 22 …»): the seed's
# Kazakh title, and its Russian rendering. The order was repealed by order No. 370 of
# 11 Sep 2013 (SPEC.md §3); an institute working under another act cites it here.
REGULATION_CITED = {
    "kk": (
        "Қазақстан Республикасы Білім және ғылым министрінің 2000 жылғы 29 желтоқсандағы"
        " № 1211 бұйрығымен бекітілген Білім беру ұйымдары қызметкерлерінің біліктілігін"
        " арттыратын және оларды қайта даярлайтын оқу орындарының қызметін ұйымдастыру"
        " тәртібі туралы ережелердің"
    ),
    "ru": (
        "Правил о порядке организации деятельности учебных заведений, повышающих"
        " квалификацию и осуществляющих переподготовку работников организаций образования,"
        " утверждённых приказом Министра образования и науки Республики Казахстан"
        " от 29 декабря 2000 года № 1211"
    ),
}


# --- dates ---------------------------------------------------------------------------------


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February falls back to 28 February (§10.1)."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return day.replace(year=year, day=28)
    return day.replace(year=year)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# --- IIN / BIN check digit (GLOSSARY.md) ------------------------------------------------------

CHECK_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
CHECK_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def kz_check_digit(first_eleven: str) -> int | None:
    """The 12th digit of an IIN or BIN, or None when no check digit exists (the number is void).

    Sum of digits × weights 1..11 mod 11; a result of 10 is recomputed with the second weight
    sequence; 10 again means no valid number has these eleven digits.
    """
    digits = [int(c) for c in first_eleven]
    for weights in (CHECK_WEIGHTS_FIRST, CHECK_WEIGHTS_SECOND):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def _twelve_digits(value: str, *, field: str, what) -> str:
    value = (value or "").strip()
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        raise RuleViolation(
            _("%(what)s must be exactly 12 digits."),
            field=field,
            code="format",
            params={"what": what},
        )
    return value


def check_digit_valid(value: str) -> bool:
    return kz_check_digit(value[:11]) == int(value[11])


BIN_ENTITY_TYPES = {"4", "5", "6"}  # resident, non-resident, individual entrepreneur
BIN_DIVISION_TYPES = {"0", "1", "2", "3"}  # head office, branch, representative, peasant farm


def validate_bin(value: str) -> str:
    """A business identification number: YYMM of registration, type, division, serial, check."""
    value = _twelve_digits(value, field="bin", what=_("A BIN"))
    month = int(value[2:4])
    if not 1 <= month <= 12:
        raise RuleViolation(
            _("BIN %(bin)s: digits 3–4 are the registration month and cannot be %(month)s."),
            field="bin",
            code="month",
            params={"bin": value, "month": value[2:4]},
        )
    if value[4] not in BIN_ENTITY_TYPES:
        raise RuleViolation(
            _("BIN %(bin)s: digit 5 is the entity type (4, 5 or 6), not %(digit)s."),
            field="bin",
            code="type",
            params={"bin": value, "digit": value[4]},
        )
    if value[5] not in BIN_DIVISION_TYPES:
        raise RuleViolation(
            _("BIN %(bin)s: digit 6 is the division type (0 to 3), not %(digit)s."),
            field="bin",
            code="division",
            params={"bin": value, "digit": value[5]},
        )
    if not check_digit_valid(value):
        raise RuleViolation(
            _("BIN %(bin)s has a wrong check digit: it was probably mistyped."),
            field="bin",
            code="checksum",
            params={"bin": value},
        )
    return value


# --- staffing, §23 ---------------------------------------------------------------------------

# §23: listeners per teacher must be 25 % below the university norm of the field.
STAFFING_NORM_SHARE = Decimal("0.75")


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def average_yearly_contingent(listener_days: int, *, year: int) -> Decimal:
    """§23 counts the *average yearly* contingent (среднегодовой контингент): the number of
    listeners studying on an average day of the year, that is the listener-days of the year
    over its days. A listener of a two-week course is a twenty-sixth of a listener-year, as a
    university's norm counts full-time students: compared by heads, every short course would
    break any university norm."""
    return Decimal(listener_days) / days_in_year(year)


def staffing_limit(university_norm: Decimal | int | float) -> Decimal:
    """The highest average yearly number of listeners per teacher allowed in a field (§23)."""
    return (Decimal(str(university_norm)) * STAFFING_NORM_SHARE).quantize(Decimal("0.01"))


def staffing_ratio(listeners_per_year: Decimal | int | float, teachers: int) -> Decimal | None:
    """Average yearly listeners per teacher; None when the field has no teacher."""
    if teachers <= 0:
        return None
    return (Decimal(str(listeners_per_year)) / teachers).quantize(Decimal("0.01"))


def staffing_within_norm(
    *, listeners_per_year: Decimal | int | float, teachers: int, university_norm: Decimal | int
) -> bool:
    """§23: listeners per teacher ≤ 0.75 × the university norm of the field.

    Compared exactly: the rounded ratio and limit are for display, and rounding would let a
    ratio just above the limit pass (9.38 > 0.75 × 12.5 = 9.375, yet both round to 9.38).
    """
    if teachers <= 0:
        return listeners_per_year == 0
    ratio = Decimal(str(listeners_per_year)) / teachers
    return ratio <= Decimal(str(university_norm)) * STAFFING_NORM_SHARE
