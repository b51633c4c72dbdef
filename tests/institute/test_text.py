"""Text made safe once, at the edge (issue 18): control characters refused beside the field
and in addresses, names cleaned of zero-width and bidirectional-control characters on every
save, and the names stored before cleaned by the data migrations."""

import importlib
import logging

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from institute.models import District, Organisation, Teacher
from institute.text import clean_name, clean_stored_names, has_control, validate_no_control
from tests.conftest import make_bin


@pytest.mark.parametrize("value", ["a\x1bb", "a\x07b", "a\x85b", "a\x7fb", "a\x0bb", "a\x9fb"])
def test_a_control_character_is_refused_with_its_position(value, english):
    with pytest.raises(ValidationError) as raised:
        validate_no_control(value)
    assert raised.value.code == "control_character"
    assert raised.value.messages == [
        "Remove the invisible control character at position 2: it cannot be stored."
    ]


@pytest.mark.parametrize("value", ["Сейітқызы", "line\r\nnext\tcolumn", "", 42, None])
def test_text_without_control_characters_passes(value):
    validate_no_control(value)


def test_nul_is_left_to_djangos_own_validator_so_the_field_says_it_once(english):
    field = forms.CharField()
    with pytest.raises(ValidationError) as raised:
        field.clean("a\x00b")
    assert raised.value.messages == ["Null characters are not allowed."]


def test_every_form_text_field_refuses_control_characters_djangos_own_too(english):
    """Set once for every form CharField (institute.apps), before Django's own forms and
    the back-office's were built."""
    from django.contrib.auth.forms import AuthenticationForm

    from listeners.admin import EnrollmentChangeForm

    for field in (
        forms.CharField(widget=forms.Textarea),
        AuthenticationForm.base_fields["username"],
        EnrollmentChangeForm.base_fields["state_reason"],
    ):
        with pytest.raises(ValidationError) as raised:
            field.clean("Ә\x1bлиев")
        assert [e.code for e in raised.value.error_list] == ["control_character"]


def test_a_text_area_keeps_its_tabs_and_line_breaks():
    field = forms.CharField(widget=forms.Textarea)
    assert field.clean("one\r\n\ttwo") == "one\r\n\ttwo"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Сейіт\u200bқызы", "Сейітқызы"),
        ("\u202eвеилА", "веилА"),
        ("\ufeff  Әлиев\u00ad  Нұр\u2066лан\u2069 ", "Әлиев Нұрлан"),
        ("\u0418\u0306лья", "\u0419лья"),  # И and a combining breve: one letter Й
    ],
)
def test_a_name_is_cleaned_to_its_visible_letters(typed, stored):
    assert clean_name(typed) == stored
    assert not has_control(stored)


# --- addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The address contains a control character"),
        ("kk", '<html lang="kk"'),
        ("ru", '<html lang="ru"'),
    ],
)
def test_an_address_with_a_control_character_is_our_400_page_in_the_readers_language(
    db, language, text
):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/courses/?q=%00")
    assert response.status_code == 400
    page = response.content.decode()
    assert text in page
    assert response["Content-Language"] == language


def test_an_address_with_tabs_or_invisible_characters_is_not_refused(db):
    assert Client().get("/courses/?q=%E2%80%8B%09").status_code == 200


# --- names cleaned on save -------------------------------------------------------------------


def test_a_teacher_is_stored_without_invisible_characters(db):
    from institute.models import Field

    field = Field.objects.create(
        code="F", name_kk="Физика\u200b", name_ru="Физика", university_norm=8
    )
    teacher = Teacher.objects.create(
        last_name="\u202eОмарова", first_name="Сәуле\u200b", patronymic="  ", field=field
    )
    teacher.refresh_from_db()
    field.refresh_from_db()
    assert (teacher.last_name, teacher.first_name, teacher.patronymic) == ("Омарова", "Сәуле", "")
    assert field.name_kk == "Физика"


def test_a_district_spelt_with_a_zero_width_space_is_the_same_district(region, district):
    """Cleaned before validation: the uniqueness check compares the spelling to be stored."""
    twin = District(region=region, name_kk="Ертіс", name_ru=f"{district.name_ru}\u200b")
    with pytest.raises(ValidationError) as raised:
        twin.full_clean()
    assert "__all__" in raised.value.error_dict
    assert District.objects.count() == 1


# --- the stored names, cleaned by the data migrations ----------------------------------------


def migration(app: str, name: str):
    return importlib.import_module(f"{app}.migrations.{name}")


def test_the_institute_migration_cleans_stored_names(organisation, district):
    Organisation.objects.filter(pk=organisation.pk).update(
        name_kk="№1\u200b мектеп", name_ru="\u202eШкола  №1"
    )
    District.objects.filter(pk=district.pk).update(name_en="Irtysh\ufeff District")
    migration("institute", "0005_clean_stored_names").clean(apps, None)
    organisation.refresh_from_db()
    district.refresh_from_db()
    assert (organisation.name_kk, organisation.name_ru) == ("№1 мектеп", "Школа №1")
    assert district.name_en == "Irtysh District"


def test_a_name_that_would_duplicate_another_keeps_its_stored_spelling(region, district, caplog):
    """Two districts of a region told apart only by a zero-width space: cleaning one would
    break the unique constraint, so it keeps its name (a person decides which is right) and
    the migration says so; the others are still cleaned."""
    twin = District.objects.create(region=region, name_kk="Ертіс", name_ru="Иртышский")
    District.objects.filter(pk=twin.pk).update(name_ru=f"{district.name_ru}\u200b")
    other = District.objects.create(region=region, name_kk="Павлодар", name_ru="Павлодар")
    District.objects.filter(pk=other.pk).update(name_kk="Павлодар\u200b")
    with caplog.at_level(logging.WARNING, logger="institute.text"):
        changed = clean_stored_names(District, ("name_kk", "name_ru", "name_en"))
    assert changed == 1
    twin.refresh_from_db()
    other.refresh_from_db()
    assert twin.name_ru == f"{district.name_ru}\u200b"
    assert other.name_kk == "Павлодар"
    assert f"institute.District {twin.pk} keeps its stored name" in caplog.text


def test_cleaning_the_stored_names_writes_only_what_changes_in_batches(organisation, district):
    for n in range(7):
        Organisation.objects.create(
            name_kk=f"Мектеп {n}",
            name_ru=f"Школа {n}",
            bin=make_bin(),
            kind="school",
            district=district,
        )
    Organisation.objects.filter(name_kk__in=["Мектеп 1", "Мектеп 5"]).update(name_ru="Школа\u200b")
    changed = clean_stored_names(Organisation, ("name_kk", "name_ru"), batch_size=1)
    assert changed == 2
    assert sorted(Organisation.objects.values_list("name_kk", "name_ru"))[:3] == [
        ("Мектеп 0", "Школа 0"),
        ("Мектеп 1", "Школа"),
        ("Мектеп 2", "Школа 2"),
    ]
    assert Organisation.objects.filter(name_ru__contains="\u200b").count() == 0
