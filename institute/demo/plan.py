"""The demo data set, built in memory from fixed seeds and fixed dates: no database, no clock.

`build_plan(listeners=N)` returns plain dataclasses that refer to each other by index
(organisation 3, intake 17) or, for orders, by object; `institute.demo.load` writes them.
Each part draws from its own seeded `random.Random`, so the first listeners are the same
people whatever N is, and two builds are equal.

Everything obeys the rules the models and services enforce: valid IINs and BINs (check
digit from institute.rules), programme hours per kind (courses.rules), intake dates,
seats split by funding and never overfilled (§14), admission and expulsion by order
(§15, §22), and each enrollment's history follows the enrollment state machine
(listeners.rules).
"""

import datetime
import math
import random
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from courses.rules import (
    ProgrammeKind,
    programme_band,
    validate_intake_dates,
    validate_programme_hours,
    validate_seats,
)
from institute.demo import REFERENCE_DATE, data
from institute.rules import kz_check_digit
from listeners.rules import ENROLLMENT_TRANSITIONS, ExpulsionGround, Grade, OrderKind, parse_iin
from listeners.rules import EnrollmentState as S

TZ = zoneinfo.ZoneInfo("Asia/Almaty")
DAY = datetime.timedelta(days=1)
REF = REFERENCE_DATE
# Intakes start from January 2025 to June 2027; retraining and second degrees, which last
# months or years, may have started in 2024 so that some of them have finished.
WINDOW_START = datetime.date(2025, 1, 6)
LONG_WINDOW_START = datetime.date(2024, 1, 8)
WINDOW_END = datetime.date(2027, 6, 28)
# An intake opens for applications two months before it starts.
OPEN_AHEAD = datetime.timedelta(days=60)
# Programmes archived in 2025 ran only before this day.
ARCHIVED_AFTER = datetime.date(2025, 8, 31)

METHODOLOGISTS = ("methodologist", "methodologist2")
METHODOLOGIST_NAMES = {
    "methodologist": "Сейітова Гүлнар Асқарқызы",
    "methodologist2": "Ковалёва Елена Викторовна",
}
STATE_ORDER_NUMBERS = {2024: 4, 2025: 7, 2026: 11, 2027: 2}
# A counting upgrade completed by this day falls due within a year of the reference date.
DUE_SOON_UNTIL = datetime.date(2022, 11, 20)

DistrictKey = tuple[str, str]  # (region code, Russian name)


@dataclass(slots=True)
class OrganisationPlan:
    name_kk: str
    name_ru: str
    bin: str
    kind: str
    district: DistrictKey
    address: str
    email: str
    phone: str


@dataclass(slots=True)
class TeacherPlan:
    last_name: str
    first_name: str
    patronymic: str
    field: str
    position: str
    academic_degree: str
    branch: int | None


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


@dataclass(slots=True)
class Plan:
    listeners_requested: int
    organisations: list[OrganisationPlan]
    teachers: list[TeacherPlan]
    programmes: list[ProgrammePlan]
    intakes: list[IntakePlan]
    orders: list[OrderPlan]
    listeners: list[ListenerPlan]
    enrollments: list[EnrollmentPlan]
    external_upgrades: list[ExternalUpgradePlan]
    account_listener: int


# --- identity numbers ----------------------------------------------------------------------------


def iin_for(birth: datetime.date, *, female: bool, serial: int) -> str | None:
    """The IIN of a person born on `birth` with this serial, or None when no check digit
    exists for these eleven digits (GLOSSARY.md)."""
    century = {1800: 1, 1900: 3, 2000: 5}[birth.year // 100 * 100] + int(female)
    head = f"{birth:%y%m%d}{century}{serial:04d}"
    digit = kz_check_digit(head)
    return None if digit is None else f"{head}{digit}"


def bin_for(registered: datetime.date, *, serial: int) -> str | None:
    """The BIN of a resident legal entity's head office (type 4, division 0) registered in
    that month, or None when no check digit exists."""
    head = f"{registered:%y%m}40{serial:05d}"
    digit = kz_check_digit(head)
    return None if digit is None else f"{head}{digit}"


def institute_bin() -> str:
    """The demo institute's BIN: the marker that the demo data is loaded."""
    for serial in range(2187, 100000):
        head = f"{data.INSTITUTE_BIN_HEAD}{serial:05d}"
        digit = kz_check_digit(head)
        if digit is not None:
            return f"{head}{digit}"
    raise AssertionError("unreachable: most serials have a check digit")


# --- small helpers ---------------------------------------------------------------------------


def _day_between(rng: random.Random, lo: datetime.date, hi: datetime.date) -> datetime.date:
    """A day from lo to hi inclusive; lo when the range is empty."""
    span = (hi - lo).days
    return lo if span <= 0 else lo + datetime.timedelta(days=rng.randint(0, span))


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def _monday_on_or_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders), exactly."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def translit(text: str) -> str:
    return "".join(data.TRANSLIT.get(c, c) for c in text.lower() if c.isalpha() or c in "-")


# --- places and organisations --------------------------------------------------------------


def district_keys() -> list[DistrictKey]:
    return [(code, row[2]) for code, rows in data.DISTRICTS.items() for row in rows]


def _district_row(key: DistrictKey) -> tuple[str, str, str, str]:
    return next(row for row in data.DISTRICTS[key[0]] if row[2] == key[1])


def _genitive_kk(key: DistrictKey) -> str:
    """The Kazakh genitive: Павлодар қаласы -> Павлодар қаласының (names end in ауданы, қаласы)."""
    kind, name_kk, _ru, _en = _district_row(key)
    city = data.REGION_CITY.get(key[0])
    prefix = f"{city[0]} қаласы " if kind == "city_district" and city else ""
    return f"{prefix}{name_kk}ның"


def _genitive_ru(key: DistrictKey) -> str:
    """The Russian genitive: город Аксу -> города Аксу, Иртышский район -> Иртышского района."""
    kind, _kk, name_ru, _en = _district_row(key)
    if name_ru.startswith("город "):
        genitive = "города " + name_ru.removeprefix("город ")
    elif name_ru.startswith("район "):
        genitive = "района " + name_ru.removeprefix("район ")
    elif name_ru.endswith("ский район"):
        genitive = name_ru.removesuffix("ский район") + "ского района"
    else:
        genitive = name_ru
    city = data.REGION_CITY.get(key[0])
    if kind == "city_district" and city:
        genitive += f" города {city[1]}"
    return genitive


def _town(key: DistrictKey) -> tuple[str, str] | None:
    """The town a district is (Kazakh, Russian), or None for a rural district."""
    kind, name_kk, name_ru, _en = _district_row(key)
    if kind == "city":
        return name_kk.removesuffix(" қаласы"), name_ru.removeprefix("город ")
    if kind == "city_district":
        return data.REGION_CITY[key[0]]
    return None


def _landline(rng: random.Random) -> str:
    return f"+7 (718{rng.randint(2, 7)}) {rng.randint(20, 79)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def organisation_count(listeners: int) -> int:
    return max(60, min(2000, round(300 * math.sqrt(listeners / 5000))))


def build_organisations(count: int, taken_bins: set[str]) -> list[OrganisationPlan]:
    rng = random.Random("demo:organisations")
    areas = list(data.ORGANISATION_AREAS)
    area_weights = list(data.ORGANISATION_AREAS.values())
    kinds = list(data.ORGANISATION_KINDS)
    kind_weights = [v[2] for v in data.ORGANISATION_KINDS.values()]
    numbers: dict[tuple[DistrictKey, str], int] = {}
    colleges: dict[DistrictKey, int] = {}
    result: list[OrganisationPlan] = []

    def new_bin() -> str:
        while True:
            registered = datetime.date(rng.randint(1996, 2016), rng.randint(1, 12), 1)
            value = bin_for(registered, serial=rng.randint(1, 99999))
            if value and value not in taken_bins:
                taken_bins.add(value)
                return value

    # The education department of every district of the institute's region (§6).
    for key in (k for k in district_keys() if k[0] == data.PAVLODAR_REGION):
        result.append(
            OrganisationPlan(
                name_kk=f"{_genitive_kk(key)} білім бөлімі",
                name_ru=f"Отдел образования {_genitive_ru(key)}",
                bin=new_bin(),
                kind="education_office",
                district=key,
                address=f"{rng.choice(data.STREETS)}, {rng.randint(1, 120)}",
                email="",
                phone=_landline(rng),
            )
        )
    while len(result) < count:
        key = rng.choices(areas, area_weights)[0]
        kind = rng.choices(kinds, kind_weights)[0]
        town = _town(key)
        if kind == "college" and town is None:
            kind = "school"
        if kind == "college":
            k = colleges.get(key, 0)
            colleges[key] = k + 1
            if k < len(data.COLLEGES):
                name_kk = data.COLLEGES[k][0].format(c=town[0])
                name_ru = data.COLLEGES[k][1].format(c=town[1])
            else:
                name_kk = f"{_genitive_kk(key)} №{k - len(data.COLLEGES) + 1} жоғары колледжі"
                name_ru = f"Высший колледж №{k - len(data.COLLEGES) + 1} {_genitive_ru(key)}"
        else:
            n = numbers.get((key, kind), 0) + rng.randint(1, 3)
            numbers[(key, kind)] = n
            template_kk, template_ru, _weight = data.ORGANISATION_KINDS[kind]
            name_kk = template_kk.format(gen=_genitive_kk(key), n=n)
            name_ru = template_ru.format(rgen=_genitive_ru(key), n=n)
        email = ""
        if rng.random() < 0.6:
            email = f"org{len(result) + 1:04d}@edu-pavlodar.kz"
        result.append(
            OrganisationPlan(
                name_kk=name_kk,
                name_ru=name_ru,
                bin=new_bin(),
                kind=kind,
                district=key,
                address=f"{rng.choice(data.STREETS)}, {rng.randint(1, 120)}",
                email=email,
                phone=_landline(rng) if rng.random() < 0.7 else "",
            )
        )
    return result


# --- people --------------------------------------------------------------------------------


def _person(rng: random.Random, *, female: bool) -> tuple[str, str, str, bool]:
    """(last name, first name, patronymic, is Kazakh) of a person of the region."""
    roll = rng.random()
    if roll < 0.62:
        last = rng.choice(data.KAZAKH_SURNAMES) + ("а" if female else "")
        first = rng.choice(data.KAZAKH_FEMALE if female else data.KAZAKH_MALE)
        patronymic = rng.choice(data.KAZAKH_FATHERS) + ("қызы" if female else "ұлы")
        return last, first, patronymic, True
    surnames = data.RUSSIAN_SURNAMES if roll < 0.93 else data.OTHER_SURNAMES
    last = rng.choice(surnames)[int(female)]
    first = rng.choice(data.RUSSIAN_FEMALE if female else data.RUSSIAN_MALE)
    patronymic = rng.choice(data.RUSSIAN_PATRONYMICS)[int(female)]
    return last, first, patronymic, False


def teacher_count(listeners: int) -> int:
    return max(20, round(40 * listeners / 5000))


def build_teachers(count: int) -> list[TeacherPlan]:
    rng = random.Random("demo:teachers")
    codes = [f[0] for f in data.FIELDS]
    result = []
    for i in range(count):
        female = rng.random() < 0.7
        last, first, patronymic, _kazakh = _person(rng, female=female)
        result.append(
            TeacherPlan(
                last_name=last,
                first_name=first,
                patronymic=patronymic,
                # Two teachers in every field first, then the rest anywhere.
                field=codes[i % len(codes)] if i < 2 * len(codes) else rng.choice(codes),
                position=rng.choice(data.TEACHER_POSITIONS),
                academic_degree=rng.choice(data.TEACHER_DEGREES),
                branch=(i % 2) if rng.random() < 0.2 else None,
            )
        )
    return result


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
            last, first, patronymic, kazakh = _person(rng, female=female)
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
                employment_start = _day_between(
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


def intake_count(listeners: int) -> int:
    """About 120 intakes for the default 12,000 enrollments, in proportion to the expected
    enrollments beyond (at least 40), so an intake keeps a realistic size at any scale."""
    return max(40, round(120 * expected_enrollments(listeners) / 12_000))


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
            start = _monday_on_or_before(_day_between(rng, lo, hi))
    if intent == "in_progress":
        start = _monday_on_or_before(_day_between(rng, max(lo, REF - length), REF))
    elif intent == "open":
        start = _monday_on_or_after(_day_between(rng, REF + 5 * DAY, REF + OPEN_AHEAD - 7 * DAY))
    elif intent == "planned":
        start = _monday_on_or_after(_day_between(rng, REF + OPEN_AHEAD + DAY, WINDOW_END))
    elif intent == "cancelled":
        start = _monday_on_or_before(_day_between(rng, WINDOW_START, REF + OPEN_AHEAD))
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
    sizes = _allocate(len(deck), intake_weights)
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
    """The states an enrollment went through to reach `state` (§14–§22)."""
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
            applied_on = _day_between(
                rng, first_application, (REF - 2 * DAY) if pending else decision - 2 * DAY
            )
            transitions = [TransitionPlan("", S.APPLIED, _at(applied_on, 10, rng.randint(0, 59)))]
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
                    transitions.append(TransitionPlan(previous, target, _at(applied_on + DAY, 9)))
                elif target == S.ADMITTED:
                    if admission is None:
                        admission = self.order(OrderKind.ADMISSION, decision, i, by)
                    enrollment.admission_order = admission
                    transitions.append(
                        TransitionPlan(previous, target, _at(decision, 11), order=admission)
                    )
                    seats["state" if basis == "state_order" else "contract"] += 1
                elif target == S.REJECTED:
                    why = "cancelled" if status == "cancelled" else "documents"
                    if previous == S.WAITLISTED:
                        why = "full"
                    transitions.append(
                        TransitionPlan(
                            previous, target, _at(decision, 11, 30), data.REJECTION_REASONS[why]
                        )
                    )
                elif target == S.WITHDRAWN:
                    if previous == S.ADMITTED:
                        day = _day_between(rng, max(start, decision + DAY), last_day)
                    else:
                        day = _day_between(rng, applied_on + DAY, min(decision, REF - DAY))
                    transitions.append(
                        TransitionPlan(previous, target, _at(day, 14), data.WITHDRAWAL_REASON)
                    )
                elif target == S.EXPELLED:
                    ground = rng.choice([ExpulsionGround.CURRICULUM, ExpulsionGround.DISCIPLINE])
                    reason = data.EXPULSION_REASONS[ground]
                    day = _day_between(rng, start + DAY, min(end - DAY, REF - DAY))
                    order = self.order(
                        OrderKind.EXPULSION, day, i, by, ground=ground, reason=reason
                    )
                    enrollment.expulsion_order, enrollment.expulsion_reason = order, reason
                    transitions.append(
                        TransitionPlan(previous, target, _at(day, 16), reason, order)
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
                        TransitionPlan(previous, target, _at(end, 15), order=completion)
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
    """Upgrades some people bring from elsewhere (§10.1): most confirmed, some not yet;
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
                completed = _day_between(rng, datetime.date(2021, 6, 1), DUE_SOON_UNTIL)
            else:
                completed = _day_between(
                    rng, datetime.date(2018, 6, 1), datetime.date(2025, 12, 26)
                )
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
                    confirmed_at=_at(min(completed + rng.randint(10, 200) * DAY, REF - DAY), 12)
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


def build_plan(listeners: int) -> Plan:
    """The whole demo data set for `listeners` people (see expected_enrollments)."""
    organisations = build_organisations(organisation_count(listeners), {institute_bin()})
    teachers = build_teachers(teacher_count(listeners))
    programmes = build_programmes()
    intakes = build_intakes(intake_count(listeners), programmes, teachers)
    people = build_listeners(listeners, organisations)
    enroller = _Enroller(programmes, people, organisations)
    for i, group in enumerate(_deal(enroller.rng, listeners, intakes, programmes)):
        enroller.intake(i, intakes[i], group)
    return Plan(
        listeners_requested=listeners,
        organisations=organisations,
        teachers=teachers,
        programmes=programmes,
        intakes=intakes,
        orders=_number_orders(enroller.orders, intakes),
        listeners=people,
        enrollments=enroller.enrollments,
        external_upgrades=build_external_upgrades(people),
        account_listener=_account_listener(people, enroller.enrollments, intakes),
    )
