"""Listener.objects.with_upgrade_status(on=…): the five-year rule (§10.1) computed in SQL
agrees with the rule computed in Python, case by case, in one query."""

import datetime
import itertools
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from courses.rules import ProgrammeKind
from listeners.enrollment.services import enrollment_change_state
from listeners.models import ExternalUpgrade, Listener
from listeners.rules import EnrollmentState, UpgradeStatus, upgrade_due_date, upgrade_status
from listeners.upgrades.services import external_upgrades_confirm
from tests.conftest import make_enrollment, make_intake, make_listener, make_programme

pytestmark = pytest.mark.django_db

D = datetime.date
K = ProgrammeKind
S = EnrollmentState
ON = D(2029, 6, 15)
_documents = itertools.count(1)


@dataclass(frozen=True)
class Here:
    """An enrollment at the institute."""

    completed_on: datetime.date
    kind: str = K.UPGRADE
    with_work_interruption: bool = True
    state: str = S.COMPLETED


@dataclass(frozen=True)
class Elsewhere:
    """An upgrade recorded from another institution's document."""

    completed_on: datetime.date
    confirmed: bool = True
    kind: str = K.UPGRADE
    with_work_interruption: bool = True


@dataclass(frozen=True)
class Case:
    name: str
    expected_last: datetime.date | None
    expected_status: str
    employment_start: datetime.date | None = None
    here: tuple[Here, ...] = field(default=())
    elsewhere: tuple[Elsewhere, ...] = field(default=())

    @property
    def expected_basis(self) -> datetime.date | None:
        return self.expected_last or self.employment_start


HIRED = D(2015, 9, 1)  # due 2020-09-01: overdue on ON whenever nothing counts

CASES = [
    Case(
        "upgrade due yesterday", D(2024, 6, 14), UpgradeStatus.OVERDUE, here=(Here(D(2024, 6, 14)),)
    ),
    Case("upgrade due today", D(2024, 6, 15), UpgradeStatus.DUE_SOON, here=(Here(D(2024, 6, 15)),)),
    Case(
        "upgrade due in exactly 12 months",
        D(2025, 6, 15),
        UpgradeStatus.DUE_SOON,
        here=(Here(D(2025, 6, 15)),),
    ),
    Case(
        "upgrade due in 12 months and a day",
        D(2025, 6, 16),
        UpgradeStatus.COMPLIANT,
        here=(Here(D(2025, 6, 16)),),
    ),
    Case(
        "upgrade without interruption does not count",
        None,
        UpgradeStatus.OVERDUE,
        employment_start=HIRED,
        here=(Here(D(2027, 1, 10), with_work_interruption=False),),
    ),
    Case(
        "retraining does not count",
        None,
        UpgradeStatus.OVERDUE,
        employment_start=HIRED,
        here=(Here(D(2027, 1, 10), kind=K.RETRAINING),),
    ),
    Case(
        "upgrade admitted or failed but not completed does not count",
        None,
        UpgradeStatus.OVERDUE,
        employment_start=HIRED,
        here=(Here(D(2027, 1, 10), state=S.ADMITTED), Here(D(2027, 5, 10), state=S.FAILED)),
    ),
    Case(
        "latest of several upgrades here",
        D(2025, 1, 10),
        UpgradeStatus.DUE_SOON,
        here=(Here(D(2020, 1, 10)), Here(D(2025, 1, 10)), Here(D(2022, 1, 10))),
    ),
    Case(
        "a completion wins over a later start of employment",
        D(2022, 1, 10),
        UpgradeStatus.OVERDUE,
        employment_start=D(2024, 9, 1),
        here=(Here(D(2022, 1, 10)),),
    ),
    Case(
        "confirmed upgrade elsewhere counts",
        D(2026, 1, 20),
        UpgradeStatus.COMPLIANT,
        employment_start=HIRED,
        elsewhere=(Elsewhere(D(2026, 1, 20)),),
    ),
    Case(
        "unconfirmed upgrade elsewhere does not count",
        None,
        UpgradeStatus.OVERDUE,
        employment_start=HIRED,
        elsewhere=(Elsewhere(D(2026, 1, 20), confirmed=False),),
    ),
    Case(
        "retraining or upgrade without interruption elsewhere does not count",
        None,
        UpgradeStatus.OVERDUE,
        employment_start=HIRED,
        elsewhere=(
            Elsewhere(D(2026, 1, 20), kind=K.RETRAINING),
            Elsewhere(D(2026, 2, 20), with_work_interruption=False),
        ),
    ),
    Case(
        "here later than elsewhere",
        D(2026, 5, 1),
        UpgradeStatus.COMPLIANT,
        here=(Here(D(2026, 5, 1)),),
        elsewhere=(Elsewhere(D(2023, 1, 1)),),
    ),
    Case(
        "elsewhere later than here",
        D(2026, 5, 1),
        UpgradeStatus.COMPLIANT,
        here=(Here(D(2023, 1, 1)),),
        elsewhere=(Elsewhere(D(2026, 5, 1)),),
    ),
    Case(
        "here only, nothing elsewhere",
        D(2024, 9, 1),
        UpgradeStatus.DUE_SOON,
        employment_start=D(2010, 9, 1),
        here=(Here(D(2024, 9, 1)),),
    ),
    Case(
        "elsewhere only, nothing here",
        D(2024, 9, 1),
        UpgradeStatus.DUE_SOON,
        employment_start=D(2010, 9, 1),
        elsewhere=(Elsewhere(D(2024, 9, 1)),),
    ),
    Case(
        "elsewhere only, an uncounted enrollment here",
        D(2024, 9, 1),
        UpgradeStatus.DUE_SOON,
        here=(Here(D(2027, 1, 10), kind=K.RETRAINING),),
        elsewhere=(Elsewhere(D(2024, 9, 1)),),
    ),
    Case("only employment start", None, UpgradeStatus.DUE_SOON, employment_start=D(2025, 1, 1)),
    Case("only employment start, long ago", None, UpgradeStatus.OVERDUE, employment_start=HIRED),
    Case("nothing known", None, UpgradeStatus.NO_RECORD),
    Case(
        "nothing that counts and no employment start",
        None,
        UpgradeStatus.NO_RECORD,
        here=(Here(D(2027, 1, 10), with_work_interruption=False),),
        elsewhere=(Elsewhere(D(2026, 1, 20), confirmed=False),),
    ),
]


@pytest.fixture
def programmes(db) -> dict[str, object]:
    return {
        K.UPGRADE: make_programme(K.UPGRADE, 72),
        K.RETRAINING: make_programme(K.RETRAINING, 280),
    }


def build(case: Case, programmes) -> Listener:
    listener = make_listener(employment_start=case.employment_start, last_name=case.name[:100])
    for here in case.here:
        intake = make_intake(programmes[here.kind])
        make_enrollment(
            listener,
            intake,
            state=here.state,
            completed_on=here.completed_on,
            with_work_interruption=here.with_work_interruption,
        )
    for elsewhere in case.elsewhere:
        ExternalUpgrade.objects.create(
            listener=listener,
            kind=elsewhere.kind,
            issuer="«Өрлеу» БАҰО",
            document_number=str(next(_documents)),
            completed_on=elsewhere.completed_on,
            hours=72,
            with_work_interruption=elsewhere.with_work_interruption,
            confirmed_at=timezone.now() if elsewhere.confirmed else None,
        )
    return listener


def annotated(listener: Listener, on: datetime.date) -> tuple:
    row = Listener.objects.with_upgrade_status(on=on).get(pk=listener.pk)
    return row.last_upgrade, row.upgrade_basis, row.upgrade_status


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_upgrade_status_in_sql_follows_the_five_year_rule(case, programmes):
    listener = build(case, programmes)
    in_python = upgrade_status(upgrade_due_date(case.expected_last, case.employment_start), ON)
    assert in_python == case.expected_status
    assert annotated(listener, ON) == (case.expected_last, case.expected_basis, in_python)


@pytest.mark.parametrize(
    ("on", "status"),
    [
        (D(2029, 2, 27), UpgradeStatus.DUE_SOON),
        (D(2029, 2, 28), UpgradeStatus.DUE_SOON),  # due today: 29 Feb + 5 years is 28 Feb
        (D(2029, 3, 1), UpgradeStatus.OVERDUE),
        (D(2028, 2, 27), UpgradeStatus.COMPLIANT),  # due in 12 months and a day
        (D(2028, 2, 28), UpgradeStatus.DUE_SOON),  # due in exactly 12 months
        (D(2028, 2, 29), UpgradeStatus.DUE_SOON),  # 12 months on is 28 Feb 2029
    ],
)
@pytest.mark.parametrize("where", ["here", "elsewhere"])
def test_upgrade_completed_on_29_february_is_due_on_28_february_five_years_later(
    on, status, where, programmes
):
    completion = D(2024, 2, 29)
    case = Case(
        "leap day",
        completion,
        status,
        here=(Here(completion),) if where == "here" else (),
        elsewhere=(Elsewhere(completion),) if where == "elsewhere" else (),
    )
    listener = build(case, programmes)
    assert upgrade_due_date(completion, None) == D(2029, 2, 28)
    assert upgrade_status(upgrade_due_date(completion, None), on) == status
    assert annotated(listener, on) == (completion, completion, status)


def test_upgrade_status_of_many_listeners_is_one_query(programmes, django_assert_num_queries):
    listeners = {build(case, programmes).pk: case for case in CASES}

    with django_assert_num_queries(1):
        rows = list(Listener.objects.with_upgrade_status(on=ON))

    assert len(rows) == len(CASES)
    assert {row.pk: (row.last_upgrade, row.upgrade_basis, row.upgrade_status) for row in rows} == {
        pk: (
            case.expected_last,
            case.expected_basis,
            upgrade_status(upgrade_due_date(case.expected_last, case.employment_start), ON),
        )
        for pk, case in listeners.items()
    }


def test_upgrade_status_can_be_filtered_on_for_a_report(programmes):
    listeners = {build(case, programmes).pk: case for case in CASES}
    overdue = Listener.objects.with_upgrade_status(on=ON).filter(
        upgrade_status=UpgradeStatus.OVERDUE
    )
    assert set(overdue.values_list("pk", flat=True)) == {
        pk for pk, case in listeners.items() if case.expected_status == UpgradeStatus.OVERDUE
    }


def test_every_basis_around_the_boundaries_gets_the_status_python_gives(programmes):
    boundaries = [D(2024, 6, 15), D(2025, 6, 15), D(2024, 2, 29), D(2023, 3, 1)]
    bases = sorted(
        {b + datetime.timedelta(days=shift) for b in boundaries for shift in range(-3, 4)}
    )
    by_here = {
        build(Case("", basis, "", here=(Here(basis),)), programmes).pk: basis for basis in bases
    }
    by_employment = {make_listener(employment_start=basis).pk: basis for basis in bases}
    for on in (ON, D(2029, 2, 28), D(2029, 3, 1), D(2028, 2, 29), D(2028, 3, 1)):
        rows = Listener.objects.with_upgrade_status(on=on).values_list("pk", "upgrade_status")
        sql = dict(rows)
        assert {pk: sql[pk] for pk in by_here} == {
            pk: upgrade_status(upgrade_due_date(basis, None), on) for pk, basis in by_here.items()
        }
        assert {pk: sql[pk] for pk in by_employment} == {
            pk: upgrade_status(upgrade_due_date(None, basis), on)
            for pk, basis in by_employment.items()
        }


# --- the stored date follows every path that changes what counts ------------------------------


def _last(listener: Listener) -> datetime.date | None:
    return Listener.objects.get(pk=listener.pk).last_upgrade_on


def test_completion_through_the_service_moves_the_last_upgrade(organisation, methodologist):
    from listeners.rules import OrderKind
    from tests.conftest import make_order

    person = make_listener(organisation)
    intake = make_intake(make_programme(K.UPGRADE, 36), end_date=D(2026, 3, 13))
    enrollment = make_enrollment(person, intake, state=S.ADMITTED)
    assert _last(person) is None
    enrollment_change_state(
        enrollment=enrollment,
        to=S.COMPLETED,
        by=methodologist,
        on=D(2026, 3, 14),
        order=make_order(OrderKind.COMPLETION, intake=intake),
    )
    assert _last(person) == D(2026, 3, 14)


def test_confirming_an_outside_upgrade_makes_it_count(organisation, methodologist):

    person = make_listener(organisation)
    ExternalUpgrade.objects.create(
        listener=person, issuer="Орлеу", document_number="1", completed_on=D(2025, 5, 5), hours=72
    )
    assert _last(person) is None
    confirmed = external_upgrades_confirm(
        upgrades=ExternalUpgrade.objects.filter(listener=person), by=methodologist
    )
    assert confirmed == 1
    assert _last(person) == D(2025, 5, 5)
    again = external_upgrades_confirm(
        upgrades=ExternalUpgrade.objects.filter(listener=person), by=methodologist
    )
    assert again == 0


def test_deleting_an_outside_upgrade_takes_it_back(organisation):
    person = make_listener(organisation)
    make_enrollment(
        person,
        make_intake(make_programme(K.UPGRADE, 72)),
        state=S.COMPLETED,
        completed_on=D(2024, 1, 10),
    )
    outside = ExternalUpgrade.objects.create(
        listener=person,
        issuer="Орлеу",
        document_number="2",
        completed_on=D(2025, 5, 5),
        hours=72,
        confirmed_at=timezone.now(),
    )
    assert _last(person) == D(2025, 5, 5)
    outside.delete()
    assert _last(person) == D(2024, 1, 10)
