"""Forms of the listener's own pages (/me/): profile, feedback, appeal, upgrade elsewhere."""

from django import forms
from django.utils.translation import gettext_lazy as _

from institute.forms import DayField
from listeners.forms import OrganisationByBinField
from listeners.models import Listener, validate_scan


class ProfileForm(forms.ModelForm):
    """What a listener keeps up to date themselves: contacts and workplace. The IIN and the
    names are printed on documents, so only a methodologist changes them."""

    organisation_bin = OrganisationByBinField(
        label=_("BIN of the organisation"),
        required=False,
        max_length=12,
        help_text=_("12 digits; the organisation must be in the institute's register."),
    )

    class Meta:
        model = Listener
        fields = ["email", "phone", "position", "subject"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.organisation_id and not self.is_bound:
            self.initial["organisation_bin"] = self.instance.organisation.bin
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["organisation_bin"].widget.attrs["inputmode"] = "numeric"

    def save(self, commit: bool = True) -> Listener:
        self.instance.organisation = self.cleaned_data["organisation_bin"]
        return super().save(commit=commit)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1: poor · 5: excellent"),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was useful, what should change in the programme."),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Your appeal"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you disagree with in the order, and why."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ExternalUpgradeForm(forms.Form):
    """An upgrade done at another institution, as its document says (SPEC §3)."""

    issuer = forms.CharField(label=_("Issued by"), max_length=300)
    document_number = forms.CharField(label=_("Document number"), max_length=50)
    completed_on = DayField(label=_("Date of the document"))
    hours = forms.IntegerField(label=_("Academic hours"), min_value=1, max_value=5000)
    programme_title = forms.CharField(label=_("Programme"), max_length=300, required=False)
    with_work_interruption = forms.BooleanField(
        label=_("With interruption from work"),
        required=False,
        initial=True,
        help_text=_("Only an upgrade with interruption from work counts for the five years."),
    )
    scan = forms.FileField(
        label=_("Scan of the document"),
        validators=[validate_scan],
        help_text=_("PDF, JPEG or PNG, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
