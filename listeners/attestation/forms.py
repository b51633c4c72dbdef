"""The forms of the final attestation: the commission's order with its members, the results' day."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from courses.models import AssessmentForm, CommissionRole
from institute.forms import DayField
from listeners.enrollment.forms import OrderFieldsForm


class CommissionForm(OrderFieldsForm):
    """The attestation commission of an intake and the head's order approving it (§21)."""

    assessment_form = forms.ChoiceField(
        label=capfirst(_("form of assessment")), choices=AssessmentForm.choices
    )
    sits_on = DayField(label=capfirst(_("date of attestation")), required=False)
    field_order = ["assessment_form", "sits_on", "number", "date", "head_name", "head_title"]


class CommissionMemberForm(forms.Form):
    """One member of the commission; a row left without a name is ignored."""

    # The rows sit in a table under column headings: each input names itself for screen readers.
    full_name = forms.CharField(
        label=capfirst(_("full name")),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"aria-label": _("Member's full name")}),
    )
    position = forms.CharField(
        label=capfirst(_("position")),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"aria-label": _("Member's position")}),
    )
    role = forms.ChoiceField(
        label=capfirst(_("role")),
        choices=CommissionRole.choices,
        initial=CommissionRole.MEMBER,
        widget=forms.Select(attrs={"aria-label": _("Member's role")}),
    )


CommissionMemberFormSet = forms.formset_factory(CommissionMemberForm, extra=0, max_num=30)
COMMISSION_MEMBER_ROWS = 5


class ResultsDateForm(forms.Form):
    """The completion date given to those who pass (§14–§22)."""

    on = DayField(label=capfirst(_("completion date")))
