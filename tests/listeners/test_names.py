"""Listeners' names as people type or paste them (issue 18): stored NFC, without zero-width or
bidirectional-control characters, whoever saves them; found by their visible letters; the
names stored before cleaned by the data migration; a grade with a control character refused."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from courses.models import CommissionRole, IntakeStatus
from listeners.attestation.services import MemberData, commission_approve
from listeners.models import Enrollment, ExternalUpgrade, Listener, Order
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind
from listeners.upgrades.services import external_upgrade_record
from tests.conftest import IMMEDIATE_TASKS, make_enrollment, make_iin, make_intake, make_listener
from tests.listeners.attestation.test_attestation_views import approved, record  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ZERO_WIDTH = "Сейіт\u200bқызы"
OVERRIDE = "\u202eАйгерім\u202c"


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(en, methodologist):
    en.force_login(methodologist)
    return en


def test_a_listener_saved_with_invisible_characters_is_stored_as_the_name_looks(organisation):
    listener = make_listener(
        organisation, last_name=ZERO_WIDTH, first_name=OVERRIDE, patronymic=" Ерлан\ufeffқызы "
    )
    listener.refresh_from_db()
    assert (listener.last_name, listener.first_name, listener.patronymic) == (
        "Сейітқызы",
        "Айгерім",
        "Ерланқызы",
    )
    assert Listener.objects.filter(last_name="Сейітқызы").count() == 1


def test_a_new_person_added_by_the_methodologist_is_stored_clean(staff, intake, organisation):
    iin = make_iin()
    response = staff.post(
        reverse("listeners:enrollment_add", args=[intake.pk]),
        {
            "add-iin": iin,
            "add-last_name": ZERO_WIDTH,
            "add-first_name": OVERRIDE,
            "add-basis": "state_order",
        },
    )
    assert response.status_code == 302
    listener = Listener.objects.get(iin=iin)
    assert (listener.last_name, listener.first_name) == ("Сейітқызы", "Айгерім")
    assert Enrollment.objects.filter(listener=listener, intake=intake).exists()


def test_an_online_application_stores_the_pasted_name_clean(
    en, programme, organisation, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    intake = make_intake(
        programme,
        status=IntakeStatus.OPEN,
        start_date=datetime.date(2027, 3, 1),
        end_date=datetime.date(2027, 3, 12),
    )
    iin = make_iin()
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(
            reverse("public:apply", args=[intake.pk]),
            {
                "iin": iin,
                "last_name": f"\u202e{ZERO_WIDTH}",
                "first_name": "Айгерім\u200d",
                "email": "aigerim@example.kz",
                "organisation": organisation.pk,
                "position": "Мұғалім",
                "basis": "state_order",
            },
        )
    assert response.status_code == 302
    listener = Listener.objects.get(iin=iin)
    assert (listener.last_name, listener.first_name) == ("Сейітқызы", "Айгерім")


def test_a_name_that_is_only_invisible_characters_is_refused_as_empty(staff, intake):
    iin = make_iin()
    response = staff.post(
        reverse("listeners:enrollment_add", args=[intake.pk]),
        {"add-iin": iin, "add-last_name": "\u200b\u202e", "add-first_name": "Айгерім"},
    )
    assert response.status_code in (200, 400)
    assert not Listener.objects.filter(iin=iin).exists()


def test_the_five_year_search_finds_the_name_by_its_visible_letters_whatever_is_pasted(
    staff, organisation
):
    listener = make_listener(organisation, last_name=ZERO_WIDTH, employment_start=None)
    url = reverse("listeners:compliance")
    for typed in ("Сейітқызы", "Сейіт\u200bқызы", "\u202eсейітқызы"):
        page = staff.get(url, {"q": typed})
        assert page.status_code == 200
        assert [p.pk for p in page.context["page"].object_list] == [listener.pk], typed


def test_commission_members_are_stored_clean_and_an_invisible_only_row_is_ignored(
    intake, methodologist
):
    commission = commission_approve(
        intake=intake,
        assessment_form="exam",
        sits_on=None,
        members=[
            MemberData(full_name="Серікова\u200b Динара", position="профессор", role="chair"),
            MemberData(full_name="\u202eОмаров Асқар", position="", role="member"),
            MemberData(full_name="\u200b", position="", role="member"),
        ],
        order_fields={"number": "77", "date": datetime.date(2026, 3, 5), "head_name": "Қ. Ж."},
        by=methodologist,
    )
    assert sorted(commission.members.values_list("full_name", "role")) == [
        ("Омаров Асқар", CommissionRole.MEMBER),
        ("Серікова Динара", CommissionRole.CHAIR),
    ]


def test_an_upgrade_from_elsewhere_keeps_its_issuer_as_it_looks(listener):

    upgrade = external_upgrade_record(
        listener=listener,
        issuer="«Өрлеу»\u200b БАҰО",
        document_number="0457",
        completed_on=datetime.date(2024, 5, 20),
        hours=72,
        by=None,
    )
    upgrade.refresh_from_db()
    assert upgrade.issuer == "«Өрлеу» БАҰО"


def test_a_remark_with_a_control_character_is_refused_and_nothing_recorded(
    staff,
    intake,
    organisation,
    approved,  # noqa: F811
):
    enrollment = make_enrollment(make_listener(organisation), intake, state=S.ADMITTED)
    response = record(staff, intake, {enrollment.pk: ("passed", "5", "өте\x1b жақсы")})
    assert response.status_code == 400
    assert "holds an invisible control character" in response.content.decode()
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.grade, enrollment.final_result) == (S.ADMITTED, None, "")


# --- the data migration --------------------------------------------------------------------


def test_the_migration_cleans_the_names_stored_before(organisation, listener):
    dirty = make_listener(organisation, last_name="Ахметова")
    Listener.objects.filter(pk=dirty.pk).update(
        last_name=ZERO_WIDTH, first_name=OVERRIDE, patronymic="Ерлан\u00adқызы"
    )
    order = Order.objects.create(
        kind=OrderKind.ADMISSION, number="5", date=datetime.date(2026, 3, 1), head_name="Қ"
    )
    Order.objects.filter(pk=order.pk).update(head_name="Қ.\u200b Жұмабеков")
    upgrade = ExternalUpgrade.objects.create(
        listener=listener,
        issuer="Өрлеу",
        document_number="1",
        completed_on=datetime.date(2024, 5, 20),
        hours=72,
    )
    ExternalUpgrade.objects.filter(pk=upgrade.pk).update(issuer="\u2066Өрлеу\u2069")
    assert Listener.objects.filter(last_name="Сейітқызы").count() == 0

    module = importlib.import_module("listeners.migrations.0011_clean_stored_names")
    module.clean(apps, None)

    dirty.refresh_from_db()
    assert (dirty.last_name, dirty.first_name, dirty.patronymic) == (
        "Сейітқызы",
        "Айгерім",
        "Ерланқызы",
    )
    listener.refresh_from_db()
    assert (listener.last_name, listener.first_name) == ("Сұлтанова", "Гүлназ")
    order.refresh_from_db()
    upgrade.refresh_from_db()
    assert (order.head_name, upgrade.issuer) == ("Қ. Жұмабеков", "Өрлеу")
