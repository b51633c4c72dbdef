"""The courses' part of the demo data (`manage.py demo_data`, found by institute.contrib):
programmes of every kind and band, and two years of intakes around the reference date with
their sessions and commissions.

Planned in memory from a fixed seed (no database, no clock), then written with bulk inserts.
bulk_create skips save(), so what save() and clean() would derive or check is done here by
the same rules: a programme's band by courses.rules.programme_band, an intake's dates and
seats by validate_intake_dates and validate_seats (programmes, being few, are saved one by
one anyway).
"""

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from courses.models import Commission, CommissionMember, Intake, Programme, Session
from courses.rules import (
    ProgrammeKind,
    programme_band,
    validate_intake_dates,
    validate_programme_hours,
    validate_seats,
)
from institute.contrib import Demo, DemoPart, demo_part
from institute.demo import data
from institute.demo.load import BATCH
from institute.demo.plan import (
    DAY,
    METHODOLOGIST_NAMES,
    METHODOLOGISTS,
    REF,
    DistrictKey,
    TeacherPlan,
    day_between,
)
from institute.models import Branch, Teacher, User

# --- plan ---------------------------------------------------------------------------------

# Intakes start from January 2025 to June 2027; retraining and second degrees, which last
# months or years, may have started in 2024 so that some of them have finished.
WINDOW_START = datetime.date(2025, 1, 6)
LONG_WINDOW_START = datetime.date(2024, 1, 8)
WINDOW_END = datetime.date(2027, 6, 28)
# An intake opens for applications two months before it starts.
OPEN_AHEAD = datetime.timedelta(days=60)
# Programmes archived in 2025 ran only before this day.
ARCHIVED_AFTER = datetime.date(2025, 8, 31)


@dataclass(slots=True)
class ProgrammePlan:
    code: str
    kind: str
    hours: int
    duration_days: int | None
    band: str
    title_kk: str
    title_ru: str
    language: str
    with_work_interruption: bool
    field: str
    internship_host: str
    internship_abroad: bool
    is_active: bool
    price: Decimal


@dataclass(slots=True)
class SessionPlan:
    date: datetime.date
    starts_at: datetime.time
    topic: str
    hours: int
    teacher: int | None


@dataclass(slots=True)
class MemberPlan:
    full_name: str
    position: str
    role: str
    teacher: int | None


@dataclass(slots=True)
class IntakePlan:
    code: str
    programme: int
    start_date: datetime.date
    end_date: datetime.date
    status: str
    language: str
    place: str
    branch: int | None
    district: DistrictKey | None
    with_work_interruption: bool
    methodologist: str
    teachers: list[int]
    cancel_reason: str = ""
    state_order_seats: int = 0
    contract_seats: int = 0
    state_order_reference: str = ""
    sessions: list[SessionPlan] = field(default_factory=list)
    assessment_form: str = ""
    sits_on: datetime.date | None = None
    members: list[MemberPlan] = field(default_factory=list)

    @property
    def capacity(self) -> int:
        return self.state_order_seats + self.contract_seats


# --- programmes ------------------------------------------------------------------------------

PRICE_PER_HOUR = {
    ProgrammeKind.UPGRADE: 850,
    ProgrammeKind.INTERNSHIP: 1200,
    ProgrammeKind.RETRAINING: 700,
    ProgrammeKind.SECOND_DEGREE: 650,
}


def _programme(
    code: str,
    kind: str,
    hours: int,
    title_kk: str,
    title_ru: str,
    field_code: str,
    *,
    index: int,
    duration_days: int | None = None,
    host: str = "",
    abroad: bool = False,
    is_active: bool = True,
) -> ProgrammePlan:
    validate_programme_hours(kind, hours, duration_days)
    # Retraining and second degrees are studied mostly without leaving work; every fifth
    # upgrade too (an evening or distance course).
    if kind in (ProgrammeKind.RETRAINING, ProgrammeKind.SECOND_DEGREE):
        with_interruption = index % 3 == 0
    else:
        with_interruption = index % 5 != 4
    return ProgrammePlan(
        code=code,
        kind=kind,
        hours=hours,
        duration_days=duration_days,
        band=programme_band(kind, hours, duration_days),
        title_kk=title_kk,
        title_ru=title_ru,
        language=("kk", "ru", "kk_ru", "kk", "ru", "kk", "kk_ru")[index % 7],
        with_work_interruption=with_interruption,
        field=field_code,
        internship_host=host,
        internship_abroad=abroad,
        is_active=is_active,
        price=Decimal(round(hours * PRICE_PER_HOUR[kind], -3)),
    )


def build_programmes() -> list[ProgrammePlan]:
    """Sixty programmes: every kind, every band (§10–§11), four of them archived."""
    result = []
    archived = {7, 19, 33, 50}
    for title_kk, title_ru, subject_count in data.SUBJECT_TITLES:
        for kk, _nom, genitive, dative, field_code in data.SUBJECTS[:subject_count]:
            i = len(result)
            result.append(
                _programme(
                    f"UPG-{i + 1:03d}",
                    ProgrammeKind.UPGRADE,
                    data.UPGRADE_HOURS[i % len(data.UPGRADE_HOURS)],
                    title_kk.format(s=kk, S=kk[0].upper() + kk[1:]),
                    title_ru.format(g=genitive, d=dative),
                    field_code,
                    index=i,
                    is_active=i not in archived,
                )
            )
    for title_kk, title_ru, field_code in data.UPGRADE_TITLES:
        i = len(result)
        result.append(
            _programme(
                f"UPG-{i + 1:03d}",
                ProgrammeKind.UPGRADE,
                data.UPGRADE_HOURS[i % len(data.UPGRADE_HOURS)],
                title_kk,
                title_ru,
                field_code,
                index=i,
                is_active=i not in archived,
            )
        )
    for n, (title_kk, title_ru, field_code, days, hours, host, abroad) in enumerate(
        data.INTERNSHIPS, start=1
    ):
        i = len(result)
        result.append(
            _programme(
                f"INT-{n:03d}",
                ProgrammeKind.INTERNSHIP,
                hours,
                title_kk,
                title_ru,
                field_code,
                index=i,
                duration_days=days,
                host=host,
                abroad=abroad,
                is_active=i not in archived,
            )
        )
    for prefix, kind, rows in (
        ("RET", ProgrammeKind.RETRAINING, data.RETRAININGS),
        ("SDG", ProgrammeKind.SECOND_DEGREE, data.SECOND_DEGREES),
    ):
        for n, (title_kk, title_ru, field_code, hours) in enumerate(rows, start=1):
            i = len(result)
            result.append(
                _programme(
                    f"{prefix}-{n:03d}",
                    kind,
                    hours,
                    title_kk,
                    title_ru,
                    field_code,
                    index=i,
                    is_active=i not in archived,
                )
            )
    return result


# --- intakes ---------------------------------------------------------------------------------


def _monday_on_or_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def intake_count(expected_enrollments: float) -> int:
    """About 120 intakes for the default 12,000 enrollments, in proportion to the expected
    enrollments beyond (at least 40), so an intake keeps a realistic size at any scale."""
    return max(40, round(120 * expected_enrollments / 12_000))


def intake_length(programme: ProgrammePlan) -> datetime.timedelta:
    """From the first day to the last: an upgrade runs 36 hours a week (Monday to
    Saturday), an internship its days, retraining 24 hours a week, a second degree two
    academic years for 1440 hours."""
    if programme.kind == ProgrammeKind.INTERNSHIP:
        return datetime.timedelta(days=programme.duration_days - 1)
    if programme.kind == ProgrammeKind.RETRAINING:
        return datetime.timedelta(weeks=math.ceil(programme.hours / 24), days=-3)
    if programme.kind == ProgrammeKind.SECOND_DEGREE:
        return datetime.timedelta(days=round(programme.hours / 1440 * 600))
    return datetime.timedelta(weeks=math.ceil(programme.hours / 36) - 1, days=5)


def status_on(start: datetime.date, end: datetime.date, day: datetime.date) -> str:
    """The status an intake with these dates has on `day`, unless it was cancelled."""
    if end < day:
        return "finished"
    if start <= day:
        return "in_progress"
    return "open" if start - day <= OPEN_AHEAD else "planned"


def _intake_dates(
    rng: random.Random, programme: ProgrammePlan, intent: str
) -> tuple[datetime.date, datetime.date]:
    length = intake_length(programme)
    long_kind = programme.kind in (ProgrammeKind.RETRAINING, ProgrammeKind.SECOND_DEGREE)
    lo = LONG_WINDOW_START if long_kind else WINDOW_START
    if intent == "finished":
        hi = REF - length - 7 * DAY
        if not programme.is_active:
            hi = min(hi, ARCHIVED_AFTER - length)
        if hi < lo:
            intent = "in_progress"
        else:
            start = _monday_on_or_before(day_between(rng, lo, hi))
    if intent == "in_progress":
        start = _monday_on_or_before(day_between(rng, max(lo, REF - length), REF))
    elif intent == "open":
        start = _monday_on_or_after(day_between(rng, REF + 5 * DAY, REF + OPEN_AHEAD - 7 * DAY))
    elif intent == "planned":
        start = _monday_on_or_after(day_between(rng, REF + OPEN_AHEAD + DAY, WINDOW_END))
    elif intent == "cancelled":
        start = _monday_on_or_before(day_between(rng, WINDOW_START, REF + OPEN_AHEAD))
    return start, start + length


def _sessions(
    rng: random.Random, intake: IntakePlan, programme: ProgrammePlan
) -> list[SessionPlan]:
    """Sessions whose hours add up to the programme's: a day of about six hours for
    short courses, a dozen modules for long ones; the last one is the attestation."""
    count = min(max(1, math.ceil(programme.hours / 6)), 12)
    base, extra = divmod(programme.hours, count)
    span = (intake.end_date - intake.start_date).days
    offset = rng.randrange(len(data.SESSION_TOPICS))
    sessions = []
    for k in range(count):
        if k == count - 1:
            kk, ru = data.ATTESTATION_TOPIC
        else:
            kk, ru = data.SESSION_TOPICS[(offset + k) % len(data.SESSION_TOPICS)]
        topic = {"kk": kk, "ru": ru}.get(intake.language, f"{kk} / {ru}")
        day = intake.start_date + datetime.timedelta(
            days=round(k * span / (count - 1)) if count > 1 else 0
        )
        sessions.append(
            SessionPlan(
                date=day,
                starts_at=datetime.time(9, 0),
                topic=topic,
                hours=base + (1 if k < extra else 0),
                teacher=intake.teachers[k % len(intake.teachers)] if intake.teachers else None,
            )
        )
    return sessions


def build_intakes(
    count: int, programmes: list[ProgrammePlan], teachers: list[TeacherPlan]
) -> list[IntakePlan]:
    rng = random.Random("demo:intakes")
    intents = (
        ["cancelled"] * max(2, round(count * 0.025))
        + ["in_progress"] * max(4, round(count * 0.10))
        + ["open"] * max(4, round(count * 0.10))
        + ["planned"] * max(4, round(count * 0.12))
    )
    intents += ["finished"] * (count - len(intents))
    rng.shuffle(intents)
    kind_weight = {
        ProgrammeKind.UPGRADE: 3.0,
        ProgrammeKind.INTERNSHIP: 1.5,
        ProgrammeKind.RETRAINING: 2.0,
        ProgrammeKind.SECOND_DEGREE: 2.0,
    }
    active = [i for i, p in enumerate(programmes) if p.is_active]
    active_weights = [kind_weight[programmes[i].kind] for i in active]
    all_weights = [kind_weight[p.kind] for p in programmes]
    by_field: dict[str, list[int]] = {}
    for t, teacher in enumerate(teachers):
        by_field.setdefault(teacher.field, []).append(t)
    with_degree = [t for t, teacher in enumerate(teachers) if teacher.academic_degree]
    pavlodar_rural = [
        (data.PAVLODAR_REGION, row[2])
        for row in data.DISTRICTS[data.PAVLODAR_REGION]
        if row[0] == "district"
    ]
    drafts = []
    for intent in intents:
        if intent == "finished":
            p = rng.choices(range(len(programmes)), all_weights)[0]
        else:
            p = rng.choices(active, active_weights)[0]
        programme = programmes[p]
        start, end = _intake_dates(rng, programme, intent)
        validate_intake_dates(start, end, kind=programme.kind)
        status = "cancelled" if intent == "cancelled" else status_on(start, end, REF)
        language = programme.language
        if language == "kk_ru":
            language = rng.choice(["kk", "ru", "kk_ru"])
        place = rng.choices(["institute", "branch", "district", "distance"], [50, 20, 15, 15])[0]
        pool = by_field.get(programme.field) or list(range(len(teachers)))
        staff = rng.sample(pool, min(len(pool), rng.randint(2, 3)))
        drafts.append(
            (
                start,
                p,
                IntakePlan(
                    code="",
                    programme=p,
                    start_date=start,
                    end_date=end,
                    status=status,
                    language=language,
                    place=place,
                    branch=rng.randrange(len(data.BRANCHES)) if place == "branch" else None,
                    district=rng.choice(pavlodar_rural) if place == "district" else None,
                    with_work_interruption=programme.with_work_interruption and place != "distance",
                    methodologist=rng.choice(METHODOLOGISTS),
                    teachers=staff,
                    cancel_reason=rng.choice(data.CANCEL_REASONS) if status == "cancelled" else "",
                ),
            )
        )
    drafts.sort(key=lambda d: (d[0], d[1]))
    codes: set[str] = set()
    intakes = []
    for _start, p, intake in drafts:
        programme = programmes[p]
        code = f"{programme.code}-{intake.start_date:%y%m%d}"
        suffix = 2
        while code in codes:
            code = f"{programme.code}-{intake.start_date:%y%m%d}-{suffix}"
            suffix += 1
        codes.add(code)
        intake.code = code
        intake.sessions = _sessions(rng, intake, programme)
        if intake.status == "finished":
            long_kind = programme.kind != ProgrammeKind.UPGRADE or programme.band == "long"
            intake.assessment_form = (
                "defence" if long_kind else rng.choice(["essay", "exam", "interview", "defence"])
            )
            intake.sits_on = intake.end_date
            chair_pool = [t for t in with_degree if t not in intake.teachers] or with_degree
            chair = rng.choice(chair_pool)
            intake.members = [_member(teachers, chair, "chair")]
            intake.members += [_member(teachers, t, "member") for t in intake.teachers[:2]]
            intake.members.append(
                MemberPlan(
                    full_name=METHODOLOGIST_NAMES[intake.methodologist],
                    position="Әдіскер",
                    role="secretary",
                    teacher=None,
                )
            )
        intakes.append(intake)
    return intakes


def _member(teachers: list[TeacherPlan], t: int, role: str) -> MemberPlan:
    teacher = teachers[t]
    return MemberPlan(
        full_name=f"{teacher.last_name} {teacher.first_name} {teacher.patronymic}",
        position=teacher.position,
        role=role,
        teacher=t,
    )


# --- writing -----------------------------------------------------------------------------


@demo_part
class CoursesDemo(DemoPart):
    collides = (Programme, Intake)
    counts = (("programmes", Programme), ("intakes", Intake), ("sessions", Session))

    def plan(self, demo: Demo) -> None:
        demo.plan.programmes = build_programmes()
        demo.plan.intakes = build_intakes(
            intake_count(demo.plan.expected_enrollments), demo.plan.programmes, demo.plan.teachers
        )

    def load(self, demo: Demo) -> None:
        rows = demo.rows
        programmes = []
        for p in demo.plan.programmes:
            programme = Programme(
                code=p.code,
                kind=p.kind,
                hours=p.hours,
                duration_days=p.duration_days,
                title_kk=p.title_kk,
                title_ru=p.title_ru,
                description_kk=data.PROGRAMME_DESCRIPTION[0],
                description_ru=data.PROGRAMME_DESCRIPTION[1],
                language=p.language,
                with_work_interruption=p.with_work_interruption,
                field_id=rows.fields[p.field],
                internship_host=p.internship_host,
                internship_abroad=p.internship_abroad,
                is_active=p.is_active,
            )
            programme.save()  # checks the hours (§10–§11) and stores the band
            programmes.append(programme)
        rows.programmes = programmes
        demo.say(f"{len(programmes)} programmes, {len(rows.organisations)} organisations")
        rows.intakes = _intakes(
            demo.plan.intakes, programmes, rows.teachers, rows.branches, rows.districts, rows.users
        )
        demo.say(f"{len(rows.intakes)} intakes with their sessions and commissions")


def _intakes(
    planned: list[IntakePlan],
    programmes: list[Programme],
    teachers: list[Teacher],
    branches: list[Branch],
    districts: dict[tuple[str, str], int],
    users: dict[str, User],
) -> list[Intake]:
    rows = []
    for i in planned:
        programme = programmes[i.programme]
        # What Intake.save() and clean() check, checked here for the bulk insert.
        validate_intake_dates(i.start_date, i.end_date, kind=programme.kind)
        validate_seats(
            capacity=i.capacity,
            state_order_seats=i.state_order_seats,
            contract_seats=i.contract_seats,
        )
        rows.append(
            Intake(
                programme=programme,
                code=i.code,
                start_date=i.start_date,
                end_date=i.end_date,
                language=i.language,
                place=i.place,
                branch=branches[i.branch] if i.branch is not None else None,
                district_id=districts[i.district] if i.district else None,
                with_work_interruption=i.with_work_interruption,
                capacity=i.capacity,
                state_order_seats=i.state_order_seats,
                contract_seats=i.contract_seats,
                state_order_reference=i.state_order_reference,
                methodologist=users[i.methodologist],
                status=i.status,
                cancel_reason=i.cancel_reason,
            )
        )
    intakes = Intake.objects.bulk_create(rows, batch_size=BATCH)
    Intake.teachers.through.objects.bulk_create(
        (
            Intake.teachers.through(intake_id=intake.pk, teacher_id=teachers[t].pk)
            for i, intake in zip(planned, intakes, strict=True)
            for t in i.teachers
        ),
        batch_size=BATCH,
    )
    Session.objects.bulk_create(
        (
            Session(
                intake=intake,
                date=s.date,
                starts_at=s.starts_at,
                topic=s.topic,
                hours=s.hours,
                teacher=teachers[s.teacher] if s.teacher is not None else None,
            )
            for i, intake in zip(planned, intakes, strict=True)
            for s in i.sessions
        ),
        batch_size=BATCH,
    )
    with_commission = [(i, x) for i, x in zip(planned, intakes, strict=True) if i.members]
    commissions = Commission.objects.bulk_create(
        Commission(intake=intake, assessment_form=i.assessment_form, sits_on=i.sits_on)
        for i, intake in with_commission
    )
    CommissionMember.objects.bulk_create(
        (
            CommissionMember(
                commission=commission,
                full_name=m.full_name,
                position=m.position,
                role=m.role,
                teacher=teachers[m.teacher] if m.teacher is not None else None,
            )
            for (i, _intake), commission in zip(with_commission, commissions, strict=True)
            for m in i.members
        ),
        batch_size=BATCH,
    )
    return intakes
