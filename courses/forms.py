"""Forms of the programme catalogue and the intakes. Their errors come from the rules
(Programme.clean, Intake.clean, Session.clean raise RuleViolation beside the field)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import Attention, Intake, IntakeStatus, Language, Place, Programme, Session
from courses.rules import Band, ProgrammeKind
from institute.forms import DayField, SearchField
from institute.models import Role, Teacher, User

ANY = [("", _("Any"))]


class ProgrammeFilterForm(forms.Form):
    """The catalogue's GET form: every field optional; an invalid value filters nothing."""

    q = SearchField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=ANY + ProgrammeKind.choices, required=False)
    band = forms.ChoiceField(label=_("band"), choices=ANY + Band.choices, required=False)
    language = forms.ChoiceField(
        label=_("language of instruction"), choices=ANY + Language.choices, required=False
    )
    state = forms.ChoiceField(
        label=_("state"),
        choices=ANY + [("active", _("Active")), ("archived", _("Archived"))],
        required=False,
    )


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "code",
            "kind",
            "hours",
            "duration_days",
            "title_kk",
            "title_ru",
            "description_kk",
            "description_ru",
            "language",
            "with_work_interruption",
            "field",
            "internship_host",
            "internship_abroad",
        ]
        widgets = {
            # The inputs whose values the live preview of band and document follows.
            "kind": forms.Select(attrs={"class": "preview-input"}),
            "hours": forms.NumberInput(attrs={"class": "preview-input", "min": 1}),
            "duration_days": forms.NumberInput(attrs={"class": "preview-input", "min": 1}),
            "description_kk": forms.Textarea(attrs={"rows": 3}),
            "description_ru": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        programme = self.instance
        if programme.pk and programme.intakes.exists():
            for name in Programme.FIXED_ONCE_IN_USE:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed: the programme already has intakes.")


class IntakeFilterForm(forms.Form):
    q = SearchField(label=_("Search"), required=False, max_length=100)
    month = forms.DateField(
        label=_("Running in month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    status = forms.ChoiceField(
        label=_("status"), choices=ANY + IntakeStatus.choices, required=False
    )
    attention = forms.ChoiceField(
        label=_("Needs attention"), choices=ANY + Attention.choices, required=False
    )


class IdListField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of objects, refusing an id too large for the database as an
    unknown choice: Django checks the ids with an `__in` query, which raises on an integer
    past 64 bits (a 500 instead of the error beside the field)."""

    def _check_values(self, value):
        for pk in value:
            if str(pk).strip().lstrip("-").isdigit() and abs(int(pk)) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class IntakeForm(forms.ModelForm):
    """An intake of one programme: the programme is chosen on creation (active ones only)
    and stays with the intake afterwards."""

    class Meta:
        model = Intake
        fields = [
            "programme",
            "code",
            "start_date",
            "end_date",
            "language",
            "place",
            "branch",
            "district",
            "with_work_interruption",
            "capacity",
            "state_order_seats",
            "contract_seats",
            "state_order_reference",
            "teachers",
            "methodologist",
        ]
        widgets = {
            "teachers": forms.SelectMultiple(attrs={"size": 6}),
        }
        field_classes = {"start_date": DayField, "end_date": DayField, "teachers": IdListField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["programme"]
        else:
            self.fields["programme"].queryset = Programme.objects.active()
        teachers = Q(is_active=True)
        if self.instance.pk:
            teachers |= Q(pk__in=self.instance.teachers.values("pk"))
        self.fields["teachers"].queryset = Teacher.objects.filter(teachers)
        self.fields["methodologist"].queryset = User.objects.filter(
            role=Role.METHODOLOGIST, is_active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["methodologist"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("place") == Place.DISTRICT and not data.get("district"):
            self.add_error("district", _("Choose the district where the intake studies."))
        return data


class SessionForm(forms.ModelForm):
    """A session of one intake; Session.clean refuses a date outside the intake's dates."""

    class Meta:
        model = Session
        fields = ["date", "starts_at", "topic", "hours", "teacher"]
        field_classes = {"date": DayField}
        widgets = {
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "hours": forms.NumberInput(attrs={"min": 1}),
        }

    def __init__(self, *args, intake: Intake, **kwargs) -> None:
        kwargs.setdefault("instance", Session(intake=intake))
        kwargs.setdefault("prefix", "session")
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = Teacher.objects.filter(is_active=True)


class IntakeCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
