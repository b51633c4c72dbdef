"""The back-office as a whole (every model has its pages, under the institute's title) and
the institute's own catalogues: users with their role, organisations with their BIN."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from courses.models import CommissionMember
from institute.models import District, Organisation, Role, User
from tests.conftest import make_bin

APPS = ("institute", "courses", "listeners", "certificates")
# Edited on its parent's page only.
INLINE_ONLY = {CommissionMember}


@pytest.fixture
def back_office(client: Client, administrator) -> Client:
    """The administrator signed in to the back-office, reading it in English."""
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # as the language switch sets it
    return client


def domain_models() -> list:
    return [model for label in APPS for model in apps.get_app_config(label).get_models()]


def registered() -> list:
    return [model for model in domain_models() if admin.site.is_registered(model)]


def organisation_data(district: District, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name_kk": "№5 мектеп-гимназия",
        "name_ru": "Школа-гимназия №5",
        "bin": "940140000385",
        "kind": "gymnasium",
        "district": district.pk,
        "address": "",
        "email": "",
        "phone": "",
    }
    data.update(fields)
    return data


def test_every_model_has_a_back_office_page():
    missing = [
        model._meta.label
        for model in domain_models()
        if model not in INLINE_ONLY and not admin.site.is_registered(model)
    ]

    assert missing == []


@pytest.mark.parametrize("model", registered(), ids=lambda model: model._meta.label)
def test_every_list_and_add_page_opens(back_office, model, rf, administrator):
    opts = model._meta
    request = rf.get("/")
    request.user = administrator
    can_add = admin.site.get_model_admin(model).has_add_permission(request)

    listed = back_office.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    add = back_office.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert listed.status_code == 200
    assert add.status_code == (200 if can_add else 403)


def test_the_back_office_wears_the_institute_register_title(back_office):
    response = back_office.get(reverse("admin:index"))

    content = response.content.decode()
    assert "Institute register — back-office" in content
    assert "<title>Back-office | Institute register</title>" in content


def test_staff_without_sign_in_are_sent_to_the_login(client):
    response = client.get(reverse("admin:listeners_listener_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_an_organisation_with_a_bad_bin_is_refused(back_office, district):
    response = back_office.post(
        reverse("admin:institute_organisation_add"),
        organisation_data(district, bin="940140000386"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["bin"] == [
        "BIN 940140000386 has a wrong check digit: it was probably mistyped."
    ]
    assert not Organisation.objects.exists()


def test_an_organisation_with_a_valid_bin_is_stored(back_office, district):
    response = back_office.post(
        reverse("admin:institute_organisation_add"), organisation_data(district)
    )

    assert response.status_code == 302
    assert Organisation.objects.get(bin="940140000385").district == district


def test_organisations_are_found_by_bin_and_filtered_by_region_and_kind(
    back_office, organisation, region
):
    other_region = region.__class__.objects.create(
        code="KZ-71", kind="city", name_kk="Астана", name_ru="Астана", name_en="Astana"
    )
    capital = District.objects.create(region=other_region, name_kk="Есіл", name_ru="Есиль")
    lyceum = Organisation.objects.create(
        name_kk="Лицей", name_ru="Лицей", bin=make_bin(), kind="lyceum", district=capital
    )
    url = reverse("admin:institute_organisation_changelist")

    by_bin = back_office.get(url, {"q": lyceum.bin}).context["cl"].result_list
    by_region = back_office.get(url, {"district__region__id__exact": region.pk})
    by_kind = back_office.get(url, {"kind__exact": "lyceum"}).context["cl"].result_list

    assert list(by_bin) == [lyceum]
    assert list(by_region.context["cl"].result_list) == [organisation]
    assert list(by_kind) == [lyceum]


def user_data(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "office",
        "usable_password": "true",
        "password1": "Ertis-district-2026",
        "password2": "Ertis-district-2026",
        "role": Role.DISTRICT_METHODOLOGIST,
        "district": "",
    }
    data.update(fields)
    return data


def test_a_district_methodologist_needs_their_district(back_office):
    response = back_office.post(reverse("admin:institute_user_add"), user_data())

    assert response.status_code == 200
    assert "A district methodologist needs their district." in response.content.decode()
    assert not User.objects.filter(username="office").exists()


def test_a_user_is_added_with_role_and_district(back_office, district):
    response = back_office.post(
        reverse("admin:institute_user_add"), user_data(district=district.pk)
    )

    assert response.status_code == 302
    user = User.objects.get(username="office")
    assert (user.role, user.district) == (Role.DISTRICT_METHODOLOGIST, district)


def test_users_are_filtered_by_role(back_office, methodologist, district_methodologist):
    response = back_office.get(
        reverse("admin:institute_user_changelist"), {"role__exact": Role.METHODOLOGIST}
    )

    assert list(response.context["cl"].result_list) == [methodologist]
