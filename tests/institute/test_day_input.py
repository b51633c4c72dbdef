"""One date field for every form (issue 19): a text input read and shown as dd.mm.yyyy in
every language, with the language's own placeholder, a numeric keypad and a clear error."""

import datetime
import inspect

import pytest
from django import forms
from django.utils import translation

from institute.forms import DayField
from tests.conftest import forms_modules


class DayForm(forms.Form):
    day = DayField(label="day")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize(
    "typed", ["25.10.2026", "5.3.2026", "05.03.2026", "2026-03-05", " 25.10.2026 "]
)
def test_day_month_year_and_iso_are_read_in_every_language(language, typed):
    with translation.override(language):
        form = DayForm(data={"day": typed})
        assert form.is_valid(), form.errors
    expected = datetime.date(2026, 10, 25) if "25" in typed else datetime.date(2026, 3, 5)
    assert form.cleaned_data["day"] == expected


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Enter the date as dd.mm.yyyy, for example 25.10.2026."),
        ("kk", "Күнді кк.аа.жжжж түрінде енгізіңіз, мысалы 25.10.2026."),
        ("ru", "Введите дату в виде дд.мм.гггг, например 25.10.2026."),
    ],
)
@pytest.mark.parametrize("typed", ["10/25/2026", "31.02.2026", "25.10", "завтра"])
def test_anything_else_is_refused_naming_the_expected_form(language, message, typed):
    with translation.override(language):
        form = DayForm(data={"day": typed})
        assert not form.is_valid()
        assert form.errors["day"] == [message]


@pytest.mark.parametrize(
    ("language", "placeholder"),
    [("kk", "кк.аа.жжжж"), ("ru", "дд.мм.гггг"), ("en", "dd.mm.yyyy")],
)
def test_the_input_is_text_shown_day_month_year_with_the_languages_placeholder(
    language, placeholder
):
    with translation.override(language):
        html = str(DayForm(initial={"day": datetime.date(2026, 3, 5)})["day"])
    assert 'type="text"' in html and 'type="date"' not in html
    assert 'value="05.03.2026"' in html
    assert f'placeholder="{placeholder}"' in html
    assert 'inputmode="numeric"' in html and 'autocomplete="off"' in html


MONTH_PICKERS = {("IntakeFilterForm", "month"), ("CatalogueFilterForm", "month")}


def test_every_date_a_person_types_uses_the_shared_field():
    dates = []
    for module in forms_modules():
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or not hasattr(form, "base_fields"):
                continue
            for field_name, field in form.base_fields.items():
                if isinstance(field, forms.DateField) and (name, field_name) not in MONTH_PICKERS:
                    dates.append((name, field_name, type(field).__name__))
    assert len(dates) >= 10  # intakes, sessions, orders, reports, the portal
    assert {kind for _, _, kind in dates} == {"DayField"}, dates
