"""The back-office's permissions follow the role (institute.access.RoleBackend): a
methodologist keeps the catalogue there without any permission given by hand, an
administrator also keeps accounts, a district methodologist only reads, a listener never
enters; an intake's status is not edited there (it moves through the workspace)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from courses.models import Intake, IntakeStatus
from institute.access import ROLE_PERMISSIONS, role_permissions
from institute.models import Role, User


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def intake_post(intake: Intake, **changes) -> dict[str, object]:
    data = {
        "programme": intake.programme_id,
        "code": intake.code,
        "status": intake.status,
        "start_date": intake.start_date.isoformat(),
        "end_date": intake.end_date.isoformat(),
        "place": intake.place,
        "branch": "",
        "district": "",
        "language": intake.language,
        "with_work_interruption": "on",
        "methodologist": "",
        "capacity": intake.capacity,
        "state_order_seats": intake.state_order_seats,
        "contract_seats": intake.contract_seats,
        "state_order_reference": intake.state_order_reference,
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_a_methodologist_with_no_permission_given_keeps_intakes_in_the_back_office(
    methodologist, intake
):
    assert not methodologist.user_permissions.exists() and not methodologist.groups.exists()
    client = signed_in(methodologist)
    index = client.get(reverse("admin:index")).content.decode()
    assert "Intakes" in index and "Listeners" in index
    assert "Users" not in index and "Audit" not in index
    change = reverse("admin:courses_intake_change", args=[intake.pk])
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:courses_intake_add")).status_code == 200
    assert client.get(reverse("admin:courses_programme_changelist")).status_code == 200
    # Accounts and the audit trail are the administrator's.
    assert client.get(reverse("admin:institute_user_changelist")).status_code == 403
    assert client.get(reverse("admin:institute_auditentry_changelist")).status_code == 403


def test_the_back_office_saves_an_intake_but_never_its_status(methodologist, intake):
    assert intake.status == IntakeStatus.PLANNED
    client = signed_in(methodologist)
    change = reverse("admin:courses_intake_change", args=[intake.pk])
    page = client.get(change).content.decode()
    assert 'name="status"' not in page  # shown, not offered

    wanted = intake.capacity + 5
    data = intake_post(intake, status=IntakeStatus.FINISHED, capacity=wanted)
    data["contract_seats"] = intake.contract_seats + 5

    response = client.post(change, data)

    assert response.status_code == 302, getattr(response, "context_data", {}).get("errors")
    intake.refresh_from_db()
    assert intake.capacity == wanted
    assert intake.status == IntakeStatus.PLANNED


def test_an_administrator_keeps_accounts_and_reads_the_audit_trail(administrator):
    administrator.is_superuser = False
    administrator.save()
    client = signed_in(administrator)
    assert client.get(reverse("admin:institute_user_changelist")).status_code == 200
    assert client.get(reverse("admin:institute_user_add")).status_code == 200
    assert client.get(reverse("admin:institute_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:certificates_document_changelist")).status_code == 200


def test_a_district_methodologist_reads_and_changes_nothing(district_methodologist, intake):
    client = signed_in(district_methodologist)
    change = reverse("admin:courses_intake_change", args=[intake.pk])
    assert client.get(reverse("admin:courses_intake_changelist")).status_code == 200
    assert client.get(change).status_code == 200  # the read-only view
    assert client.get(reverse("admin:courses_intake_add")).status_code == 403
    before = intake.capacity
    response = client.post(change, intake_post(intake, capacity=before + 5))
    assert response.status_code == 403
    intake.refresh_from_db()
    assert intake.capacity == before
    assert client.get(reverse("admin:institute_user_changelist")).status_code == 403


@pytest.mark.parametrize("flag", ["listener", "inactive", "not_staff"])
def test_no_permission_without_an_active_staff_account(flag, methodologist, listener):
    user = {"listener": listener.user, "inactive": methodologist, "not_staff": methodologist}[flag]
    if flag == "inactive":
        user.is_active = False
    if flag == "not_staff":
        user.is_staff = False
    user.save()
    user = User.objects.get(pk=user.pk)  # no cached permissions
    assert not user.has_perm("courses.change_intake")
    assert not user.has_module_perms("courses")
    assert user.get_all_permissions() == set()


def test_every_permission_named_exists(db):
    from django.contrib.auth.models import Permission

    known = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for role in ROLE_PERMISSIONS:
        assert role_permissions(role) <= known, role
    assert role_permissions(Role.LISTENER) == frozenset()
    assert "courses.change_intake" in role_permissions(Role.METHODOLOGIST)
    assert "courses.change_intake" not in role_permissions(Role.DISTRICT_METHODOLOGIST)
