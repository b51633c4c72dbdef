"""The form a listener uses to report an upgrade taken elsewhere, with its certificate's scan."""

from django import forms
from django.utils.translation import gettext_lazy as _

from institute.forms import DayField
from listeners.models import validate_scan


class ExternalUpgradeForm(forms.Form):
    """An upgrade done at another institution, as its document says (§10.1)."""

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
