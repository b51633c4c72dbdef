"""Writes the demo plan to the database: bulk inserts in large batches, one transaction.

bulk_create skips save(), so what save() would derive is already in the plan, computed by
the same rules: a listener's birth date and sex by listeners.rules.parse_iin, a programme's
band by courses.rules.programme_band (programmes, being few, are saved one by one anyway).
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.contrib.auth.hashers import check_password, make_password
from django.db import reset_queries, transaction

from courses.models import Commission, CommissionMember, Intake, Programme, Session
from courses.rules import validate_intake_dates, validate_seats
from institute.demo import DEMO_PASSWORD, data
from institute.demo.plan import Plan, build_plan, institute_bin
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
from listeners.models import Enrollment, EnrollmentTransition, ExternalUpgrade, Listener, Order
from listeners.rules import EnrollmentState

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


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def demo_is_loaded() -> bool:
    """The demo institute (recognised by its BIN) is there."""
    return Institute.objects.filter(bin=institute_bin()).exists()


def database_has_data() -> bool:
    """Anything the demo would collide with: an institute, organisations, programmes,
    intakes or listeners entered by hand."""
    return any(
        model.objects.exists() for model in (Institute, Organisation, Programme, Intake, Listener)
    )


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
    _listener_account_link(users["listener"])
    return users


def _listener_account_link(user: User, listener: Listener | None = None) -> None:
    """Give the `listener` account a person: one with a completed course."""
    if Listener.objects.filter(user=user).exists():
        return
    if listener is None:
        listener = (
            Listener.objects.filter(
                user__isnull=True, iin__isnull=False, enrollments__state=EnrollmentState.COMPLETED
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


@transaction.atomic
def demo_load(*, listeners: int, progress: Callable[[str], None] | None = None) -> Plan:
    """Build the plan for `listeners` people and write all of it; returns the plan."""
    say = progress or (lambda message: None)
    plan = build_plan(listeners)
    say(
        f"planned: {len(plan.listeners)} listeners, {len(plan.intakes)} intakes, "
        f"{len(plan.enrollments)} enrollments"
    )
    regions = _regions()
    districts = _districts(regions)
    institute = Institute(
        bin=institute_bin(),
        region_id=regions[data.PAVLODAR_REGION],
        licence_date="2019-06-14",
        **data.INSTITUTE,
    )
    institute.full_clean()
    institute.save()
    branches = Branch.objects.bulk_create(
        Branch(
            institute=institute,
            name_kk=name_kk,
            name_ru=name_ru,
            district_id=districts[(data.PAVLODAR_REGION, district)],
            address=address,
        )
        for name_kk, name_ru, district, address in data.BRANCHES
    )
    users = accounts_ensure()
    fields = _fields()
    teachers = Teacher.objects.bulk_create(
        Teacher(
            last_name=t.last_name,
            first_name=t.first_name,
            patronymic=t.patronymic,
            field_id=fields[t.field],
            position=t.position,
            academic_degree=t.academic_degree,
            branch=branches[t.branch] if t.branch is not None else None,
        )
        for t in plan.teachers
    )
    organisations = Organisation.objects.bulk_create(
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
            for o in plan.organisations
        ),
        batch_size=BATCH,
    )
    programmes = []
    for p in plan.programmes:
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
            field_id=fields[p.field],
            internship_host=p.internship_host,
            internship_abroad=p.internship_abroad,
            is_active=p.is_active,
        )
        programme.save()  # checks the hours (§10–§11) and stores the band
        programmes.append(programme)
    say(f"{len(programmes)} programmes, {len(organisations)} organisations")
    intakes = _intakes(plan, programmes, teachers, branches, districts, users)
    say(f"{len(intakes)} intakes with their sessions and commissions")
    orders = Order.objects.bulk_create(
        (
            Order(
                kind=o.kind,
                number=o.number,
                date=o.date,
                year=o.date.year,  # Order.save() would set it
                intake=intakes[o.intake],
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
    listener_pks = _listeners(plan, organisations, say)
    _enrollments(plan, intakes, organisations, listener_pks, order_pks, users, say)
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
    say("five-year rule: last counting upgrades computed")
    _listener_account_link(
        users["listener"], Listener.objects.get(pk=listener_pks[plan.account_listener])
    )
    return plan


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


def _intakes(
    plan: Plan,
    programmes: list[Programme],
    teachers: list[Teacher],
    branches: list[Branch],
    districts: dict[tuple[str, str], int],
    users: dict[str, User],
) -> list[Intake]:
    rows = []
    for i in plan.intakes:
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
            for i, intake in zip(plan.intakes, intakes, strict=True)
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
            for i, intake in zip(plan.intakes, intakes, strict=True)
            for s in i.sessions
        ),
        batch_size=BATCH,
    )
    with_commission = [(i, x) for i, x in zip(plan.intakes, intakes, strict=True) if i.members]
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


def _listeners(
    plan: Plan, organisations: list[Organisation], say: Callable[[str], None]
) -> list[int]:
    pks: list[int] = []
    for chunk in _chunks(plan.listeners, CHUNK):
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
    plan: Plan,
    intakes: list[Intake],
    organisations: list[Organisation],
    listener_pks: list[int],
    order_pks: dict[int, int],
    users: dict[str, User],
    say: Callable[[str], None],
) -> None:
    done = 0
    for chunk in _chunks(plan.enrollments, CHUNK):
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
