"""The upload of a list of listeners into an intake (.xlsx or .csv), bounded before it is read."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from listeners.models import FundingBasis

MAX_IMPORT_BYTES = 5 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive


class ImportUploadForm(forms.Form):
    """A list of applicants for one intake, with what is common to all of them (§14)."""

    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_(
            "First row: the column names. Needed: IIN, last name, first name, organisation "
            "BIN (in Kazakh, Russian or English, e.g. ЖСН / ИИН / IIN)."
        ),
    )
    basis = forms.ChoiceField(
        label=_("funding basis"), choices=FundingBasis.choices, initial=FundingBasis.STATE_ORDER
    )
    state_order_reference = forms.CharField(label=_("state order"), max_length=200, required=False)
    with_work_interruption = forms.BooleanField(
        label=_("with interruption from work"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        head = upload.read(4)
        upload.seek(0)
        if name.endswith(".xlsx") and head != ZIP_MAGIC:
            raise ValidationError(_("The file is not a readable .xlsx workbook."))
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Contracts carry their own customer and price: those come one by one, not in a list.
        if cleaned.get("basis") and cleaned["basis"] != FundingBasis.STATE_ORDER:
            self.add_error(
                "basis",
                _(
                    "A list is imported on a state order; add contract "
                    "listeners one by one with their contract."
                ),
            )
        return cleaned
