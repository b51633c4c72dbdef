"""Admin back-office: listeners, the head's orders, enrollments and their history.

An enrollment's state is never typed: it changes through
listeners.enrollment.services.enrollment_change_state, which checks the move and writes the
history; a new enrollment is recorded by listeners.enrollment.services.enrollment_apply.
Nothing the regulation keeps (enrollments, their history, orders) can be deleted here.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from institute.admin import HIDDEN, DistrictScoped, ReadOnlyAdmin
from institute.rules import RuleViolation
from listeners import rules
from listeners.enrollment.services import enrollment_apply, enrollment_change_state
from listeners.models import (
    LISTENER_DISTRICT,
    Appeal,
    Attendance,
    Enrollment,
    EnrollmentTransition,
    ExportJob,
    ExternalUpgrade,
    Feedback,
    ImportJob,
    Listener,
    Order,
    Reminder,
)
from listeners.rules import EnrollmentState, UpgradeStatus
from listeners.upgrades.services import external_upgrades_confirm


class UpgradeStatusFilter(admin.SimpleListFilter):
    """The five-year rule (§10.1) as it stands today, computed in SQL."""

    title = _("five-year rule (§10.1)")
    parameter_name = "upgrade_status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return list(UpgradeStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(upgrade_status=self.value())
        return queryset


class ListenerEnrollmentInline(admin.TabularInline):
    """The listener's enrollments, to read; each is changed on its own page."""

    model = Enrollment
    fields = ("intake", "state", "basis", "with_work_interruption", "applied_at", "completed_on")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        return super().get_queryset(request).select_related("intake")

    def has_add_permission(self, request: HttpRequest, obj: Listener | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Listener | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Listener | None = None) -> bool:
        return False


@admin.register(Listener)
class ListenerAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = LISTENER_DISTRICT
    list_display = (
        "last_name",
        "first_name",
        "patronymic",
        "iin",
        "birth_date",
        "organisation",
        "district",
        "upgrade_status",
    )
    list_filter = (
        UpgradeStatusFilter,
        "organisation__district__region",
        "organisation__district",
        ("organisation", admin.RelatedOnlyFieldListFilter),
        "sex",
    )
    list_select_related = ("organisation__district",)
    search_fields = ("iin", "last_name", "first_name", "patronymic", "passport_number")
    # Birth date and sex are read from the IIN, never typed.
    readonly_fields = ("birth_date", "sex", "upgrade_status", "created_at", "updated_at")
    autocomplete_fields = ("organisation", "user")
    fieldsets = (
        (
            _("Identity"),
            {"fields": ("iin", "passport_number", "citizenship", "birth_date", "sex")},
        ),
        (_("Name"), {"fields": ("last_name", "first_name", "patronymic")}),
        (
            _("Workplace"),
            {
                "fields": (
                    "organisation",
                    "position",
                    "subject",
                    "employment_start",
                    "upgrade_status",
                )
            },
        ),
        (_("Contacts"), {"fields": ("email", "phone", "user")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Listener]:
        return super().get_queryset(request).with_upgrade_status(on=timezone.localdate())

    def get_inlines(self, request: HttpRequest, obj: Listener | None) -> list:
        return [ListenerEnrollmentInline] if obj is not None else []

    @admin.display(description=_("district"), ordering="organisation__district__name_kk")
    def district(self, listener: Listener) -> str:
        organisation = listener.organisation
        return str(organisation.district) if organisation else self.get_empty_value_display()

    @admin.display(description=_("five-year rule (§10.1)"), ordering="upgrade_basis")
    def upgrade_status(self, listener: Listener) -> str:
        status = getattr(listener, "upgrade_status", None)
        return UpgradeStatus(status).label if status else self.get_empty_value_display()


@admin.register(Order)
class OrderAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = HIDDEN
    list_display = ("number", "date", "kind", "intake", "head_name", "ground")
    list_filter = ("kind", "year")
    list_select_related = ("intake",)
    date_hierarchy = "date"
    search_fields = ("number", "intake__code")
    readonly_fields = ("year", "created_by", "created_at")
    autocomplete_fields = ("intake",)
    fieldsets = (
        (None, {"fields": ("kind", "number", "date", "year", "intake")}),
        (_("Signed by"), {"fields": ("head_name", "head_title")}),
        (_("Expulsion (§22)"), {"fields": ("ground", "reason")}),
        (_("History"), {"fields": ("created_by", "created_at")}),
    )

    def save_model(self, request: HttpRequest, obj: Order, form: forms.Form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False  # §15, §22: the head's orders are kept.


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Order) -> str:
        return f"{obj.get_kind_display()} {obj}"


class EnrollmentChangeForm(forms.ModelForm):
    """The enrollment's own facts, and a move of its state made through the service."""

    new_state = forms.ChoiceField(
        label=_("change state to"),
        choices=[("", "—"), *EnrollmentState.choices],
        required=False,
        help_text=_(
            "Admission needs an admission order (§15), expulsion an expulsion order and its "
            "reason (§22)."
        ),
    )
    state_order = OrderChoiceField(label=_("order"), queryset=Order.objects.none(), required=False)
    state_reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    state_result = forms.CharField(label=_("final result"), max_length=100, required=False)
    state_on = forms.DateField(label=_("completed on"), widget=AdminDateWidget, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "state_order" in self.fields:
            self.fields["state_order"].queryset = Order.objects.filter(
                Q(intake_id=self.instance.intake_id) | Q(intake__isnull=True)
            )

    def clean(self) -> dict[str, Any]:
        """Refuse a move the state machine forbids here, beside the field, before saving; the
        service checks again (seats, §14) when it makes the move."""
        cleaned = super().clean()
        target = cleaned.get("new_state")
        if target:
            order = cleaned.get("state_order")
            try:
                rules.check_transition(
                    self.instance.state,
                    target,
                    order_kind=order.kind if order else None,
                    reason=cleaned.get("state_reason") or (order.reason if order else ""),
                )
            except RuleViolation as error:
                self.add_error("new_state", error.messages)
        return cleaned


class EnrollmentTransitionInline(admin.TabularInline):
    """The history of the state (§14–§22): written by the service, read here."""

    model = EnrollmentTransition
    fields = ("at", "from_state", "to_state", "by", "order", "reason")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[EnrollmentTransition]:
        return super().get_queryset(request).select_related("by", "order")

    def has_add_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        return False


FUNDING_FIELDS = ("basis", "state_order_reference", "customer", "contract_number", "price")
PAYMENT_FIELDS = ("with_work_interruption", "from_other_town")
STATE_CHANGE_FIELDS = ("new_state", "state_order", "state_reason", "state_result", "state_on")


@admin.register(Enrollment)
class EnrollmentAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = f"listener__{LISTENER_DISTRICT}"
    list_display = (
        "listener",
        "listener_iin",
        "intake",
        "state",
        "basis",
        "with_work_interruption",
        "from_other_town",
        "applied_at",
    )
    list_filter = (
        "state",
        "basis",
        "intake__programme__kind",
        "with_work_interruption",
        "from_other_town",
        "intake__status",
    )
    list_select_related = ("listener", "intake")
    date_hierarchy = "applied_at"
    search_fields = (
        "listener__iin",
        "listener__last_name",
        "listener__first_name",
        "listener__patronymic",
        "intake__code",
    )
    autocomplete_fields = ("listener", "intake", "customer")
    add_fieldsets = (
        (None, {"fields": ("listener", "intake")}),
        (_("Funding (§14, §17)"), {"fields": FUNDING_FIELDS}),
        (_("Salary and travel (§20)"), {"fields": PAYMENT_FIELDS}),
    )
    change_fieldsets = (
        (
            None,
            {
                "fields": (
                    "listener",
                    "intake",
                    "state",
                    "applied_at",
                    "completed_on",
                    "grade",
                    "final_result",
                )
            },
        ),
        (_("Funding (§14, §17)"), {"fields": FUNDING_FIELDS}),
        (_("Salary and travel (§20)"), {"fields": PAYMENT_FIELDS}),
        (
            _("Orders (§15, §22)"),
            {"fields": ("admission_order", "expulsion_order", "expulsion_reason")},
        ),
        (_("Change of state"), {"fields": STATE_CHANGE_FIELDS}),
    )
    # Written by the services only: the state and what each move records.
    change_readonly_fields = (
        "listener",
        "intake",
        "state",
        "applied_at",
        "completed_on",
        "grade",
        "final_result",
        "admission_order",
        "expulsion_order",
        "expulsion_reason",
    )

    @admin.display(description=_("IIN"), ordering="listener__iin")
    def listener_iin(self, enrollment: Enrollment) -> str:
        return enrollment.listener.iin or self.get_empty_value_display()

    def get_fieldsets(self, request: HttpRequest, obj: Enrollment | None = None) -> tuple:
        return self.change_fieldsets if obj is not None else self.add_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Enrollment | None = None) -> tuple:
        return self.change_readonly_fields if obj is not None else ()

    def get_form(
        self, request: HttpRequest, obj: Enrollment | None = None, change: bool = False, **kwargs
    ) -> type[forms.ModelForm]:
        kwargs["form"] = EnrollmentChangeForm if obj is not None else forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Enrollment | None) -> list:
        return [EnrollmentTransitionInline] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: Enrollment, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            fields = {
                name: form.cleaned_data[name]
                for name in (*FUNDING_FIELDS, *PAYMENT_FIELDS)
                if name in form.cleaned_data
            }
            created = enrollment_apply(
                listener=obj.listener, intake=obj.intake, by=request.user, **fields
            )
            # The admin goes on with the form's instance (log entry, redirect): make it the
            # saved row.
            obj.pk, obj.applied_at = created.pk, created.applied_at
            obj._state.adding = False
            return
        super().save_model(request, obj, form, change)
        target = form.cleaned_data.get("new_state")
        if target:
            enrollment_change_state(
                enrollment=obj,
                to=target,
                by=request.user,
                order=form.cleaned_data.get("state_order"),
                reason=form.cleaned_data.get("state_reason", ""),
                on=form.cleaned_data.get("state_on"),
                result=form.cleaned_data.get("state_result", ""),
            )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A service may still refuse what the form let through (no seat left, §14). The form's
        transaction has then been rolled back: nothing changed; say why and show the page again."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RuleViolation as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        return False  # nothing is deleted; a listener withdraws or is rejected.


@admin.register(EnrollmentTransition)
class EnrollmentTransitionAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = f"enrollment__listener__{LISTENER_DISTRICT}"
    list_display = ("enrollment", "from_state", "to_state", "at", "by", "order")
    list_filter = ("to_state", "from_state")
    list_select_related = ("enrollment__listener", "enrollment__intake", "by", "order")
    date_hierarchy = "at"
    search_fields = (
        "enrollment__listener__iin",
        "enrollment__listener__last_name",
        "enrollment__intake__code",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: EnrollmentTransition | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: EnrollmentTransition | None = None
    ) -> bool:
        return False


@admin.register(ExternalUpgrade)
class ExternalUpgradeAdmin(DistrictScoped, admin.ModelAdmin):
    """Upgrades from elsewhere count for the five-year rule once confirmed (§10.1)."""

    district_lookup = f"listener__{LISTENER_DISTRICT}"

    list_display = (
        "listener",
        "issuer",
        "document_number",
        "completed_on",
        "kind",
        "hours",
        "with_work_interruption",
        "confirmed_at",
    )
    list_filter = (
        "kind",
        "with_work_interruption",
        ("confirmed_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("listener",)
    search_fields = (
        "listener__iin",
        "listener__last_name",
        "listener__first_name",
        "issuer",
        "document_number",
    )
    readonly_fields = ("confirmed_by", "confirmed_at", "created_at")
    autocomplete_fields = ("listener",)
    actions = ("confirm",)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ExternalUpgrade]) -> None:
        """A bulk delete skips ExternalUpgrade.delete(): refresh the five-year rule here."""
        listener_ids = list(queryset.values_list("listener_id", flat=True))
        super().delete_queryset(request, queryset)
        Listener.objects.filter(pk__in=listener_ids).refresh_last_upgrade()

    @admin.action(description=_("Confirm the selected documents"), permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[ExternalUpgrade]) -> None:
        count = external_upgrades_confirm(upgrades=queryset, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d document confirmed.", "%(count)d documents confirmed.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Attendance)
class AttendanceAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = f"enrollment__listener__{LISTENER_DISTRICT}"
    list_display = ("enrollment", "session", "mark", "marked_by", "marked_at")
    list_filter = ("mark", "session__intake__status")
    list_select_related = ("enrollment__listener", "enrollment__intake", "session", "marked_by")
    search_fields = (
        "enrollment__listener__iin",
        "enrollment__listener__last_name",
        "session__intake__code",
    )
    raw_id_fields = ("enrollment", "session")
    readonly_fields = ("marked_by", "marked_at")

    def save_model(self, request: HttpRequest, obj: Attendance, form, change: bool) -> None:
        obj.marked_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Uploaded lists, for looking into what happened; imported through the workspace only."""

    district_lookup = HIDDEN

    list_display = ("filename", "intake", "status", "total", "imported", "created_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("intake", "created_by")
    search_fields = ("filename", "intake__code")
    exclude = ("rows",)


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Prepared exports, for looking into what happened; asked for in the workspace only."""

    district_lookup = HIDDEN

    list_display = ("kind", "status", "total", "created_by", "created_at", "finished_at")
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    """Listeners' ratings of completed courses (§19), to read: they are the listeners' words."""

    district_lookup = f"enrollment__listener__{LISTENER_DISTRICT}"

    list_display = ("enrollment", "rating", "created_at")
    list_filter = ("rating",)
    list_select_related = ("enrollment__listener", "enrollment__intake")
    search_fields = ("enrollment__intake__code", "enrollment__listener__last_name", "comment")
    readonly_fields = ("enrollment", "rating", "comment", "created_at")


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    """Appeals against orders (§19.4), to read; administrators answer them on /work/appeals/
    (listeners.feedback.services.appeal_answer), so the listener is told."""

    district_lookup = f"listener__{LISTENER_DISTRICT}"

    list_display = ("listener", "order", "status", "created_at", "answered_at")
    list_filter = ("status",)
    list_select_related = ("listener", "order")
    search_fields = ("listener__last_name", "listener__iin", "order__number", "text")
    readonly_fields = (
        "listener",
        "order",
        "text",
        "created_at",
        "status",
        "answer",
        "answered_by",
        "answered_at",
    )


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """Five-year reminders sent (send_upgrade_reminders), for answering "was I told?"."""

    district_lookup = (f"listener__{LISTENER_DISTRICT}", "organisation__district")

    list_display = ("kind", "listener", "organisation", "basis_on", "month", "status", "sent_at")
    list_filter = ("kind", "status")
    list_select_related = ("listener", "organisation")
    search_fields = ("listener__iin", "listener__last_name", "organisation__bin")
    raw_id_fields = ("listener", "organisation")
