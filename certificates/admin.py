"""Admin back-office: the register of issued documents and their number series, to read.

A document is never edited or deleted: a mistake is corrected by revoking it and
issuing a new one, through the services; the number series only ever grow.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from certificates.models import (
    BlankBatch,
    BlankLayout,
    BlankUse,
    Document,
    DocumentSeries,
    IssueJob,
)
from institute.admin import HIDDEN, DistrictScoped, ReadOnlyAdmin
from listeners.models import Listener


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    district_lookup = HIDDEN
    list_display = ("number", "kind", "year", "status", "listener", "intake", "issued_at")
    list_filter = ("kind", "year", "status")
    list_select_related = ("enrollment__listener", "enrollment__intake")
    date_hierarchy = "issued_at"
    search_fields = ("number", "enrollment__listener__iin", "enrollment__listener__last_name")
    fieldsets = (
        (None, {"fields": ("number", "kind", "year", "serial", "status", "enrollment")}),
        (_("What it certifies"), {"fields": ("snapshot",)}),
        (_("Issue"), {"fields": ("issued_by", "issued_at", "pdf", "pdf_sha256")}),
        (_("Duplicates and corrections"), {"fields": ("duplicate_of", "replaces")}),
        (_("Revocation"), {"fields": ("revoked_by", "revoked_at", "revocation_reason")}),
    )

    @admin.display(description=_("listener"), ordering="enrollment__listener__last_name")
    def listener(self, document: Document) -> Listener:
        return document.enrollment.listener

    @admin.display(description=_("intake"), ordering="enrollment__intake__code")
    def intake(self, document: Document) -> str:
        return str(document.enrollment.intake)


@admin.register(DocumentSeries)
class DocumentSeriesAdmin(ReadOnlyAdmin):
    district_lookup = None
    list_display = ("kind", "year", "last_serial")
    list_filter = ("kind", "year")


@admin.register(IssueJob)
class IssueJobAdmin(ReadOnlyAdmin):
    district_lookup = HIDDEN
    list_display = ("intake", "status", "processed", "total", "issued", "created_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("intake", "created_by")
    date_hierarchy = "created_at"


@admin.register(BlankBatch)
class BlankBatchAdmin(ReadOnlyAdmin):
    """Deliveries of diploma forms are recorded on the blank-forms page, which checks the
    ranges; here they are read."""

    district_lookup = HIDDEN  # names who received them
    list_display = ("series", "first_number", "last_number", "received_on", "delivery_note")
    list_filter = ("series",)
    date_hierarchy = "received_on"


@admin.register(BlankUse)
class BlankUseAdmin(ReadOnlyAdmin):
    district_lookup = HIDDEN
    list_display = ("series", "number", "state", "document", "at", "spoiled_at", "reason")
    list_filter = ("state", "series")
    search_fields = ("series", "document__number")


class TypedJSONField(forms.JSONField):
    """JSON typed by a person: the text is checked for control characters as every text
    field checks it (institute.apps), before it is parsed, so the refusal names the
    character rather than calling the JSON invalid."""

    def to_python(self, value: object) -> object:
        if isinstance(value, str):
            self.run_validators(value)
        return super().to_python(value)


class BlankLayoutForm(forms.ModelForm):
    class Meta:
        model = BlankLayout
        fields = ("name", "page_width_mm", "page_height_mm", "positions", "active")
        field_classes = {"positions": TypedJSONField}


@admin.register(BlankLayout)
class BlankLayoutAdmin(DistrictScoped, admin.ModelAdmin):
    """Where the variable text goes on the form: measured on a test print and corrected
    here, by the administrators."""

    district_lookup = None
    form = BlankLayoutForm
    list_display = ("name", "page_width_mm", "page_height_mm", "active")
    list_filter = ("active",)
