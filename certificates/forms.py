"""Forms of the register of issued documents and of the public verification page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import DocumentStatus
from certificates.rules import number_key
from courses.models import Intake
from courses.rules import DocumentKind
from institute.forms import SearchField
from institute.models import Organisation
from institute.text import fold_lookalikes

ANY = [("", _("Any"))]


class RegisterFilterForm(forms.Form):
    """The register's GET form: every field optional; an invalid value filters nothing.
    The intakes and organisations offered are only those with a document."""

    q = SearchField(label=_("Number or surname"), required=False, max_length=100)
    year = forms.IntegerField(label=_("year"), required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(
        label=_("document kind"), choices=ANY + DocumentKind.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("status"), choices=ANY + DocumentStatus.choices, required=False
    )
    intake = forms.ModelChoiceField(
        label=_("intake"),
        queryset=Intake.objects.none(),
        required=False,
        empty_label=_("Any"),
    )
    organisation = forms.ModelChoiceField(
        label=_("organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Any"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intake"].queryset = (
            Intake.objects.filter(enrollments__documents__isnull=False)
            .distinct()
            .order_by("-start_date", "code")
        )
        self.fields["intake"].label_from_instance = lambda intake: intake.code
        self.fields["organisation"].queryset = (
            Organisation.objects.filter(listeners__enrollments__documents__isnull=False)
            .distinct()
            .order_by("name_kk")
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the register and the audit trail, e.g. the mistake found."),
    )
    reissue = forms.BooleanField(
        label=_("Issue a corrected document at once"),
        required=False,
        help_text=_("A new number; the new document records that it replaces this one."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the document is revoked."))
        return reason


class DuplicateForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("The holder has lost the original; the original becomes invalid"),
        error_messages={"required": _("Confirm that the original is lost.")},
    )


class VerifyForm(forms.Form):
    """The public look-up by number and surname. Both are cleaned to what the look-up
    compares, the same folding the stored side gets: the number by rules.number_key (as
    kept in Document.number_key), the surname by fold_lookalikes (certificates.verify.views._surname_matches)."""

    number = forms.CharField(
        label=_("Registration number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "КУ-2026-00017"}),
    )
    surname = forms.CharField(
        label=_("Holder's surname"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def lock(self) -> None:
        """Disable the fields while look-ups from this address are paused."""
        for field in self.fields.values():
            field.disabled = True

    def clean_number(self) -> str:
        return number_key(self.cleaned_data["number"])

    def clean_surname(self) -> str:
        return fold_lookalikes(self.cleaned_data["surname"])


class FileCheckForm(forms.Form):
    """The public check of a PDF file: one file, read in memory (certificates.verify)."""

    file = forms.FileField(
        label=_("PDF file of the document"),
        help_text=_("The file is checked and forgotten: it is not kept. At most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
