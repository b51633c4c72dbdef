"""The institute's part of the demo data set, built in memory from fixed seeds: no database,
no clock. Regions and districts come straight from `data`; this module plans the
organisations and the institute's teachers, and holds the identity numbers and small
helpers the other apps' demo parts build on.

Plans are plain dataclasses that refer to each other by index (organisation 3, teacher 7).
Each part draws from its own seeded `random.Random`, so the first people are the same
whatever the number of listeners, and two builds are equal. IINs and BINs are valid
(check digit from institute.rules).
"""

import datetime
import math
import random
import zoneinfo
from dataclasses import dataclass

from institute.demo import REFERENCE_DATE, data
from institute.rules import kz_check_digit

TZ = zoneinfo.ZoneInfo("Asia/Almaty")
DAY = datetime.timedelta(days=1)
REF = REFERENCE_DATE

# The demo accounts that run intakes (institute.demo.load.ACCOUNTS).
METHODOLOGISTS = ("methodologist", "methodologist2")
METHODOLOGIST_NAMES = {
    "methodologist": "Сейітова Гүлнар Асқарқызы",
    "methodologist2": "Ковалёва Елена Викторовна",
}

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


# --- identity numbers ----------------------------------------------------------------------------


def iin_for(birth: datetime.date, *, female: bool, serial: int) -> str | None:
    """The IIN of a person born on `birth` with this serial, or None when no check digit
    exists for these eleven digits."""
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


def day_between(rng: random.Random, lo: datetime.date, hi: datetime.date) -> datetime.date:
    """A day from lo to hi inclusive; lo when the range is empty."""
    span = (hi - lo).days
    return lo if span <= 0 else lo + datetime.timedelta(days=rng.randint(0, span))


def local_time(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def allocate(total: int, weights: list[float]) -> list[int]:
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


def town_of(key: DistrictKey) -> tuple[str, str] | None:
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
        town = town_of(key)
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


def person_name(rng: random.Random, *, female: bool) -> tuple[str, str, str, bool]:
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
        last, first, patronymic, _kazakh = person_name(rng, female=female)
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
