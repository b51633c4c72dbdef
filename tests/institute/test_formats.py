"""Dates and numbers read the Kazakh and Russian way (GLOSSARY.md: Django has no kk formats)."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import formats, translation


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_dates_are_day_month_year(language):
    with translation.override(language):
        assert formats.date_format(datetime.date(2026, 2, 9), "SHORT_DATE_FORMAT") == "09.02.2026"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_decimals_use_a_comma_and_a_space_between_thousands(language):
    with translation.override(language):
        rendered = formats.number_format(Decimal("1234567.5"), 2, force_grouping=True)
    assert rendered == "1\xa0234\xa0567,50"


def test_kazakh_date_input_is_accepted_by_forms():
    from django import forms

    class F(forms.Form):
        day = forms.DateField()

    with translation.override("kk"):
        form = F(data={"day": "29.02.2028"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == datetime.date(2028, 2, 29)


def test_templates_render_kazakh_dates_by_default():
    with translation.override("kk"):
        html = Template("{{ d|date:'SHORT_DATE_FORMAT' }}").render(
            Context({"d": datetime.date(2026, 11, 25)})
        )
    assert html == "25.11.2026"
