"""Listener rules: the IIN, the five-year rule (§10.1) and the enrollment state machine (§4)."""

import datetime
import itertools

import pytest

from institute.rules import RuleViolation, add_years, kz_check_digit
from listeners.rules import (
    ENROLLMENT_TRANSITIONS,
    FINAL_STATES,
    TRANSITION_ORDER_KIND,
    EnrollmentState,
    OrderKind,
    Sex,
    UpgradeStatus,
    check_transition,
    parse_iin,
    status_thresholds,
    upgrade_due_date,
    upgrade_status,
)

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
S = EnrollmentState


def with_check_digit(first_seven: str) -> str:
    """A 12-digit number starting with `first_seven` whose check digit is right."""
    for serial in range(10000):
        head = f"{first_seven}{serial:04d}"
        digit = kz_check_digit(head)
        if digit is not None:
            return f"{head}{digit}"
    raise AssertionError("no serial has a check digit")


def iin_refusal(value: str) -> str:
    with pytest.raises(RuleViolation) as refused:
        parse_iin(value)
    [error] = refused.value.error_dict["iin"]
    return error.code


# --- IIN -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iin", "birth", "sex"),
    [
        ("871008401427", D(1987, 10, 8), Sex.FEMALE),
        ("760212350620", D(1976, 2, 12), Sex.MALE),
        ("800416300257", D(1980, 4, 16), Sex.MALE),
        ("680503450037", D(1968, 5, 3), Sex.FEMALE),
    ],
)
def test_glossary_iins_give_their_birth_date_and_sex(iin, birth, sex):
    facts = parse_iin(iin)
    assert (facts.iin, facts.birth_date, facts.sex) == (iin, birth, sex)


def test_iin_is_read_without_surrounding_spaces():
    assert parse_iin(" 871008401427\n").iin == "871008401427"


# 85051530070: weights 1..11 give 164 ≡ 10 (mod 11); weights 3..11,1,2 give 155 ≡ 1.
SECOND_SEQUENCE_IIN = "850515300701"


def test_iin_whose_check_digit_needs_the_second_weights_is_accepted():
    facts = parse_iin(SECOND_SEQUENCE_IIN)
    assert (facts.birth_date, facts.sex) == (D(1985, 5, 15), Sex.MALE)


@pytest.mark.parametrize("digit", [d for d in "0123456789" if d != "1"])
def test_iin_with_any_other_check_digit_than_the_second_weights_give_is_refused(digit):
    # "0" is what a first-sequence-only check (10 → 0) would have accepted.
    assert iin_refusal(SECOND_SEQUENCE_IIN[:11] + digit) == "checksum"


def test_iin_whose_eleven_digits_have_no_check_digit_is_refused_whatever_its_last_digit():
    head = "85051530150"  # 10 with both weight sequences
    assert kz_check_digit(head) is None
    assert {iin_refusal(f"{head}{d}") for d in "0123456789"} == {"checksum"}


@pytest.mark.parametrize("iin", ["871008401428", "871008401420", "781008401427"])
def test_iin_with_a_wrong_check_digit_is_refused(iin):
    assert iin_refusal(iin) == "checksum"


def test_wrong_check_digit_message_names_the_iin():
    with pytest.raises(RuleViolation) as refused:
        parse_iin("871008401428")
    assert refused.value.messages == [
        "IIN 871008401428 has a wrong check digit: it was probably mistyped."
    ]


@pytest.mark.parametrize(
    "value",
    [
        "87100840142",  # 11 digits
        "8710084014270",  # 13 digits
        "",
        None,
        "87100840142A",
        "8710O8401427",  # a letter O among the digits
        "871008 401427",
        "８７１００８４０１４２７",  # full-width digits
    ],
)
def test_iin_that_is_not_twelve_ascii_digits_is_refused(value):
    assert iin_refusal(value) == "format"


@pytest.mark.parametrize("digit_7", ["0", "7", "8", "9"])
def test_iin_with_an_unassigned_seventh_digit_is_refused_even_with_a_right_check_digit(digit_7):
    assert iin_refusal(with_check_digit(f"871008{digit_7}")) == "century"


@pytest.mark.parametrize(
    "first_seven",
    [
        "871308" + "4",  # month 13
        "870008" + "4",  # month 00
        "870230" + "4",  # 30 February
        "870431" + "3",  # 31 April
        "871000" + "3",  # day 00
        "890229" + "4",  # 29 February 1989: not a leap year
        "000229" + "3",  # 29 February 1900: not a leap year
    ],
)
def test_iin_whose_first_six_digits_are_no_date_is_refused_even_with_a_right_check_digit(
    first_seven,
):
    assert iin_refusal(with_check_digit(first_seven)) == "date"


@pytest.mark.parametrize(
    ("first_seven", "birth", "sex"),
    [
        ("8802293", D(1988, 2, 29), Sex.MALE),  # 1988 is a leap year
        ("0002295", D(2000, 2, 29), Sex.MALE),  # 2000 is a leap year, 1900 is not
        ("8505151", D(1885, 5, 15), Sex.MALE),
        ("8505152", D(1885, 5, 15), Sex.FEMALE),
        ("8505153", D(1985, 5, 15), Sex.MALE),
        ("8505154", D(1985, 5, 15), Sex.FEMALE),
        ("0501015", D(2005, 1, 1), Sex.MALE),
        ("0501016", D(2005, 1, 1), Sex.FEMALE),
        ("9912314", D(1999, 12, 31), Sex.FEMALE),
    ],
)
def test_iin_seventh_digit_gives_the_century_and_sex(first_seven, birth, sex):
    facts = parse_iin(with_check_digit(first_seven))
    assert (facts.birth_date, facts.sex) == (birth, sex)


# --- the five-year rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_completion", "employment_start", "due"),
    [
        (D(2024, 2, 29), None, D(2029, 2, 28)),
        (D(2024, 2, 29), D(2010, 9, 1), D(2029, 2, 28)),
        (D(2023, 6, 30), D(2024, 9, 1), D(2028, 6, 30)),  # a completion wins over employment
        (None, D(2020, 9, 1), D(2025, 9, 1)),  # no completion: five years after employment
        (None, D(2016, 2, 29), D(2021, 2, 28)),
        (None, None, None),
    ],
)
def test_upgrade_due_date_is_five_years_after_the_basis(last_completion, employment_start, due):
    assert upgrade_due_date(last_completion, employment_start) == due


@pytest.mark.parametrize(
    ("due", "on", "status"),
    [
        (D(2029, 3, 1), D(2029, 3, 1), UpgradeStatus.DUE_SOON),  # due today: not overdue yet
        (D(2029, 2, 28), D(2029, 3, 1), UpgradeStatus.OVERDUE),  # due yesterday
        (D(2020, 1, 1), D(2029, 3, 1), UpgradeStatus.OVERDUE),
        (D(2030, 3, 1), D(2029, 3, 1), UpgradeStatus.DUE_SOON),  # exactly 12 months ahead
        (D(2030, 3, 2), D(2029, 3, 1), UpgradeStatus.COMPLIANT),  # one day more
        (D(2029, 2, 28), D(2028, 2, 29), UpgradeStatus.DUE_SOON),  # 12 months after 29 Feb
        (D(2029, 3, 1), D(2028, 2, 29), UpgradeStatus.COMPLIANT),
        (D(2026, 2, 28), D(2025, 2, 28), UpgradeStatus.DUE_SOON),
        (D(2026, 3, 1), D(2025, 2, 28), UpgradeStatus.COMPLIANT),
        (None, D(2029, 3, 1), UpgradeStatus.NO_RECORD),
    ],
)
def test_upgrade_status_at_each_boundary(due, on, status):
    assert upgrade_status(due, on) == status


def days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


FIXED_BASES = [
    D(2022, 12, 31),
    D(2023, 1, 1),
    D(2023, 2, 28),
    D(2023, 3, 1),
    D(2023, 6, 15),
    D(2023, 12, 31),
    D(2024, 1, 31),
    D(2024, 2, 28),
    D(2024, 2, 29),
    D(2024, 3, 1),
    D(2024, 8, 31),
    D(2024, 12, 31),
    D(2025, 2, 28),
    D(2025, 3, 1),
]


def classify(basis: datetime.date, on: datetime.date) -> str:
    """What the SQL annotation does with the thresholds (listeners.models)."""
    overdue_up_to, due_soon_up_to = status_thresholds(on)
    if basis <= overdue_up_to:
        return UpgradeStatus.OVERDUE
    if basis <= due_soon_up_to:
        return UpgradeStatus.DUE_SOON
    return UpgradeStatus.COMPLIANT


def test_status_thresholds_classify_every_basis_as_upgrade_status_does():
    mismatches = []
    for on in days(D(2028, 1, 1), D(2029, 12, 31)):
        overdue_up_to, due_soon_up_to = status_thresholds(on)
        neighbours = [
            threshold + datetime.timedelta(days=shift)
            for threshold in (overdue_up_to, due_soon_up_to)
            for shift in (-2, -1, 0, 1, 2)
        ]
        for basis in FIXED_BASES + neighbours:
            expected = upgrade_status(upgrade_due_date(basis, None), on)
            if classify(basis, on) != expected:
                mismatches.append((on, basis, classify(basis, on), expected))
    assert mismatches == []


def test_status_thresholds_agree_with_upgrade_status_for_every_basis_around_29_february():
    on_days = [D(2029, 2, 27), D(2029, 2, 28), D(2029, 3, 1), D(2028, 2, 28), D(2028, 2, 29)]
    mismatches = [
        (on, basis)
        for on in on_days
        for basis in days(D(2022, 1, 1), D(2025, 12, 31))
        if classify(basis, on) != upgrade_status(add_years(basis, 5), on)
    ]
    assert mismatches == []


def test_status_thresholds_on_1_march_2029_put_29_february_2024_in_overdue():
    # Due 28 Feb 2029 (29 Feb + 5 years), so overdue on 1 March and due soon the day before.
    assert status_thresholds(D(2029, 3, 1))[0] == D(2024, 2, 29)
    assert status_thresholds(D(2029, 2, 28))[0] == D(2024, 2, 27)


# --- the enrollment state machine ------------------------------------------------------

LEGAL = sorted(
    (current, target) for current, targets in ENROLLMENT_TRANSITIONS.items() for target in targets
)
ILLEGAL = sorted(
    (current, target)
    for current, target in itertools.product(EnrollmentState.values, repeat=2)
    if target not in ENROLLMENT_TRANSITIONS[current]
)


def test_the_state_machine_covers_every_state_and_its_final_states():
    assert set(ENROLLMENT_TRANSITIONS) == set(EnrollmentState.values)
    assert FINAL_STATES == {S.COMPLETED, S.FAILED, S.EXPELLED, S.WITHDRAWN, S.REJECTED}
    assert len(LEGAL) + len(ILLEGAL) == len(EnrollmentState.values) ** 2


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_illegal_transition_is_refused(current, target):
    # Given the order and reason a legal move would need, so that only the move is at fault.
    with pytest.raises(RuleViolation) as refused:
        check_transition(
            current, target, order_kind=TRANSITION_ORDER_KIND.get(target), reason="Reason"
        )
    [error] = refused.value.error_dict["state"]
    assert error.code == "illegal_transition"
    said = error.message % error.params
    labels = dict(EnrollmentState.choices)
    assert f"from “{labels[current]}” to “{labels[target]}”" in said


@pytest.mark.parametrize("final", sorted(FINAL_STATES))
def test_nothing_leaves_a_final_state(final):
    refused = set()
    for target in EnrollmentState.values:
        with pytest.raises(RuleViolation) as raised:
            check_transition(
                final, target, order_kind=TRANSITION_ORDER_KIND.get(target), reason="Reason"
            )
        refused.add((target, raised.value.error_dict["state"][0].code))
    assert refused == {(target, "illegal_transition") for target in EnrollmentState.values}


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_every_legal_transition_is_accepted_with_its_order_and_reason(current, target):
    assert (
        check_transition(
            current, target, order_kind=TRANSITION_ORDER_KIND.get(target), reason="Reason"
        )
        is None
    )


def test_the_legal_transitions_are_those_of_spec_section_4():
    assert set(LEGAL) == {
        (S.APPLIED, S.ADMITTED),
        (S.APPLIED, S.WAITLISTED),
        (S.APPLIED, S.REJECTED),
        (S.APPLIED, S.WITHDRAWN),
        (S.WAITLISTED, S.ADMITTED),
        (S.WAITLISTED, S.REJECTED),
        (S.WAITLISTED, S.WITHDRAWN),
        (S.ADMITTED, S.COMPLETED),
        (S.ADMITTED, S.FAILED),
        (S.ADMITTED, S.EXPELLED),
        (S.ADMITTED, S.WITHDRAWN),
    }


def transition_refusal(current: str, target: str, **kwargs) -> str:
    with pytest.raises(RuleViolation) as refused:
        check_transition(current, target, **kwargs)
    [error] = refused.value.error_dict["state"]
    return error.code


@pytest.mark.parametrize("current", [S.APPLIED, S.WAITLISTED])
@pytest.mark.parametrize(
    "order_kind", [None, OrderKind.EXPULSION, OrderKind.COMPLETION, OrderKind.COMMISSION]
)
def test_admission_without_an_admission_order_is_refused(current, order_kind):
    assert transition_refusal(current, S.ADMITTED, order_kind=order_kind) == "order_required"


@pytest.mark.parametrize("order_kind", [None, OrderKind.ADMISSION, OrderKind.COMPLETION])
def test_expulsion_without_an_expulsion_order_is_refused(order_kind):
    code = transition_refusal(S.ADMITTED, S.EXPELLED, order_kind=order_kind, reason="Absent")
    assert code == "order_required"


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_expulsion_without_a_reason_is_refused(reason):
    code = transition_refusal(S.ADMITTED, S.EXPELLED, order_kind=OrderKind.EXPULSION, reason=reason)
    assert code == "reason_required"


def test_expulsion_without_a_reason_cites_section_22():
    with pytest.raises(RuleViolation) as refused:
        check_transition(S.ADMITTED, S.EXPELLED, order_kind=OrderKind.EXPULSION)
    assert refused.value.messages == ["An expulsion must state its reason, §22."]


def test_a_state_that_does_not_exist_is_refused():
    assert transition_refusal(S.APPLIED, "graduated") == "unknown_state"
