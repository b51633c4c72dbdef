"""Form fields shared by the apps' forms."""

from typing import Any

from django import forms

from institute.text import clean_name


class SearchField(forms.CharField):
    """A search box for names: what is typed is cleaned as stored names are
    (institute.text.clean_name), so a surname pasted with a zero-width space or a
    bidirectional mark still finds the person (issue 18)."""

    def to_python(self, value: Any) -> str:
        return clean_name(super().to_python(value))
