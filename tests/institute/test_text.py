"""Text made safe once, at the edge (issue 18): control characters refused beside the field
and in addresses."""

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from institute.text import clean_name, has_control, validate_no_control


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
