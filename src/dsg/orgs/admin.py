"""Admin for the operators who set up organisations and issue accounts (superusers only).

Procedure data is read-only here: cases change only through the services, which write the ledger.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .forms import OrganizationForm, SiteAdminForm
from .models import ApiToken, Organization, Site, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm  # 法人番号 and postal code normalised, the prefecture checked
    list_display = ["name", "kind", "corporate_number", "prefecture"]
    list_filter = ["kind"]
    search_fields = ["name", "corporate_number"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "organization", "role", "is_active"]
    list_filter = ["role", "organization__kind", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "organization", "role")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "organization", "role", "password1", "password2"),
            },
        ),
    )


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    form = SiteAdminForm  # the postal code normalised, the prefecture filled and checked
    list_display = ["name", "company", "prefecture", "address"]
    search_fields = ["name", "company__name"]

    def has_delete_permission(self, request: HttpRequest, obj: Site | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
