"""Admin back-office: programmes, intakes, their sessions and attestation commissions.

The rules of §10–§12 live in the models' clean(); the admin's forms call it, so a refused
value is shown beside its field with the rule's message.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Commission,
    CommissionMember,
    CommissionRole,
    Intake,
    Programme,
    Session,
)
from institute.admin import DistrictScoped


@admin.register(Programme)
class ProgrammeAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = (
        "code",
        "title",
        "kind",
        "hours",
        "duration_days",
        "band",
        "document_earned",
        "language",
        "is_active",
    )
    list_filter = ("kind", "band", "language", "is_active", "with_work_interruption")
    search_fields = ("code", "title_kk", "title_ru")
    readonly_fields = ("band", "document_earned", "created_at", "updated_at")
    autocomplete_fields = ("field",)
    fieldsets = (
        (None, {"fields": ("code", "kind", "hours", "duration_days", "band", "document_earned")}),
        (_("Title"), {"fields": ("title_kk", "title_ru", "description_kk", "description_ru")}),
        (
            _("How it is taught"),
            {"fields": ("language", "with_work_interruption", "field", "is_active")},
        ),
        (_("Internship (§10.2)"), {"fields": ("internship_host", "internship_abroad")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("title"), ordering="title_kk")
    def title(self, programme: Programme) -> str:
        return programme.title

    @admin.display(description=_("document earned (§12)"))
    def document_earned(self, programme: Programme) -> str:
        if not programme.kind or programme.hours is None:
            return self.get_empty_value_display()
        return programme.get_document_kind_display()

    def has_delete_permission(self, request: HttpRequest, obj: Programme | None = None) -> bool:
        """A programme that has run is archived (is_active off), never deleted: its intakes,
        enrollments and documents refer to it."""
        if obj is not None and obj.intakes.exists():
            return False
        return super().has_delete_permission(request, obj)


class SessionInline(admin.TabularInline):
    model = Session
    fields = ("date", "starts_at", "topic", "hours", "teacher")
    autocomplete_fields = ("teacher",)
    extra = 0


@admin.register(Intake)
class IntakeAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = (
        "code",
        "programme",
        "start_date",
        "end_date",
        "language",
        "place",
        "with_work_interruption",
        "capacity",
        "status",
    )
    list_filter = ("status", "programme__kind", "language", "place", "with_work_interruption")
    list_select_related = ("programme",)
    date_hierarchy = "start_date"
    search_fields = ("code", "programme__code", "programme__title_kk", "programme__title_ru")
    autocomplete_fields = ("programme", "branch", "district", "methodologist", "teachers")
    fieldsets = (
        (None, {"fields": ("programme", "code", "status", "cancel_reason")}),
        (
            _("Dates and place"),
            {"fields": ("start_date", "end_date", "place", "branch", "district")},
        ),
        (
            _("Teaching"),
            {"fields": ("language", "with_work_interruption", "methodologist", "teachers")},
        ),
        (
            _("Seats (§14)"),
            {
                "fields": (
                    "capacity",
                    "state_order_seats",
                    "contract_seats",
                    "state_order_reference",
                )
            },
        ),
    )
    inlines = (SessionInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Intake | None = None):
        """A status moves through the workspace's buttons and the daily command, which check
        the state machine (courses.rules) and write the audit trail; a new intake is planned.
        Editing the field here would skip both."""
        return (*super().get_readonly_fields(request, obj), "status", "cancel_reason")


@admin.register(Session)
class SessionAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = ("date", "starts_at", "topic", "hours", "intake", "teacher")
    list_select_related = ("intake", "teacher")
    date_hierarchy = "date"
    search_fields = ("topic", "intake__code")
    autocomplete_fields = ("intake", "teacher")


class CommissionMemberFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """One chair (the database's constraint would only see the second one on saving)."""
        super().clean()
        chairs = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == CommissionRole.CHAIR
        ]
        if len(chairs) > 1:
            raise ValidationError(_("A commission has one chair."))


class CommissionMemberInline(admin.TabularInline):
    model = CommissionMember
    formset = CommissionMemberFormSet
    fields = ("role", "full_name", "position", "teacher")
    autocomplete_fields = ("teacher",)
    extra = 0


@admin.register(Commission)
class CommissionAdmin(DistrictScoped, admin.ModelAdmin):
    """The attestation commission of an intake (§21); its members are approved by an order."""

    district_lookup = None

    list_display = ("intake", "assessment_form", "sits_on")
    list_filter = ("assessment_form",)
    list_select_related = ("intake",)
    search_fields = ("intake__code",)
    autocomplete_fields = ("intake",)
    inlines = (CommissionMemberInline,)
