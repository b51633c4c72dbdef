"""The public check of a digital credential: pasted, or its .jwt file chosen."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A credential of the register is a few kilobytes; anything much larger is not one.
MAX_CREDENTIAL_BYTES = 64 * 1024


class CredentialCheckForm(forms.Form):
    too_long = _("This is too long to be a credential of the institute.")

    credential = forms.CharField(
        label=_("Digital credential"),
        help_text=_("Paste the text of the credential (it starts with “eyJ”), or choose its file."),
        required=False,
        max_length=MAX_CREDENTIAL_BYTES,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=_("Credential file (.jwt)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".jwt,application/vc+jwt,text/plain"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        text = (data.get("credential") or "").strip()
        if upload is not None:
            try:
                text = upload.read(MAX_CREDENTIAL_BYTES + 1).decode("ascii").strip()
            except UnicodeDecodeError:
                raise ValidationError(_("This file is not a digital credential.")) from None
        if not text:
            raise ValidationError(_("Paste the credential or choose its file."))
        if len(text) > MAX_CREDENTIAL_BYTES:
            raise ValidationError(self.too_long)
        data["token"] = text
        return data
