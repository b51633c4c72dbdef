"""The forms of an intake's enrollments: add a person by IIN, admit or expel by the head's order,
a note for a withdrawal or a refusal."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from institute.forms import DayField
from institute.models import Institute, Organisation
from listeners import rules
from listeners.models import FundingBasis, Order
from listeners.rules import ExpulsionGround


class OrganisationByBinField(forms.CharField):
    """An organisation named by its 12-digit BIN, looked up in the register."""

    def clean(self, value: str) -> Organisation | None:
        value = (super().clean(value) or "").strip()
        if not value:
            return None
        organisation = Organisation.objects.filter(bin=value).first()
        if organisation is None:
            raise ValidationError(
                _("No organisation with BIN %(bin)s is registered."), params={"bin": value}
            )
        return organisation


class EnrollmentAddForm(forms.Form):
    """Add a listener to an intake by IIN (§14–§22): a known person is found, not duplicated."""

    iin = forms.CharField(label=capfirst(_("IIN")), max_length=12, min_length=1)
    last_name = forms.CharField(label=capfirst(_("last name")), max_length=100, required=False)
    first_name = forms.CharField(label=capfirst(_("first name")), max_length=100, required=False)
    patronymic = forms.CharField(label=capfirst(_("patronymic")), max_length=100, required=False)
    organisation = OrganisationByBinField(
        label=capfirst(_("organisation (BIN)")), max_length=12, required=False
    )
    position = forms.CharField(label=capfirst(_("position")), max_length=200, required=False)
    subject = forms.CharField(label=capfirst(_("subject taught")), max_length=200, required=False)
    email = forms.EmailField(label=capfirst(_("e-mail")), required=False)
    phone = forms.CharField(label=capfirst(_("phone")), max_length=30, required=False)
    basis = forms.ChoiceField(label=capfirst(_("funding basis")), choices=FundingBasis.choices)
    state_order_reference = forms.CharField(
        label=capfirst(_("state order")), max_length=200, required=False
    )
    customer = OrganisationByBinField(
        label=capfirst(_("customer organisation (BIN)")), max_length=12, required=False
    )
    contract_number = forms.CharField(
        label=capfirst(_("contract number")), max_length=50, required=False
    )
    price = forms.DecimalField(
        label=capfirst(_("price, tenge")),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    with_work_interruption = forms.BooleanField(
        label=capfirst(_("with interruption from work")), required=False, initial=True
    )
    from_other_town = forms.BooleanField(label=capfirst(_("from another town")), required=False)

    def clean_iin(self) -> str:
        value = self.cleaned_data["iin"].strip()
        try:
            rules.parse_iin(value)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        basis = data.get("basis")
        if basis == FundingBasis.CONTRACT_ORGANISATION and not data.get("customer"):
            self.add_error(
                "customer", _("A contract with an organisation names the organisation, §14.")
            )
        if basis in (FundingBasis.CONTRACT_ORGANISATION, FundingBasis.CONTRACT_PERSON) and not (
            data.get("contract_number") or ""
        ):
            self.add_error("contract_number", _("Give the number of the contract (§17)."))
        # The page hides the other basis's fields; without JavaScript they show, and what was
        # typed in them is refused rather than saved against the wrong kind of seat (§14).
        if basis == FundingBasis.STATE_ORDER:
            for name in ("customer", "contract_number", "price"):
                if data.get(name) not in (None, ""):
                    self.add_error(name, _("A state-order seat has no contract: leave it empty."))
        elif basis and data.get("state_order_reference"):
            self.add_error(
                "state_order_reference",
                _("A contract seat is not under a state order: leave it empty."),
            )
        return data

    PERSON_FIELDS = (
        "iin",
        "last_name",
        "first_name",
        "patronymic",
        "organisation",
        "position",
        "subject",
        "email",
        "phone",
    )

    def person_fields(self) -> list[forms.BoundField]:
        """The fields about the person, shown apart from those about the seat."""
        return [self[name] for name in self.PERSON_FIELDS]

    def require_names(self) -> bool:
        """A new person needs last and first names; say so beside the fields."""
        ok = True
        for name in ("last_name", "first_name"):
            if not (self.cleaned_data.get(name) or "").strip():
                self.add_error(name, _("A new listener needs this name."))
                ok = False
        return ok


class OrderFieldsForm(forms.Form):
    """Number, date and signatory of an order of the head (§15, §22)."""

    number = forms.CharField(label=capfirst(_("order number")), max_length=20)
    date = DayField(label=capfirst(_("order date")))
    head_name = forms.CharField(label=capfirst(_("signed by")), max_length=200)
    head_title = forms.CharField(
        label=capfirst(_("signatory's title")), max_length=200, required=False
    )

    @classmethod
    def suggested(cls, *, prefix: str | None = None, **kwargs: Any) -> "OrderFieldsForm":
        """An empty form with the next number of the year and the head of the institute."""
        today: datetime.date = timezone.localdate()
        institute = Institute.current()
        initial = {"number": Order.next_number(today.year), "date": today}
        if institute is not None:
            initial["head_name"] = institute.head_name
            initial["head_title"] = institute.head_title_ru or institute.head_title_kk
        return cls(prefix=prefix, initial=initial, **kwargs)

    def order_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in ("number", "date", "head_name", "head_title")
        }


class AdmitForm(OrderFieldsForm):
    pass


class ExpelForm(OrderFieldsForm):
    ground = forms.ChoiceField(label=capfirst(_("ground (§22)")), choices=ExpulsionGround.choices)
    reason = forms.CharField(label=capfirst(_("reason")), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("An expulsion must state its reason, §22."))
        return reason


class NoteForm(forms.Form):
    note = forms.CharField(label=capfirst(_("note")), max_length=1000, required=False)
