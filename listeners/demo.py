"""The listeners' part of the demo data (`manage.py demo_data`, found by institute.contrib):
the people with valid, unique IINs (a few foreign citizens), their enrollments with orders
and a history that follows the enrollment state machine, and upgrades brought from
elsewhere, so that the five-year statuses are mixed on the reference date.

Planned in memory from fixed seeds (no database, no clock), then written with bulk inserts.
bulk_create skips save(), so what save() would derive is already in the plan, computed by
the same rules: a listener's birth date and sex by listeners.rules.parse_iin, the stored
date of the five-year rule by Listener.objects.refresh_last_upgrade once at the end.

Everything obeys the rules the models and services enforce: seats split by funding and
never overfilled (§14), admission and expulsion by order (§15, §22), and each enrollment's
history allowed by ENROLLMENT_TRANSITIONS.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.db import reset_queries

from courses.demo import IntakePlan, ProgrammePlan
from courses.models import Intake
from courses.rules import ProgrammeKind, validate_seats
from institute.contrib import Demo, DemoPart, demo_part
from institute.demo import data
from institute.demo.load import BATCH, CHUNK, chunks
from institute.demo.plan import (
    DAY,
    REF,
    DistrictKey,
    OrganisationPlan,
    allocate,
    day_between,
    iin_for,
    local_time,
    person_name,
    translit,
)
from institute.models import Organisation, User
from listeners.models import Enrollment, EnrollmentTransition, ExternalUpgrade, Listener, Order
from listeners.rules import ENROLLMENT_TRANSITIONS, ExpulsionGround, Grade, OrderKind, parse_iin
from listeners.rules import EnrollmentState as S

# --- plan ---------------------------------------------------------------------------------

STATE_ORDER_NUMBERS = {2024: 4, 2025: 7, 2026: 11, 2027: 2}
# A counting upgrade completed by this day falls due within a year of the reference date.
DUE_SOON_UNTIL = datetime.date(2022, 11, 20)


@dataclass(slots=True)
class OrderPlan:
    kind: str
    date: datetime.date
    intake: int
    created_by: str
    ground: str = ""
    reason: str = ""
    number: str = ""


@dataclass(slots=True)
class ListenerPlan:
    iin: str | None
    passport_number: str
    citizenship: str
    last_name: str
    first_name: str
    patronymic: str
    birth_date: datetime.date
    sex: str
    email: str
    phone: str
    organisation: int | None
    position: str
    subject: str
    employment_start: datetime.date | None


@dataclass(slots=True)
class TransitionPlan:
    from_state: str
    to_state: str
    at: datetime.datetime
    reason: str = ""
    order: OrderPlan | None = None


@dataclass(slots=True)
class EnrollmentPlan:
    listener: int
    intake: int
    basis: str
    state_order_reference: str
    customer: int | None
    contract_number: str
    price: Decimal | None
    with_work_interruption: bool
    from_other_town: bool
    state: str
    transitions: list[TransitionPlan]
    grade: int | None = None
    completed_on: datetime.date | None = None
    admission_order: OrderPlan | None = None
    expulsion_order: OrderPlan | None = None
    expulsion_reason: str = ""

    @property
    def applied_at(self) -> datetime.datetime:
        return self.transitions[0].at


@dataclass(slots=True)
class ExternalUpgradePlan:
    listener: int
    kind: str
    issuer: str
    document_number: str
    completed_on: datetime.date
    hours: int
    programme_title: str
    with_work_interruption: bool
    confirmed_by: str | None
    confirmed_at: datetime.datetime | None


def _phone(rng: random.Random) -> str:
    code = rng.choice(["700", "701", "702", "705", "707", "708", "747", "771", "775", "777"])
    return f"+7 {code} {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"


def build_listeners(count: int, organisations: list[OrganisationPlan]) -> list[ListenerPlan]:
    """`count` people: valid, unique IINs (born 1960–2000), a few foreign citizens (§16)."""
    rng = random.Random("demo:listeners")
    org_weights = {
        "school": 3,
        "gymnasium": 3,
        "lyceum": 3,
        "kindergarten": 1.5,
        "college": 2,
        "special": 1,
        "extracurricular": 1,
        "education_office": 0.5,
    }
    cum_weights = []
    running = 0.0
    for org in organisations:
        running += org_weights[org.kind]
        cum_weights.append(running)
    org_indices = range(len(organisations))
    first_birth = datetime.date(1960, 1, 1)
    birth_span = (datetime.date(2000, 12, 31) - first_birth).days
    foreign_step = max(3, min(1000, count // 3))
    iins: set[str] = set()
    passports: set[tuple[str, str]] = set()
    result = []
    for i in range(count):
        female = rng.random() < 0.78
        birth = first_birth + datetime.timedelta(days=rng.randint(0, birth_span))
        organisation = rng.choices(org_indices, cum_weights=cum_weights)[0]
        if rng.random() < 0.04:
            organisation = None
        if i % foreign_step == foreign_step // 2:
            citizenship = rng.choice(["UZ", "UZ", "RU", "KG"])
            pool = data.FOREIGNERS[citizenship]
            prefix, digits = pool["passport"]
            while True:
                passport = f"{prefix}{rng.randrange(10**digits):0{digits}d}"
                if (citizenship, passport) not in passports:
                    passports.add((citizenship, passport))
                    break
            last = rng.choice(pool["surnames"])[int(female)]
            first = rng.choice(pool["given"][int(female)])
            patronymic = rng.choice(pool["patronymics"])[int(female)]
            kazakh = False
            iin, sex = None, "F" if female else "M"
        else:
            last, first, patronymic, kazakh = person_name(rng, female=female)
            passport, citizenship = "", "KZ"
            while True:
                iin = iin_for(birth, female=female, serial=rng.randint(1, 9999))
                if iin and iin not in iins:
                    iins.add(iin)
                    break
            # Birth date and sex are read back from the IIN, as Listener.save() does.
            facts = parse_iin(iin)
            birth, sex = facts.birth_date, facts.sex
        kind = organisations[organisation].kind if organisation is not None else "school"
        position_kk, position_ru = rng.choice(data.POSITIONS.get(kind, data.POSITIONS["school"]))
        position = position_kk if kazakh else position_ru
        subject = ""
        if position in data.TEACHING_POSITIONS:
            subject_row = rng.choice(data.SUBJECTS)
            subject = subject_row[0][0].upper() + subject_row[0][1:] if kazakh else subject_row[1]
        employment_start = None
        if rng.random() >= 0.06:
            years = rng.randint(21, 24) + (rng.randint(1, 15) if rng.random() < 0.2 else 0)
            year = min(birth.year + years, 2026)
            if rng.random() < 0.7:
                employment_start = datetime.date(year, 9, 1)
            else:
                employment_start = day_between(
                    rng, datetime.date(year, 1, 9), datetime.date(year, 8, 31)
                )
        email = ""
        if rng.random() < 0.35:
            email = (
                f"{translit(first)}.{translit(last)}{rng.randint(1, 99)}"
                f"@{rng.choice(data.EMAIL_DOMAINS)}"
            )
        result.append(
            ListenerPlan(
                iin=iin,
                passport_number=passport,
                citizenship=citizenship,
                last_name=last,
                first_name=first,
                patronymic=patronymic,
                birth_date=birth,
                sex=sex,
                email=email,
                phone=_phone(rng) if rng.random() < 0.7 else "",
                organisation=organisation,
                position=position,
                subject=subject,
                employment_start=employment_start,
            )
        )
    return result


# --- enrollments -------------------------------------------------------------------------------

# How the enrollments of an intake stand, by the intake's status on the reference date.
STATE_MIX: dict[str, list[tuple[str, int]]] = {
    "finished": [
        (S.COMPLETED, 80),
        (S.FAILED, 5),
        (S.EXPELLED, 3),
        (S.WITHDRAWN, 6),
        (S.REJECTED, 6),
    ],
    "in_progress": [(S.ADMITTED, 84), (S.EXPELLED, 3), (S.WITHDRAWN, 6), (S.REJECTED, 7)],
    "open": [
        (S.APPLIED, 45),
        (S.ADMITTED, 28),
        (S.WAITLISTED, 12),
        (S.WITHDRAWN, 6),
        (S.REJECTED, 9),
    ],
    "cancelled": [(S.WITHDRAWN, 40), (S.REJECTED, 60)],
}
# Share of the enrollments an intake gets, by status and by kind of programme.
STATUS_WEIGHT = {"finished": 1.0, "in_progress": 1.0, "open": 0.7, "cancelled": 0.15, "planned": 0}
KIND_WEIGHT = {
    ProgrammeKind.UPGRADE: 1.0,
    ProgrammeKind.INTERNSHIP: 0.4,
    ProgrammeKind.RETRAINING: 0.7,
    ProgrammeKind.SECOND_DEGREE: 0.5,
}
# How many intakes one person attends: about 2.4 on average.
ENROLLMENTS_PER_LISTENER = [(1, 27), (2, 31), (3, 24), (4, 11), (5, 7)]
# Beyond the default size the data set is for load tests (100,000 listeners must come with
# about 1,000,000 enrollments): the people past the first 5,000 attend about ten intakes.
LOAD_TEST_FROM = 5_000
LOAD_TEST_ENROLLMENTS_PER_LISTENER = [(8, 20), (9, 20), (10, 20), (11, 20), (12, 20)]


def _mean(distribution: list[tuple[int, int]]) -> float:
    return sum(v * w for v, w in distribution) / sum(w for _v, w in distribution)


def expected_enrollments(listeners: int) -> float:
    """About 2.4 per person up to 5,000 people, about 10 per person beyond."""
    regular = min(listeners, LOAD_TEST_FROM)
    return regular * _mean(ENROLLMENTS_PER_LISTENER) + (listeners - regular) * _mean(
        LOAD_TEST_ENROLLMENTS_PER_LISTENER
    )


GRADES = [Grade.EXCELLENT, Grade.GOOD, Grade.SATISFACTORY]


def _deal(
    rng: random.Random, listeners: int, intakes: list[IntakePlan], programmes: list[ProgrammePlan]
) -> list[list[int]]:
    """The listeners of each intake: every person in one to five intakes (eight to twelve in a
    load-test data set), never twice in one."""
    deck = []
    regular = min(listeners, LOAD_TEST_FROM)
    for first, count, distribution in (
        (0, regular, ENROLLMENTS_PER_LISTENER),
        (regular, listeners - regular, LOAD_TEST_ENROLLMENTS_PER_LISTENER),
    ):
        values = [v for v, _w in distribution]
        weights = [w for _v, w in distribution]
        for person, times in enumerate(rng.choices(values, weights, k=count), start=first):
            deck.extend([person] * times)
    rng.shuffle(deck)
    intake_weights = [
        STATUS_WEIGHT[i.status] * KIND_WEIGHT[programmes[i.programme].kind] * rng.uniform(0.6, 1.4)
        for i in intakes
    ]
    sizes = allocate(len(deck), intake_weights)
    dealt, pos = [], 0
    for size in sizes:
        chosen: list[int] = []
        seen: set[int] = set()
        while len(chosen) < size and pos < len(deck):
            if deck[pos] in seen:
                for q in range(pos + 1, min(pos + 200, len(deck))):
                    if deck[q] not in seen:
                        deck[pos], deck[q] = deck[q], deck[pos]
                        break
                else:
                    pos += 1  # nobody new nearby: this place stays empty
                    continue
            seen.add(deck[pos])
            chosen.append(deck[pos])
            pos += 1
        dealt.append(chosen)
    return dealt


def _location(intake: IntakePlan) -> DistrictKey | None:
    """Where the intake studies; None for distance learning."""
    if intake.place == "distance":
        return None
    if intake.place == "branch":
        return (data.PAVLODAR_REGION, data.BRANCHES[intake.branch][2])
    if intake.place == "district":
        return intake.district
    return data.INSTITUTE_CITY


def _path(rng: random.Random, state: str, status: str) -> list[str]:
    """The states an enrollment went through to reach `state`, each step one that
    ENROLLMENT_TRANSITIONS allows."""
    if state == S.APPLIED:
        return [S.APPLIED]
    if state == S.WAITLISTED:
        return [S.APPLIED, S.WAITLISTED]
    if state == S.REJECTED:
        if status != "cancelled" and rng.random() < 0.4:
            return [S.APPLIED, S.WAITLISTED, S.REJECTED]
        return [S.APPLIED, S.REJECTED]
    if state == S.WITHDRAWN:
        if status in ("cancelled", "open") or rng.random() < 0.5:
            return [S.APPLIED, S.WITHDRAWN]
        return [S.APPLIED, S.ADMITTED, S.WITHDRAWN]
    admitted = (
        [S.APPLIED, S.WAITLISTED, S.ADMITTED] if rng.random() < 0.15 else [S.APPLIED, S.ADMITTED]
    )
    return admitted if state == S.ADMITTED else [*admitted, state]


class _Enroller:
    """Builds the enrollments, orders and state history of the intakes one by one."""

    def __init__(
        self,
        programmes: list[ProgrammePlan],
        listeners: list[ListenerPlan],
        organisations: list[OrganisationPlan],
    ) -> None:
        self.rng = random.Random("demo:enrollments")
        self.programmes = programmes
        self.listeners = listeners
        self.organisations = organisations
        self.orders: list[OrderPlan] = []
        self.enrollments: list[EnrollmentPlan] = []
        self.contracts = 0

    def order(self, kind: str, day: datetime.date, intake: int, by: str, **extra) -> OrderPlan:
        order = OrderPlan(kind=kind, date=day, intake=intake, created_by=by, **extra)
        self.orders.append(order)
        return order

    def intake(self, i: int, intake: IntakePlan, people: list[int]) -> None:
        rng = self.rng
        programme = self.programmes[intake.programme]
        status = intake.status
        start, end = intake.start_date, intake.end_date
        by = intake.methodologist
        # The admission order closes the applications (§15); an open intake has admitted
        # its first applicants just before the reference date.
        if status == "open":
            decision = REF - 2 * DAY
        elif status == "cancelled":
            decision = min(start - 3 * DAY, REF - DAY)
        else:
            decision = start - 3 * DAY
        first_application = decision - 45 * DAY
        last_day = min(end, REF - DAY)
        states, weights = zip(*STATE_MIX.get(status, [(S.APPLIED, 1)]), strict=True)
        reference = ""
        if programme.kind != ProgrammeKind.SECOND_DEGREE:
            year = start.year
            reference = (
                f"Павлодар облысының білім басқармасы, {year} ж. мемлекеттік тапсырыс "
                f"№ {STATE_ORDER_NUMBERS[year]}"
            )
        location = _location(intake)
        admission = completion = None
        seats = {"state": 0, "contract": 0}
        for person in people:
            listener = self.listeners[person]
            state = rng.choices(states, weights)[0]
            path = _path(rng, state, status)
            basis = self._basis(programme, listener)
            # Applications before the decision when the applicant was admitted, rejected
            # or dropped out; pending ones up to the reference date.
            pending = path[-1] in (S.APPLIED, S.WAITLISTED) or (
                status == "open" and path == [S.APPLIED, S.WITHDRAWN]
            )
            applied_on = day_between(
                rng, first_application, (REF - 2 * DAY) if pending else decision - 2 * DAY
            )
            transitions = [
                TransitionPlan("", S.APPLIED, local_time(applied_on, 10, rng.randint(0, 59)))
            ]
            enrollment = EnrollmentPlan(
                listener=person,
                intake=i,
                basis=basis,
                state_order_reference=reference if basis == "state_order" else "",
                customer=listener.organisation if basis == "contract_organisation" else None,
                contract_number="",
                price=None,
                with_work_interruption=intake.with_work_interruption,
                from_other_town=location is not None
                and listener.organisation is not None
                and self.organisations[listener.organisation].district != location,
                state=state,
                transitions=transitions,
            )
            if basis != "state_order":
                self.contracts += 1
                enrollment.contract_number = f"Ш-{start.year}/{self.contracts:06d}"
                enrollment.price = programme.price
            for previous, target in zip(path, path[1:], strict=False):
                assert target in ENROLLMENT_TRANSITIONS[previous], (previous, target)
                if target == S.WAITLISTED:
                    transitions.append(
                        TransitionPlan(previous, target, local_time(applied_on + DAY, 9))
                    )
                elif target == S.ADMITTED:
                    if admission is None:
                        admission = self.order(OrderKind.ADMISSION, decision, i, by)
                    enrollment.admission_order = admission
                    transitions.append(
                        TransitionPlan(previous, target, local_time(decision, 11), order=admission)
                    )
                    seats["state" if basis == "state_order" else "contract"] += 1
                elif target == S.REJECTED:
                    why = "cancelled" if status == "cancelled" else "documents"
                    if previous == S.WAITLISTED:
                        why = "full"
                    transitions.append(
                        TransitionPlan(
                            previous,
                            target,
                            local_time(decision, 11, 30),
                            data.REJECTION_REASONS[why],
                        )
                    )
                elif target == S.WITHDRAWN:
                    if previous == S.ADMITTED:
                        day = day_between(rng, max(start, decision + DAY), last_day)
                    else:
                        day = day_between(rng, applied_on + DAY, min(decision, REF - DAY))
                    transitions.append(
                        TransitionPlan(
                            previous, target, local_time(day, 14), data.WITHDRAWAL_REASON
                        )
                    )
                elif target == S.EXPELLED:
                    ground = rng.choice([ExpulsionGround.CURRICULUM, ExpulsionGround.DISCIPLINE])
                    reason = data.EXPULSION_REASONS[ground]
                    day = day_between(rng, start + DAY, min(end - DAY, REF - DAY))
                    order = self.order(
                        OrderKind.EXPULSION, day, i, by, ground=ground, reason=reason
                    )
                    enrollment.expulsion_order, enrollment.expulsion_reason = order, reason
                    transitions.append(
                        TransitionPlan(previous, target, local_time(day, 16), reason, order)
                    )
                elif target in (S.COMPLETED, S.FAILED):
                    if completion is None:
                        completion = self.order(OrderKind.COMPLETION, end, i, by)
                    exam = intake.assessment_form == "exam"
                    # A grade on an examination; other forms record the decision only.
                    if target == S.COMPLETED:
                        enrollment.completed_on = end
                        enrollment.grade = rng.choice(GRADES) if exam else None
                    else:
                        enrollment.grade = Grade.UNSATISFACTORY if exam else None
                    transitions.append(
                        TransitionPlan(previous, target, local_time(end, 15), order=completion)
                    )
            if status == "open" and state == S.APPLIED:
                # Seats are kept for those still waiting for the decision.
                seats["state" if basis == "state_order" else "contract"] += 1
            self.enrollments.append(enrollment)
        if status == "finished":
            self.order(OrderKind.COMMISSION, start, i, by)
        self._seats(intake, programme, seats, reference)

    def _basis(self, programme: ProgrammePlan, listener: ListenerPlan) -> str:
        """§14, §17: state order for most; a second degree is paid (§11)."""
        roll = self.rng.random()
        if programme.kind == ProgrammeKind.SECOND_DEGREE:
            basis = "contract_organisation" if roll < 0.4 else "contract_person"
        elif roll < 0.7:
            basis = "state_order"
        else:
            basis = "contract_organisation" if roll < 0.88 else "contract_person"
        if basis == "contract_organisation" and listener.organisation is None:
            basis = "contract_person"
        return basis

    def _seats(
        self, intake: IntakePlan, programme: ProgrammePlan, taken: dict[str, int], reference: str
    ) -> None:
        """Seats enough for everyone ever admitted (and, in an open intake, for those still
        waiting), plus a few free ones; the waitlisted wait for lack of seats (§14)."""
        rng = self.rng
        paid_only = programme.kind == ProgrammeKind.SECOND_DEGREE
        if taken["state"] + taken["contract"] == 0:
            capacity = rng.randint(20, 40)
            state_seats = 0 if paid_only else round(capacity * 0.75)
            intake.state_order_seats, intake.contract_seats = state_seats, capacity - state_seats
        else:
            intake.state_order_seats = 0 if paid_only else taken["state"] + rng.randint(0, 3)
            intake.contract_seats = taken["contract"] + rng.randint(0, 3)
            if intake.capacity == 0:
                intake.contract_seats = 1
        intake.state_order_reference = reference if intake.state_order_seats else ""
        validate_seats(
            capacity=intake.capacity,
            state_order_seats=intake.state_order_seats,
            contract_seats=intake.contract_seats,
        )


def _number_orders(orders: list[OrderPlan], intakes: list[IntakePlan]) -> list[OrderPlan]:
    """Orders numbered 1, 2, … within each year in the order they were signed."""
    rank = {
        OrderKind.COMMISSION: 0,
        OrderKind.ADMISSION: 1,
        OrderKind.EXPULSION: 2,
        OrderKind.COMPLETION: 3,
    }
    ordered = sorted(orders, key=lambda o: (o.date, rank[o.kind], intakes[o.intake].code))
    counters: dict[int, int] = {}
    for order in ordered:
        counters[order.date.year] = counters.get(order.date.year, 0) + 1
        order.number = str(counters[order.date.year])
    return ordered


def build_external_upgrades(listeners: list[ListenerPlan]) -> list[ExternalUpgradePlan]:
    """Upgrades some people bring from elsewhere: most confirmed, some not yet;
    a few that do not count (retraining, or without interruption from work)."""
    rng = random.Random("demo:external")
    titles = [t[0] for t in data.UPGRADE_TITLES]
    result = []
    for person, listener in enumerate(listeners):
        if listener.iin is None or rng.random() >= 0.12:
            continue
        for issuer in rng.sample(data.EXTERNAL_ISSUERS, 2 if rng.random() < 0.12 else 1):
            roll = rng.random()
            kind = ProgrammeKind.UPGRADE
            hours = rng.choice([36, 72, 80, 108, 120])
            if roll > 0.92:
                kind, hours = ProgrammeKind.RETRAINING, rng.choice([300, 520])
            # Many from the previous round of courses, in 2021–2022: due again soon.
            if rng.random() < 0.45:
                completed = day_between(rng, datetime.date(2021, 6, 1), DUE_SOON_UNTIL)
            else:
                completed = day_between(rng, datetime.date(2018, 6, 1), datetime.date(2025, 12, 26))
            confirmed = rng.random() < 0.75
            result.append(
                ExternalUpgradePlan(
                    listener=person,
                    kind=kind,
                    issuer=issuer,
                    document_number=f"{rng.randint(1, 99999):06d}",
                    completed_on=completed,
                    hours=hours,
                    programme_title=rng.choice(titles),
                    with_work_interruption=rng.random() < 0.85,
                    confirmed_by="methodologist" if confirmed else None,
                    confirmed_at=local_time(
                        min(completed + rng.randint(10, 200) * DAY, REF - DAY), 12
                    )
                    if confirmed
                    else None,
                )
            )
    return result


def _account_listener(
    listeners: list[ListenerPlan], enrollments: list[EnrollmentPlan], intakes: list[IntakePlan]
) -> int:
    """The person behind the `listener` demo account: one with a completed course and
    another one open or under way, so that their page has something to show."""
    completed, current = set(), set()
    for e in enrollments:
        if e.state == S.COMPLETED:
            completed.add(e.listener)
        elif intakes[e.intake].status in ("open", "in_progress") and e.state in (
            S.APPLIED,
            S.ADMITTED,
        ):
            current.add(e.listener)
    candidates = [p for p in sorted(completed) if listeners[p].iin]
    best = [p for p in candidates if p in current and listeners[p].email]
    return (best or candidates)[0]


# --- writing -----------------------------------------------------------------------------


@demo_part
class ListenersDemo(DemoPart):
    collides = (Listener,)
    counts = (
        ("listeners", Listener),
        ("enrollments", Enrollment),
        ("state changes", EnrollmentTransition),
        ("orders", Order),
        ("upgrades from elsewhere", ExternalUpgrade),
    )

    def size(self, demo: Demo) -> None:
        # The courses' part sizes the intakes by the enrollments they must hold.
        demo.plan.expected_enrollments = expected_enrollments(demo.listeners)

    def plan(self, demo: Demo) -> None:
        plan = demo.plan
        plan.listeners = build_listeners(demo.listeners, plan.organisations)
        enroller = _Enroller(plan.programmes, plan.listeners, plan.organisations)
        for i, group in enumerate(
            _deal(enroller.rng, demo.listeners, plan.intakes, plan.programmes)
        ):
            enroller.intake(i, plan.intakes[i], group)
        plan.orders = _number_orders(enroller.orders, plan.intakes)
        plan.enrollments = enroller.enrollments
        plan.external_upgrades = build_external_upgrades(plan.listeners)
        plan.account_listener = _account_listener(plan.listeners, plan.enrollments, plan.intakes)
        demo.say(
            f"planned: {len(plan.listeners)} listeners, {len(plan.intakes)} intakes, "
            f"{len(plan.enrollments)} enrollments"
        )

    def load(self, demo: Demo) -> None:
        plan, rows = demo.plan, demo.rows
        users = rows.users
        orders = Order.objects.bulk_create(
            (
                Order(
                    kind=o.kind,
                    number=o.number,
                    date=o.date,
                    year=o.date.year,  # Order.save() would set it
                    intake=rows.intakes[o.intake],
                    head_name=data.INSTITUTE["head_name"],
                    head_title=data.INSTITUTE["head_title_kk"],
                    ground=o.ground,
                    reason=o.reason,
                    created_by=users[o.created_by],
                )
                for o in plan.orders
            ),
            batch_size=BATCH,
        )
        order_pks = {id(o): order.pk for o, order in zip(plan.orders, orders, strict=True)}
        listener_pks = _listeners(plan.listeners, rows.organisations, demo.say)
        _enrollments(
            plan, rows.intakes, rows.organisations, listener_pks, order_pks, users, demo.say
        )
        ExternalUpgrade.objects.bulk_create(
            (
                ExternalUpgrade(
                    listener_id=listener_pks[x.listener],
                    kind=x.kind,
                    issuer=x.issuer,
                    document_number=x.document_number,
                    completed_on=x.completed_on,
                    hours=x.hours,
                    programme_title=x.programme_title,
                    with_work_interruption=x.with_work_interruption,
                    confirmed_by=users[x.confirmed_by] if x.confirmed_by else None,
                    confirmed_at=x.confirmed_at,
                )
                for x in plan.external_upgrades
            ),
            batch_size=BATCH,
        )
        # Bulk inserts skip save(): the stored date of the five-year rule is computed once, here.
        Listener.objects.refresh_last_upgrade()
        demo.say("five-year rule: last counting upgrades computed")
        _listener_account_link(
            users["listener"], Listener.objects.get(pk=listener_pks[plan.account_listener])
        )

    def ensure(self, demo: Demo) -> None:
        user = User.objects.filter(username="listener").first()
        if user is not None:
            _listener_account_link(user)


def _listener_account_link(user: User, listener: Listener | None = None) -> None:
    """Give the `listener` account a person: one with a completed course."""
    if Listener.objects.filter(user=user).exists():
        return
    if listener is None:
        listener = (
            Listener.objects.filter(
                user__isnull=True, iin__isnull=False, enrollments__state=S.COMPLETED
            )
            .order_by("pk")
            .first()
        )
    if listener is None:
        return
    listener.user = user
    listener.save(update_fields=["user"])
    user.first_name, user.last_name, user.email = (
        listener.first_name,
        listener.last_name,
        listener.email,
    )
    user.save(update_fields=["first_name", "last_name", "email"])


def _listeners(
    planned: list[ListenerPlan], organisations: list[Organisation], say: Callable[[str], None]
) -> list[int]:
    pks: list[int] = []
    for chunk in chunks(planned, CHUNK):
        created = Listener.objects.bulk_create(
            (
                Listener(
                    iin=p.iin,
                    passport_number=p.passport_number,
                    citizenship=p.citizenship,
                    last_name=p.last_name,
                    first_name=p.first_name,
                    patronymic=p.patronymic,
                    # From the IIN by listeners.rules.parse_iin, as Listener.save() does.
                    birth_date=p.birth_date,
                    sex=p.sex,
                    email=p.email,
                    phone=p.phone,
                    organisation=organisations[p.organisation]
                    if p.organisation is not None
                    else None,
                    position=p.position,
                    subject=p.subject,
                    employment_start=p.employment_start,
                )
                for p in chunk
            ),
            batch_size=BATCH,
        )
        pks.extend(listener.pk for listener in created)
        reset_queries()  # with DEBUG on, Django keeps every query: drop them as we go
        say(f"listeners: {len(pks)}")
    return pks


def _enrollments(
    plan: SimpleNamespace,
    intakes: list[Intake],
    organisations: list[Organisation],
    listener_pks: list[int],
    order_pks: dict[int, int],
    users: dict[str, User],
    say: Callable[[str], None],
) -> None:
    done = 0
    for chunk in chunks(plan.enrollments, CHUNK):
        created = Enrollment.objects.bulk_create(
            (
                Enrollment(
                    listener_id=listener_pks[e.listener],
                    intake=intakes[e.intake],
                    basis=e.basis,
                    state_order_reference=e.state_order_reference,
                    customer=organisations[e.customer] if e.customer is not None else None,
                    contract_number=e.contract_number,
                    price=e.price,
                    with_work_interruption=e.with_work_interruption,
                    from_other_town=e.from_other_town,
                    state=e.state,
                    grade=e.grade,
                    completed_on=e.completed_on,
                    admission_order_id=order_pks[id(e.admission_order)]
                    if e.admission_order
                    else None,
                    expulsion_order_id=order_pks[id(e.expulsion_order)]
                    if e.expulsion_order
                    else None,
                    expulsion_reason=e.expulsion_reason,
                    applied_at=e.applied_at,
                )
                for e in chunk
            ),
            batch_size=BATCH,
        )
        EnrollmentTransition.objects.bulk_create(
            (
                EnrollmentTransition(
                    enrollment_id=enrollment.pk,
                    from_state=t.from_state,
                    to_state=t.to_state,
                    at=t.at,
                    by=users[plan.intakes[e.intake].methodologist],
                    reason=t.reason,
                    order_id=order_pks[id(t.order)] if t.order else None,
                )
                for e, enrollment in zip(chunk, created, strict=True)
                for t in e.transitions
            ),
            batch_size=BATCH,
        )
        done += len(chunk)
        reset_queries()
        say(f"enrollments: {done}")
