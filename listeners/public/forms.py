"""Forms of the public pages: the catalogue's filters and the application."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from courses.models import Intake, Language, Place
from courses.rules import Band, ProgrammeKind
from institute.models import Organisation
from listeners import rules
from listeners.models import FundingBasis

ANY = [("", _("Any"))]


class CatalogueFilterForm(forms.Form):
    """The catalogue's GET form: every field optional; an invalid value filters nothing."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ANY + ProgrammeKind.choices, required=False)
    band = forms.ChoiceField(label=_("Length"), choices=ANY + Band.choices, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=ANY + [(Language.KAZAKH, _("Kazakh")), (Language.RUSSIAN, _("Russian"))],
        required=False,
    )
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    place = forms.ChoiceField(label=_("Place"), choices=ANY + Place.choices, required=False)


def _text(label: str, *, max_length: int, required: bool = True, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs=attrs),
    )


class ApplyForm(forms.Form):
    """An application to one intake (§14–§22). The organisation is chosen from the register
    (the search box lists matches by name or BIN); a BIN typed into the box is enough."""

    iin = _text(
        capfirst(_("IIN")),
        max_length=12,
        inputmode="numeric",
        autocomplete="off",
        pattern=r"\d{12}",
    )
    last_name = _text(capfirst(_("last name")), max_length=100, autocomplete="family-name")
    first_name = _text(capfirst(_("first name")), max_length=100, autocomplete="given-name")
    patronymic = _text(
        capfirst(_("patronymic")), max_length=100, required=False, autocomplete="additional-name"
    )
    email = forms.EmailField(
        label=capfirst(_("e-mail")),
        help_text=_("The confirmation and the link to your account come here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = _text(
        capfirst(_("phone")), max_length=30, required=False, inputmode="tel", autocomplete="tel"
    )
    organisation_query = _text(
        _("Find your organisation by name or BIN"),
        max_length=100,
        required=False,
        autocomplete="off",
        type="search",
    )
    organisation = forms.ModelChoiceField(
        label=capfirst(_("organisation")),
        queryset=Organisation.objects.all(),
        required=False,
        widget=forms.RadioSelect,
    )
    position = _text(capfirst(_("position")), max_length=200, autocomplete="organization-title")
    subject = _text(capfirst(_("subject taught")), max_length=200, required=False)
    basis = forms.ChoiceField(
        label=_("Who pays"),
        choices=[
            (FundingBasis.STATE_ORDER, _("The state (state-order seat)")),
            (FundingBasis.CONTRACT_PERSON, _("I pay by contract")),
        ],
        widget=forms.RadioSelect,
        initial=FundingBasis.STATE_ORDER,
    )
    from_other_town = forms.BooleanField(
        label=_("I come from another town"),
        help_text=_("Travel and per-diem payments are owed to you (§20)."),
        required=False,
    )

    def __init__(self, *args: Any, intake: Intake, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the kinds of seats the intake has are offered (§14).
        offered = [
            (value, label)
            for value, label in self.fields["basis"].choices
            if (
                intake.state_order_seats
                if value == FundingBasis.STATE_ORDER
                else intake.contract_seats
            )
        ]
        self.fields["basis"].choices = offered or self.fields["basis"].choices
        self.fields["basis"].initial = self.fields["basis"].choices[0][0]

    def clean_iin(self) -> str:
        value = "".join(self.cleaned_data["iin"].split())
        try:
            return rules.parse_iin(value).iin
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        query = "".join((data.get("organisation_query") or "").split())
        if not data.get("organisation") and query:
            if len(query) == 12 and query.isdigit():
                data["organisation"] = Organisation.objects.filter(bin=query).first()
            if not data.get("organisation"):
                self.add_error(
                    "organisation_query",
                    _("Choose your organisation from the list, or leave the box empty."),
                )
        return data

    def application_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("organisation_query", None)
        return data
