"""Admin back-office: the institute, where listeners work, and who works at the institute.

The site's titles are set here, once, for every app.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from institute.models import (
    AuditEntry,
    Branch,
    District,
    Field,
    Institute,
    Organisation,
    Region,
    Teacher,
    User,
    in_district_of,
)

admin.site.site_header = _("Institute register — back-office")
admin.site.site_title = _("Institute register")
admin.site.index_title = _("Back-office")

# A model that names people of every district and has no path to theirs: a district
# methodologist does not see it in the back-office at all.
HIDDEN = "hidden"


class DistrictScoped:
    """Every ModelAdmin of the project wears this (a test checks it): a district
    methodologist (§6), even one given view permissions, reads the back-office and changes
    nothing, and sees only the people of their own district.

    `district_lookup` says where a row's district is: a path to a District (or several,
    any of which may match), None for a model that names no one of a district (programmes,
    places: shown in full), or HIDDEN."""

    district_lookup: str | tuple[str, ...] | None = HIDDEN

    @staticmethod
    def _one_district(request: HttpRequest) -> bool:
        return getattr(request.user, "sees_one_district", False)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if self.district_lookup is None:
            return queryset
        if self.district_lookup == HIDDEN:
            return queryset.none() if self._one_district(request) else queryset
        return in_district_of(queryset, request.user, self.district_lookup)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self.district_lookup == HIDDEN and self._one_district(request):
            return False
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return not self._one_district(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not self._one_district(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not self._one_district(request) and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(DistrictScoped, DjangoUserAdmin):
    """Django's user admin with the role, and the district a district methodologist monitors.
    The accounts of every district's listeners are here: hidden from a district methodologist."""

    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role"), {"fields": ("role", "district")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role"), {"classes": ("wide",), "fields": ("role", "district")}),
    )
    list_display = ("username", "last_name", "first_name", "role", "district", "is_staff")
    list_filter = ("role", "is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("district",)
    autocomplete_fields = ("district",)


@admin.register(Institute)
class InstituteAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = ("__str__", "kind", "bin", "head_name", "region")
    list_select_related = ("region",)
    search_fields = ("name_kk", "name_ru", "bin")
    autocomplete_fields = ("region",)


class DistrictInline(admin.TabularInline):
    model = District
    fields = ("kind", "name_kk", "name_ru", "name_en")
    extra = 0


@admin.register(Region)
class RegionAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = ("code", "name_kk", "name_ru", "name_en", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name_kk", "name_ru", "name_en")
    inlines = (DistrictInline,)


@admin.register(District)
class DistrictAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = ("name_kk", "name_ru", "kind", "region")
    list_filter = ("region", "kind")
    list_select_related = ("region",)
    search_fields = ("name_kk", "name_ru", "name_en", "region__name_kk", "region__name_ru")
    autocomplete_fields = ("region",)


@admin.register(Branch)
class BranchAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = ("__str__", "district", "institute")
    list_select_related = ("district", "institute")
    search_fields = ("name_kk", "name_ru")
    autocomplete_fields = ("district",)


@admin.register(Organisation)
class OrganisationAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = ("name_kk", "name_ru", "bin", "kind", "district", "region")
    list_filter = ("kind", "district__region", ("district", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("district__region",)
    search_fields = ("name_kk", "name_ru", "bin")
    autocomplete_fields = ("district",)

    @admin.display(description=_("region"), ordering="district__region__code")
    def region(self, organisation: Organisation) -> Region:
        return organisation.district.region


@admin.register(Field)
class FieldAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = ("code", "name_kk", "name_ru", "university_norm", "limit")
    search_fields = ("code", "name_kk", "name_ru", "name_en")

    @admin.display(description=_("limit, listeners per teacher (§23)"))
    def limit(self, field: Field) -> str:
        return str(field.staffing_limit)


@admin.register(Teacher)
class TeacherAdmin(DistrictScoped, admin.ModelAdmin):
    district_lookup = None
    list_display = ("__str__", "field", "position", "academic_degree", "branch", "is_active")
    list_filter = ("is_active", "field", "branch")
    list_select_related = ("field", "branch")
    search_fields = ("last_name", "first_name", "patronymic")
    autocomplete_fields = ("field", "branch", "user")


class ReadOnlyAdmin(DistrictScoped, admin.ModelAdmin):
    """For records the back-office shows but never adds, changes or deletes: the audit trail,
    issued documents, background jobs, what listeners said. They change only through the
    services, which keep the rules and the history."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail: read only, for the administrator who answers to auditors. It names
    objects of every district: hidden from a district methodologist."""

    list_display = ("at", "action", "content_type", "object_id", "by")
    list_filter = ("action", "content_type")
    list_select_related = ("content_type", "by")
    date_hierarchy = "at"
    search_fields = ("action", "by__username", "by__last_name")
