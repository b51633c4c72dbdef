"""Regulation of listeners: identity (IIN), the five-year rule, the enrollment state machine.

Pure functions and constants with their clauses (§10.1, §14–§22); no models are imported here.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.rules import (  # noqa: F401 (the enrollment and seat rules, read from here too)
    APPLICANT_STATES,
    SEAT_HOLDING_STATES,
    EnrollmentState,
    FundingBasis,
    seat_kind,
)
from institute.rules import RuleViolation, add_months, add_years, check_digit_valid

# --- IIN (GLOSSARY.md) -------------------------------------------------------------------------


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


# Digit 7 of an IIN: century of birth and sex. 0 and 7–9 are not assigned.
IIN_CENTURY_SEX = {
    "1": (1800, Sex.MALE),
    "2": (1800, Sex.FEMALE),
    "3": (1900, Sex.MALE),
    "4": (1900, Sex.FEMALE),
    "5": (2000, Sex.MALE),
    "6": (2000, Sex.FEMALE),
}


@dataclass(frozen=True)
class IINFacts:
    iin: str
    birth_date: datetime.date
    sex: str


def parse_iin(value: str) -> IINFacts:
    """Check an IIN (its 12th digit is a check digit) and return the birth date and sex it
    encodes.

    Refused, with the reason: not 12 digits, digit 7 unassigned, no such date, wrong check
    digit. A number can pass the checksum and still be void (digit 7 of 7, month 13).
    """
    value = (value or "").strip()
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        raise RuleViolation(_("An IIN must be exactly 12 digits."), field="iin", code="format")
    century_sex = IIN_CENTURY_SEX.get(value[6])
    if century_sex is None:
        raise RuleViolation(
            _("IIN %(iin)s: digit 7 gives the century and sex and must be 1 to 6, not %(d)s."),
            field="iin",
            code="century",
            params={"iin": value, "d": value[6]},
        )
    century, sex = century_sex
    try:
        birth = datetime.date(century + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise RuleViolation(
            _("IIN %(iin)s: the first six digits are not a real date of birth (YYMMDD)."),
            field="iin",
            code="date",
            params={"iin": value},
        ) from None
    if not check_digit_valid(value):
        raise RuleViolation(
            _("IIN %(iin)s has a wrong check digit: it was probably mistyped."),
            field="iin",
            code="checksum",
            params={"iin": value},
        )
    return IINFacts(iin=value, birth_date=birth, sex=sex)


# A patronymic's ending gives the sex when there is no IIN to read it from (a foreign
# citizen, §16): Russian -вич/-ич and -вна/-ична, Kazakh -ұлы/-улы and -қызы/-кызы.
PATRONYMIC_MALE_ENDINGS = ("ич", "ұлы", "улы", "uly", "ogly", "оглы")
PATRONYMIC_FEMALE_ENDINGS = ("вна", "ична", "қызы", "кызы", "kyzy", "кизи", "qizi")


def sex_of(*, iin: str = "", patronymic: str = "") -> str:
    """The listener's sex as a document needs it for its grammar («прошёл» / «прошла»): from
    the IIN's 7th digit when the IIN is valid, else from the patronymic's ending, else ""
    (unknown; the document then words it without a gender)."""
    try:
        return parse_iin(iin).sex
    except RuleViolation:
        pass
    ending = "".join((patronymic or "").split()).casefold()
    if ending.endswith(PATRONYMIC_FEMALE_ENDINGS):
        return Sex.FEMALE
    if ending.endswith(PATRONYMIC_MALE_ENDINGS):
        return Sex.MALE
    return ""


# --- admission and expulsion orders, §15, §22 ------------------------------------------------

ADMISSION_CLAUSE = 15  # §15: listeners are admitted by order of the head
EXPULSION_CLAUSE = 22  # §22: expelled by order of the head, with a reference stating why


# --- the five-year rule, §10.1 -------------------------------------------------------

UPGRADE_PERIOD_YEARS = 5  # §10.1: at least once every five years
DUE_SOON_MONTHS = 12  # "due soon" is due within 12 months


class UpgradeStatus(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    DUE_SOON = "due_soon", _("Due within 12 months")
    COMPLIANT = "compliant", _("Up to date")
    NO_RECORD = "no_record", _("No record")


def upgrade_due_date(
    last_counting_completion: datetime.date | None, employment_start: datetime.date | None
) -> datetime.date | None:
    """Five years after the last counting upgrade, or after the start of employment
    in education when there is none; None when neither is known."""
    basis = last_counting_completion or employment_start
    return add_years(basis, UPGRADE_PERIOD_YEARS) if basis else None


def upgrade_status(due: datetime.date | None, on: datetime.date) -> str:
    """Overdue once the due date has passed; due soon within 12 months; else compliant."""
    if due is None:
        return UpgradeStatus.NO_RECORD
    if due < on:
        return UpgradeStatus.OVERDUE
    if due <= add_months(on, DUE_SOON_MONTHS):
        return UpgradeStatus.DUE_SOON
    return UpgradeStatus.COMPLIANT


def latest_basis_with_due_before(limit: datetime.date) -> datetime.date:
    """The latest basis date whose due date falls strictly before `limit`.

    add_years is non-decreasing, so "due < limit" is the same as "basis <= this date": a
    database can then compare a stored date with a constant instead of adding years itself
    (29 February handled once, here).
    """
    candidate = add_years(limit, -UPGRADE_PERIOD_YEARS) + datetime.timedelta(days=2)
    while add_years(candidate, UPGRADE_PERIOD_YEARS) >= limit:
        candidate -= datetime.timedelta(days=1)
    return candidate


def status_thresholds(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(overdue_up_to, due_soon_up_to): a basis on or before the first is overdue on `on`, one
    on or before the second (and after the first) is due soon. Used by the SQL annotation."""
    overdue_up_to = latest_basis_with_due_before(on)
    due_soon_up_to = latest_basis_with_due_before(
        add_months(on, DUE_SOON_MONTHS) + datetime.timedelta(days=1)
    )
    return overdue_up_to, due_soon_up_to


# --- enrollments, §14–§22 (the states and the seats: courses.rules) ------------------------------------------------------------


S = EnrollmentState
# applied → admitted (admission order) → completed | failed (commission, §21) |
# expelled (expulsion order with reason, §22) | withdrawn (own request); applied → waitlisted
# (intake full) → admitted or rejected. An applicant may also withdraw before admission.
ENROLLMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.ADMITTED, S.WAITLISTED, S.REJECTED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.ADMITTED, S.REJECTED, S.WITHDRAWN}),
    S.ADMITTED: frozenset({S.COMPLETED, S.FAILED, S.EXPELLED, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.EXPELLED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.REJECTED: frozenset(),
}
FINAL_STATES = frozenset(s for s, targets in ENROLLMENT_TRANSITIONS.items() if not targets)
# Admitted by an order of the head (§15), whatever came after: the people who studied in the
# intake, in its attendance journal, its results and the payments of §20.
ADMITTED_BY_ORDER_STATES = frozenset({S.ADMITTED, S.COMPLETED, S.FAILED, S.EXPELLED})


class Grade(models.IntegerChoices):
    """The commission's mark (§21), on the five-point scale of Kazakhstan's schools. Stored as
    a number and named in the reader's language: a result typed as words showed Kazakh words
    on Russian pages."""

    EXCELLENT = 5, _("5 (excellent)")
    GOOD = 4, _("4 (good)")
    SATISFACTORY = 3, _("3 (satisfactory)")
    UNSATISFACTORY = 2, _("2 (unsatisfactory)")


PASSING_GRADES = frozenset({Grade.EXCELLENT, Grade.GOOD, Grade.SATISFACTORY})


def grade_check(*, passed: bool, grade: int | None) -> None:
    """A grade, when given, agrees with the decision: 3 to 5 pass, 2 fails."""
    if grade is None:
        return
    if grade not in Grade.values:
        raise RuleViolation(_("A grade is 5, 4, 3 or 2."), code="grade")
    if passed != (grade in PASSING_GRADES):
        raise RuleViolation(
            _("“%(grade)s” does not go with “%(decision)s”: 3 to 5 pass, 2 fails.")
            % {"grade": Grade(grade).label, "decision": _("passed") if passed else _("failed")},
            code="grade_disagrees",
        )


class OrderKind(models.TextChoices):
    """Orders of the head (§15, §21, §22)."""

    ADMISSION = "admission", _("Admission order")
    EXPULSION = "expulsion", _("Expulsion order")
    COMPLETION = "completion", _("Completion order")
    COMMISSION = "commission", _("Commission order")


# The order a transition must be made by: admission §15, expulsion §22.
TRANSITION_ORDER_KIND = {
    S.ADMITTED: OrderKind.ADMISSION,
    S.EXPELLED: OrderKind.EXPULSION,
}


class ExpulsionGround(models.TextChoices):
    """§22: the two grounds for expelling a listener."""

    CURRICULUM = "curriculum", _("Failure to fulfil the curriculum")
    DISCIPLINE = "discipline", _("Gross breach of the internal rules")


def check_transition(
    current: str,
    target: str,
    *,
    order_kind: str | None = None,
    reason: str = "",
) -> None:
    """Refuse a change of an enrollment's state that the enrollment state machine does not allow, saying why."""
    labels = dict(EnrollmentState.choices)
    if target not in labels:
        raise RuleViolation(
            _("Unknown enrollment state: %(s)s."),
            field="state",
            code="unknown_state",
            params={"s": target},
        )
    if target not in ENROLLMENT_TRANSITIONS.get(current, frozenset()):
        raise RuleViolation(
            _("An enrollment cannot go from “%(from)s” to “%(to)s”."),
            field="state",
            code="illegal_transition",
            params={"from": labels.get(current, current), "to": labels[target]},
        )
    needed = TRANSITION_ORDER_KIND.get(target)
    if needed and order_kind != needed:
        raise RuleViolation(
            _("“%(to)s” is made by an order of the head: %(order)s (§15, §22)."),
            field="state",
            code="order_required",
            params={"to": labels[target], "order": OrderKind(needed).label},
        )
    if target == S.EXPELLED and not reason.strip():
        raise RuleViolation(
            _("An expulsion must state its reason, §22."), field="state", code="reason_required"
        )
