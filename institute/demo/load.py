"""The institute's part of the demo data, written to the database: regions, districts, the
institute and its branches, the demo accounts, fields, teachers and organisations, with bulk
inserts in large batches (institute.contrib.demo_load wraps all parts in one transaction).
"""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.contrib.auth.hashers import check_password, make_password

from institute.contrib import Demo, DemoPart, demo_part
from institute.demo import DEMO_PASSWORD, data
from institute.demo.plan import (
    build_organisations,
    build_teachers,
    institute_bin,
    organisation_count,
    teacher_count,
)
from institute.models import (
    Branch,
    District,
    Field,
    Institute,
    Organisation,
    Region,
    Role,
    Teacher,
    User,
)

BATCH = 2000  # rows per INSERT
CHUNK = 20000  # enrollments built in memory at a time

# username, role, first name, last name, is_staff, is_superuser; all with DEMO_PASSWORD.
ACCOUNTS: list[tuple[str, str, str, str, bool, bool]] = [
    ("admin", Role.ADMINISTRATOR, "Айдар", "Қасенов", True, True),
    ("methodologist", Role.METHODOLOGIST, "Гүлнар", "Сейітова", True, False),
    ("methodologist2", Role.METHODOLOGIST, "Елена", "Ковалёва", True, False),
    # is_staff so that the district methodologist can open the back-office read-only.
    ("district", Role.DISTRICT_METHODOLOGIST, "Бақыт", "Омаров", True, False),
    ("listener", Role.LISTENER, "", "", False, False),
]
# The district methodologist watches the city of Pavlodar.
ACCOUNT_DISTRICT = data.INSTITUTE_CITY

Row = TypeVar("Row")


def chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def demo_is_loaded() -> bool:
    """The demo institute (recognised by its BIN) is there."""
    return Institute.objects.filter(bin=institute_bin()).exists()


def accounts_ensure() -> dict[str, User]:
    """Create or repair the demo accounts: role, flags and password `demo12345`.

    A password is rehashed only when it is wrong, so a second run changes nothing; the
    accounts share one hash when they are set together (hashing is slow on purpose).
    """
    district = District.objects.get(region__code=ACCOUNT_DISTRICT[0], name_ru=ACCOUNT_DISTRICT[1])
    checked: dict[str, bool] = {}
    new_hash = ""
    users = {}
    for username, role, first_name, last_name, is_staff, is_superuser in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first_name, last_name=last_name)
        if user.password not in checked:
            checked[user.password] = check_password(DEMO_PASSWORD, user.password)
        changed = {
            "role": role,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
            "is_active": True,
            "district_id": district.pk if role == Role.DISTRICT_METHODOLOGIST else None,
        }
        if not checked[user.password]:
            new_hash = new_hash or make_password(DEMO_PASSWORD)
            changed["password"] = new_hash
        if user.pk is None or any(getattr(user, k) != v for k, v in changed.items()):
            for name, value in changed.items():
                setattr(user, name, value)
            user.save()
        users[username] = user
    return users


@demo_part
class InstituteDemo(DemoPart):
    collides = (Institute, Organisation)
    counts = (
        ("regions", Region),
        ("districts", District),
        ("organisations", Organisation),
        ("teachers", Teacher),
    )

    def plan(self, demo: Demo) -> None:
        demo.plan.organisations = build_organisations(
            organisation_count(demo.listeners), {institute_bin()}
        )
        demo.plan.teachers = build_teachers(teacher_count(demo.listeners))

    def load(self, demo: Demo) -> None:
        rows = demo.rows
        regions = _regions()
        rows.districts = districts = _districts(regions)
        institute = Institute(
            bin=institute_bin(),
            region_id=regions[data.PAVLODAR_REGION],
            licence_date="2019-06-14",
            **data.INSTITUTE,
        )
        institute.full_clean()
        institute.save()
        rows.branches = branches = Branch.objects.bulk_create(
            Branch(
                institute=institute,
                name_kk=name_kk,
                name_ru=name_ru,
                district_id=districts[(data.PAVLODAR_REGION, district)],
                address=address,
            )
            for name_kk, name_ru, district, address in data.BRANCHES
        )
        rows.users = accounts_ensure()
        rows.fields = fields = _fields()
        rows.teachers = Teacher.objects.bulk_create(
            Teacher(
                last_name=t.last_name,
                first_name=t.first_name,
                patronymic=t.patronymic,
                field_id=fields[t.field],
                position=t.position,
                academic_degree=t.academic_degree,
                branch=branches[t.branch] if t.branch is not None else None,
            )
            for t in demo.plan.teachers
        )
        rows.organisations = Organisation.objects.bulk_create(
            (
                Organisation(
                    name_kk=o.name_kk,
                    name_ru=o.name_ru,
                    bin=o.bin,
                    kind=o.kind,
                    district_id=districts[o.district],
                    address=o.address,
                    email=o.email,
                    phone=o.phone,
                )
                for o in demo.plan.organisations
            ),
            batch_size=BATCH,
        )

    def ensure(self, demo: Demo) -> None:
        accounts_ensure()


def _regions() -> dict[str, int]:
    """The 20 regions by ISO code, adding those missing (an existing row is kept)."""
    present = set(Region.objects.values_list("code", flat=True))
    Region.objects.bulk_create(
        Region(code=code, kind=kind, name_kk=kk, name_ru=ru, name_en=en)
        for code, kind, kk, ru, en in data.REGIONS
        if code not in present
    )
    return dict(Region.objects.values_list("code", "pk"))


def _districts(regions: dict[str, int]) -> dict[tuple[str, str], int]:
    present = set(District.objects.values_list("region__code", "name_ru"))
    District.objects.bulk_create(
        District(region_id=regions[code], kind=kind, name_kk=kk, name_ru=ru, name_en=en)
        for code, rows in data.DISTRICTS.items()
        for kind, kk, ru, en in rows
        if (code, ru) not in present
    )
    return {
        (code, name_ru): pk
        for pk, code, name_ru in District.objects.values_list("pk", "region__code", "name_ru")
    }


def _fields() -> dict[str, int]:
    present = set(Field.objects.values_list("code", flat=True))
    Field.objects.bulk_create(
        Field(code=code, name_kk=kk, name_ru=ru, name_en=en, university_norm=norm)
        for code, kk, ru, en, norm in data.FIELDS
        if code not in present
    )
    return dict(Field.objects.values_list("code", "pk"))
