"""`manage.py demo_data`: a consistent, deterministic demo that loads once.

Each test loads a small demo (300 listeners) into the empty test database and checks one
promise against the rules the models, rules and services enforce.
"""

import datetime
import decimal
import hashlib
import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Model

from courses.models import CommissionMember, Intake, Programme, Session
from courses.rules import (
    Band,
    ProgrammeKind,
    programme_band,
    validate_programme_hours,
    validate_session_hours,
)
from institute.demo import DEMO_PASSWORD, REFERENCE_DATE
from institute.models import (
    Branch,
    District,
    Institute,
    Organisation,
    Region,
    Role,
    Teacher,
    User,
)
from institute.rules import validate_bin
from listeners.enrollment.services import seats_left
from listeners.models import (
    Enrollment,
    EnrollmentTransition,
    ExternalUpgrade,
    FundingBasis,
    Listener,
    Order,
)
from listeners.rules import ENROLLMENT_TRANSITIONS, EnrollmentState, UpgradeStatus, parse_iin

LISTENERS = 300
REGION_CODES = {
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
}  # fmt: skip
MODELS = [
    Region, District, Institute, Organisation, Teacher, Programme, Intake, Session, Listener,
    Enrollment, EnrollmentTransition, Order, ExternalUpgrade, User,
]  # fmt: skip


def load(**options) -> str:
    out = StringIO()
    call_command("demo_data", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def fast_hashing(settings):
    """The demo accounts' password is hashed once per load; a fast hasher keeps tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db, fast_hashing) -> str:
    return load(listeners=LISTENERS)


def test_accounts_option_prints_the_accounts_and_loads_nothing(db):
    output = load(accounts=True)

    for username in ("admin", "methodologist", "district", "listener"):
        assert username in output
    assert DEMO_PASSWORD in output
    assert set(counts().values()) == {0}


def test_load_prints_a_summary_and_scales_with_listeners(demo):
    assert "listeners" in demo and "enrollments" in demo
    assert Listener.objects.count() == LISTENERS
    per_listener = Enrollment.objects.count() / LISTENERS
    assert 2.0 <= per_listener <= 2.8
    assert not Listener.objects.filter(enrollments__isnull=True).exists()


def test_regions_are_the_twenty_of_kazakhstan(demo):
    assert set(Region.objects.values_list("code", flat=True)) == REGION_CODES
    pavlodar = Region.objects.get(code="KZ-55")
    assert (pavlodar.name_kk, pavlodar.name_ru) == ("Павлодар облысы", "Павлодарская область")
    cities = set(Region.objects.filter(kind="city").values_list("code", flat=True))
    assert cities == {"KZ-71", "KZ-75", "KZ-79"}
    assert Institute.objects.get().region == pavlodar


def test_every_region_has_districts_and_three_have_real_ones(demo):
    sizes = {r.code: r.districts.count() for r in Region.objects.all()}
    assert min(sizes.values()) >= 1
    assert sum(1 for n in sizes.values() if n >= 5) >= 3
    pavlodar = set(District.objects.filter(region__code="KZ-55").values_list("name_kk", flat=True))
    assert {"Екібастұз қаласы", "Ертіс ауданы", "Баянауыл ауданы", "Шарбақты ауданы"} <= pavlodar
    astana = set(District.objects.filter(region__code="KZ-71").values_list("name_kk", flat=True))
    assert astana == {
        "Алматы ауданы",
        "Байқоңыр ауданы",
        "Есіл ауданы",
        "Сарыарқа ауданы",
        "Нұра ауданы",
    }


def test_districts_and_regions_already_present_are_kept(district, fast_hashing):
    load(listeners=LISTENERS)

    assert Region.objects.count() == 20
    assert (
        District.objects.filter(region__code="KZ-55", name_ru="Иртышский район").get() == district
    )


def test_refuses_a_database_with_other_data(organisation, fast_hashing):
    with pytest.raises(CommandError, match="flush"):
        load(listeners=LISTENERS)

    assert not Institute.objects.exists()
    assert not Listener.objects.exists()


def test_identity_numbers_are_valid(demo):
    listeners = list(Listener.objects.all())
    for listener in listeners:
        if listener.iin is None:
            assert listener.passport_number and listener.citizenship != "KZ"
            continue
        facts = parse_iin(listener.iin)
        assert (facts.birth_date, facts.sex) == (listener.birth_date, listener.sex)
        assert 1960 <= listener.birth_date.year <= 2000
    assert any(listener.iin is None for listener in listeners)
    for value in [*Organisation.objects.values_list("bin", flat=True), Institute.objects.get().bin]:
        validate_bin(value)


def test_programmes_cover_every_kind_and_band_within_the_rules(demo):
    programmes = list(Programme.objects.all())
    for p in programmes:
        validate_programme_hours(p.kind, p.hours, p.duration_days)
        assert p.band == programme_band(p.kind, p.hours, p.duration_days)
    kinds_bands = {(p.kind, p.band) for p in programmes}
    assert {(ProgrammeKind.UPGRADE, b) for b in Band} <= kinds_bands
    assert {
        (ProgrammeKind.INTERNSHIP, Band.SHORT),
        (ProgrammeKind.INTERNSHIP, Band.LONG),
    } <= kinds_bands
    assert {(ProgrammeKind.RETRAINING, ""), (ProgrammeKind.SECOND_DEGREE, "")} <= kinds_bands
    assert {p.is_active for p in programmes} == {True, False}
    assert {p.with_work_interruption for p in programmes} == {True, False}


def test_intake_statuses_follow_their_dates_and_sessions_give_the_hours(demo):
    intakes = list(Intake.objects.select_related("programme").prefetch_related("sessions"))
    assert {i.status for i in intakes} == {
        "planned",
        "open",
        "in_progress",
        "finished",
        "cancelled",
    }
    for intake in intakes:
        if intake.status == "finished":
            assert intake.end_date < REFERENCE_DATE
            assert intake.commission.members.filter(role="chair").count() == 1
        elif intake.status == "in_progress":
            assert intake.start_date <= REFERENCE_DATE <= intake.end_date
        elif intake.status in ("open", "planned"):
            assert intake.start_date > REFERENCE_DATE
        else:
            assert intake.cancel_reason
        assert intake.capacity == intake.state_order_seats + intake.contract_seats > 0
        assert intake.methodologist.role == Role.METHODOLOGIST
        validate_session_hours(
            programme_hours=intake.programme.hours,
            session_hours=[s.hours for s in intake.sessions.all()],
        )
        for session in intake.sessions.all():
            assert intake.start_date <= session.date <= intake.end_date


def test_every_enrollment_state_appears_where_the_intake_allows_it(demo):
    allowed = {
        EnrollmentState.APPLIED: {"open"},
        EnrollmentState.WAITLISTED: {"open"},
        EnrollmentState.ADMITTED: {"open", "in_progress"},
        EnrollmentState.COMPLETED: {"finished"},
        EnrollmentState.FAILED: {"finished"},
        EnrollmentState.EXPELLED: {"finished", "in_progress"},
        EnrollmentState.WITHDRAWN: {"finished", "in_progress", "open", "cancelled"},
        EnrollmentState.REJECTED: {"finished", "in_progress", "open", "cancelled"},
    }
    pairs = set(Enrollment.objects.values_list("state", "intake__status"))

    assert {state for state, _status in pairs} == set(EnrollmentState)
    for state, status in pairs:
        assert status in allowed[state], (state, status)


def test_no_intake_has_more_seat_holders_than_seats(demo):
    for intake in Intake.objects.all():
        free = seats_left(intake)
        assert free["state"] >= 0 and free["contract"] >= 0, intake.code


def test_every_enrollment_has_its_history_orders_and_funding(demo):
    enrollments = Enrollment.objects.select_related(
        "intake", "admission_order", "expulsion_order"
    ).prefetch_related("transitions")
    for e in enrollments:
        history = sorted(e.transitions.all(), key=lambda t: (t.at, t.pk))
        assert history[0].from_state == "" and history[0].to_state == EnrollmentState.APPLIED
        assert history[0].at == e.applied_at
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_state == before.to_state
            assert after.to_state in ENROLLMENT_TRANSITIONS[before.to_state]
        assert history[-1].to_state == e.state
        assert {t.by_id for t in history} == {e.intake.methodologist_id}
        ever_admitted = any(t.to_state == EnrollmentState.ADMITTED for t in history)
        assert (e.admission_order is not None) == ever_admitted
        if ever_admitted:
            assert e.admission_order.kind == "admission" and e.admission_order.intake == e.intake
        if e.state == EnrollmentState.COMPLETED:
            assert e.completed_on == e.intake.end_date
        if e.state == EnrollmentState.EXPELLED:
            assert e.expulsion_order.kind == "expulsion" and e.expulsion_order.ground
            assert e.expulsion_reason == e.expulsion_order.reason
        if e.basis == FundingBasis.STATE_ORDER:
            assert e.state_order_reference and e.price is None
        else:
            assert e.price > 0 and e.contract_number
        if e.basis == FundingBasis.CONTRACT_ORGANISATION:
            assert e.customer_id is not None
    assert {e.basis for e in enrollments} == set(FundingBasis)
    assert Intake.objects.filter(orders__kind="admission").distinct().count() == (
        Order.objects.filter(kind="admission").count()
    )


def test_five_year_statuses_are_mixed_on_the_reference_date(demo):
    statuses = set(
        Listener.objects.with_upgrade_status(on=REFERENCE_DATE).values_list(
            "upgrade_status", flat=True
        )
    )

    assert statuses == set(UpgradeStatus)
    assert ExternalUpgrade.objects.filter(confirmed_at__isnull=True).exists()
    assert ExternalUpgrade.objects.counting().exists()


def test_demo_accounts_sign_in_with_their_roles(demo):
    expected = {
        "admin": Role.ADMINISTRATOR,
        "methodologist": Role.METHODOLOGIST,
        "methodologist2": Role.METHODOLOGIST,
        "district": Role.DISTRICT_METHODOLOGIST,
        "listener": Role.LISTENER,
    }
    for username, role in expected.items():
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None and user.role == role, username
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    district = User.objects.get(username="district")
    assert district.is_staff and district.district.region.code == "KZ-55"
    listener = User.objects.get(username="listener").listener
    assert listener.enrollments.filter(state=EnrollmentState.COMPLETED).exists()


def test_second_run_changes_nothing(demo):
    before = counts()
    passwords = dict(User.objects.values_list("username", "password"))

    output = load(listeners=LISTENERS)

    assert "already loaded" in output
    assert counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_second_run_repairs_a_demo_account(demo):
    User.objects.filter(username="methodologist").update(role=Role.LISTENER, password="!")

    load(listeners=LISTENERS)

    assert authenticate(username="methodologist", password=DEMO_PASSWORD).role == (
        Role.METHODOLOGIST
    )


def fingerprint() -> list[tuple]:
    listeners = list(
        Listener.objects.order_by("pk").values_list(
            "iin", "passport_number", "last_name", "first_name", "patronymic"
        )
    )
    intakes = list(
        Intake.objects.order_by("pk").values_list("code", "start_date", "capacity", "status")
    )
    enrollments = list(
        Enrollment.objects.order_by("pk").values_list(
            "listener__iin", "listener__passport_number", "intake__code", "state", "basis"
        )
    )
    orders = list(Order.objects.order_by("pk").values_list("number", "date", "kind"))
    return [listeners, intakes, enrollments, orders]


# Committed loads (transaction=True): `flush` empties the tables as it would a real database.
@pytest.mark.django_db(transaction=True)
def test_two_loads_into_an_empty_database_are_the_same(demo):
    first = fingerprint()
    call_command("flush", interactive=False, verbosity=0)
    assert not Listener.objects.exists()

    load(listeners=LISTENERS)

    second = fingerprint()
    assert len(first[0]) == LISTENERS and first[0][:20] == second[0][:20]
    assert first == second


def test_the_default_demo_staffing_shows_fields_within_and_over_the_limit():
    """Issue 19: the demo's norms are universities' (6 to 10 students per teacher) and §23
    compares them with the average yearly contingent (seat-days of the year over its days),
    so the default demo's reference year shows a mix, not every field red. Computed from the
    plan, without a database, by the same rules the report applies."""
    import collections

    from institute.contrib import demo_plan
    from institute.demo import DEFAULT_LISTENERS, data
    from institute.rules import average_yearly_contingent, staffing_within_norm

    plan = demo_plan(DEFAULT_LISTENERS).plan
    year = REFERENCE_DATE.year
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    teachers = collections.Counter(teacher.field for teacher in plan.teachers)
    seat_days: collections.Counter[str] = collections.Counter()
    for intake in plan.intakes:
        start, end = max(intake.start_date, first), min(intake.end_date, last)
        if intake.status != "cancelled" and start <= end:
            field = plan.programmes[intake.programme].field
            seat_days[field] += intake.capacity * ((end - start).days + 1)
    within = {
        code: staffing_within_norm(
            listeners_per_year=average_yearly_contingent(seat_days[code], year=year),
            teachers=teachers[code],
            university_norm=norm,
        )
        for code, _kk, _ru, _en, norm in data.FIELDS
    }
    assert 3 <= sum(within.values()) <= len(within) - 3


# Each table's rows in the order they were written, by what a person reads (natural keys
# rather than primary keys, which depend on the database's sequences).
DIGEST_TABLES: list[tuple[type[Model], list[str]]] = [
    (Region, ["code", "kind", "name_kk", "name_ru", "name_en"]),
    (District, ["region__code", "kind", "name_kk", "name_ru"]),
    (Institute, ["bin", "name_kk", "region__code", "licence_date"]),
    (Branch, ["name_kk", "district__name_ru", "address"]),
    (
        Organisation,
        ["bin", "name_kk", "name_ru", "kind", "district__name_ru", "address", "email", "phone"],
    ),
    (
        Teacher,
        [
            "last_name", "first_name", "patronymic", "field__code", "position",
            "academic_degree", "branch__name_ru",
        ],
    ),
    (
        User,
        [
            "username", "role", "first_name", "last_name", "email", "is_staff",
            "is_superuser", "district__name_ru",
        ],
    ),
    (
        Programme,
        ["code", "kind", "hours", "band", "title_kk", "field__code", "is_active", "language"],
    ),
    (
        Intake,
        [
            "code", "programme__code", "start_date", "end_date", "capacity",
            "state_order_seats", "contract_seats", "status", "language", "place",
            "branch__name_ru", "district__name_ru", "methodologist__username", "cancel_reason",
        ],
    ),
    (Session, ["intake__code", "date", "starts_at", "topic", "hours", "teacher__last_name"]),
    (
        CommissionMember,
        [
            "commission__intake__code", "commission__assessment_form", "full_name",
            "position", "role",
        ],
    ),
    (
        Listener,
        [
            "iin", "passport_number", "citizenship", "last_name", "first_name", "patronymic",
            "birth_date", "sex", "email", "phone", "organisation__bin", "position", "subject",
            "employment_start", "last_upgrade_on", "user__username",
        ],
    ),
    (
        Order,
        ["number", "date", "kind", "intake__code", "ground", "reason", "created_by__username"],
    ),
    (
        Enrollment,
        [
            "listener__iin", "listener__passport_number", "intake__code", "basis", "state",
            "grade", "price", "customer__bin", "contract_number", "completed_on", "applied_at",
            "admission_order__number", "expulsion_order__number",
        ],
    ),
    (
        EnrollmentTransition,
        [
            "enrollment__listener__iin", "enrollment__intake__code", "from_state", "to_state",
            "at", "by__username", "reason", "order__number",
        ],
    ),
    (
        ExternalUpgrade,
        [
            "listener__iin", "kind", "issuer", "document_number", "completed_on", "hours",
            "confirmed_by__username", "confirmed_at",
        ],
    ),
]  # fmt: skip

# The counts and digests of the 300-listener demo as the single loader in institute wrote it
# (before each app contributed its own part): the parts must write the very same data set.
EXPECTED_DIGESTS = {
    "Region": (20, "4cb800146ce556b4"),
    "District": (66, "15a31ecb7561026f"),
    "Institute": (1, "c963476b3603c9e0"),
    "Branch": (2, "4adcd00f333735e5"),
    "Organisation": (73, "79cfd97259dc5bf3"),
    "Teacher": (20, "eeeb6d72019ab932"),
    "User": (5, "42380b68b94c6f9c"),
    "Programme": (60, "b03e23d5fd9842ca"),
    "Intake": (40, "70bacb5f5ea5669d"),
    "Session": (432, "6d05e55579ee8bcd"),
    "CommissionMember": (100, "e5a6d0b732fdb8b1"),
    "Listener": (300, "14e877b85774ca90"),
    "Order": (106, "6b51ac7ad73cd393"),
    "Enrollment": (748, "895c3770ea4cc5e4"),
    "EnrollmentTransition": (2126, "d28b977ccd698545"),
    "ExternalUpgrade": (31, "75f09788d5e6c8aa"),
}


def _plain(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return f"{value:.2f}"
    return value


def digests() -> dict[str, tuple[int, str]]:
    result = {}
    for model, fields in DIGEST_TABLES:
        rows = [
            [_plain(value) for value in row]
            for row in model.objects.order_by("pk").values_list(*fields)
        ]
        text = json.dumps(rows, ensure_ascii=False).encode()
        result[model.__name__] = (len(rows), hashlib.sha256(text).hexdigest()[:16])
    return result


def test_the_data_set_is_the_one_the_single_loader_wrote(demo):
    assert digests() == EXPECTED_DIGESTS
