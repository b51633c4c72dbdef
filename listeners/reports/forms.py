"""The forms of the reports: a period, and the five-year report's day, status and search."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from institute.forms import DayField, SearchField
from institute.rules import add_months
from listeners import rules


class PeriodForm(forms.Form):
    """A period of days, first and last included."""

    # Words of their own: "from" and "to" are also the two states of an enrollment's history.
    start = DayField(label=_("First day of the period"))
    end = DayField(label=_("Last day of the period"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        return cleaned


# The days a five-year report may be asked for: from the regulation's first five years to the
# end of the 24 months the forecast plans for.
COMPLIANCE_FIRST_DAY = datetime.date(2001, 1, 1)
COMPLIANCE_MONTHS_AHEAD = 24


class ComplianceForm(forms.Form):
    """The day of a five-year report, a status and a search; every field optional."""

    on = DayField(label=capfirst(_("on the day")), required=False)
    status = forms.ChoiceField(
        label=capfirst(_("status")),
        choices=[("", _("Any"))] + rules.UpgradeStatus.choices,
        required=False,
    )
    q = SearchField(label=capfirst(_("IIN or name")), max_length=100, required=False)

    def clean_on(self) -> datetime.date:
        on = self.cleaned_data["on"] or timezone.localdate()
        last = add_months(timezone.localdate(), COMPLIANCE_MONTHS_AHEAD)
        if not COMPLIANCE_FIRST_DAY <= on <= last:
            raise ValidationError(
                _("Choose a day from %(first)s to %(last)s."),
                params={
                    "first": COMPLIANCE_FIRST_DAY.strftime("%d.%m.%Y"),
                    "last": last.strftime("%d.%m.%Y"),
                },
            )
        return on
