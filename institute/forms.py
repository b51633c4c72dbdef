"""Form fields shared by the apps' forms."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from institute.text import clean_name


class SearchField(forms.CharField):
    """A search box for names: what is typed is cleaned as stored names are
    (institute.text.clean_name), so a surname pasted with a zero-width space or a
    bidirectional mark still finds the person (issue 18)."""

    def to_python(self, value: Any) -> str:
        return clean_name(super().to_python(value))


# A day is typed and shown as on Kazakh and Russian documents, dd.mm.yyyy, whatever the
# browser's locale (a native date input showed mm/dd/yyyy on a Kazakh page, issue 19); one
# digit for the day or the month is fine (strptime's %d and %m take it), and so is ISO
# yyyy-mm-dd, what links and older bookmarks carry.
DAY_DISPLAY_FORMAT = "%d.%m.%Y"
DAY_INPUT_FORMATS = [DAY_DISPLAY_FORMAT, "%Y-%m-%d"]


class DayInput(forms.DateInput):
    """A day as text, dd.mm.yyyy: a numeric keypad on a phone, the language's own
    placeholder (kk «кк.аа.жжжж», ru «дд.мм.гггг»), no browser autofill of old values."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "placeholder": _("dd.mm.yyyy"),
            "class": "day",
            "size": 10,
            "maxlength": 10,
        }
        super().__init__({**defaults, **(attrs or {})}, format=DAY_DISPLAY_FORMAT)


class DayField(forms.DateField):
    """The one date field of every form: DayInput, read as dd.mm.yyyy (or ISO) in every
    language, English included, and an error that shows the expected form."""

    widget = DayInput
    input_formats = DAY_INPUT_FORMATS
    default_error_messages = {
        "invalid": _("Enter the date as dd.mm.yyyy, for example 25.10.2026."),
    }


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's RuleViolation beside its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
