"""Forms of the diploma blank-form pages: a delivery received, a form written off, the
period of the statement."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institute.forms import DayField


class BatchForm(forms.Form):
    series = forms.CharField(label=_("Series"), max_length=10)
    first_number = forms.IntegerField(label=_("First number"), min_value=1)
    last_number = forms.IntegerField(label=_("Last number"), min_value=1)
    received_on = DayField(label=_("Received on"))
    delivery_note = forms.CharField(label=_("Delivery note or act"), max_length=100)


class SpoilForm(forms.Form):
    series = forms.CharField(label=_("Series"), max_length=10)
    number = forms.IntegerField(label=_("Form number"), min_value=1)
    reason = forms.CharField(
        label=_("Reason for writing off"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PeriodForm(forms.Form):
    """The statement's period; by default the current year up to today."""

    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to.replace(month=1, day=1)
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return date_from, date_to
