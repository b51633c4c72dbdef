"""The listener's profile form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from listeners.enrollment.forms import OrganisationByBinField
from listeners.models import Listener


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
