"""Admin for the operators who set up organisations and issue accounts (superusers only).

Procedure data is read-only here: cases change only through the services, which write the ledger.
The admin logs in through the portal's login (allauth: its throttling, its second factor), and
every addition, change and deletion made here is a ledger event naming the changed fields.
"""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record

from .forms import OrganizationForm, SiteAdminForm
from .models import ApiToken, Organization, Site, User

# /admin/login/ sends to the portal's login and back: one login, throttled, with 二要素認証.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's documented wrapper

_CHANGES = "_dsg_admin_changes"
_SECRET_FIELDS = ("password", "usable_password")


def _plain(value: Any) -> Any:
    """A form value as the ledger keeps it: a row by its id, a set of rows by their ids."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple):
        return [_plain(item) for item in value]
    return value


def _company_of(obj: models.Model) -> int | None:
    if isinstance(obj, Organization):
        return obj.pk if obj.is_company else None
    if isinstance(obj, User):
        organization = obj.organization
        return organization.pk if organization is not None and organization.is_company else None
    return getattr(obj, "company_id", None)


class LedgeredAdminMixin:
    """Each addition, change and deletion made in the admin is also a ledger event
    (``admin.<model>.add`` / ``.change`` / ``.delete``) in the change's transaction, with the names
    of the fields that changed and their values before and after — a password only by name."""

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        fields: list[str] = []
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name in form.changed_data:
            secret = name.startswith(_SECRET_FIELDS)
            label = "password" if secret else name
            if label not in fields:
                fields.append(label)
            if not secret:
                before[name] = None if add else _plain(form.initial.get(name))
                after[name] = _plain(form.cleaned_data.get(name))
        setattr(request, _CHANGES, (fields, before, after))
        return super().construct_change_message(request, form, formsets, add)  # type: ignore[misc]  # a mixin of ModelAdmin

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._ledger(request, obj, "add")
        return super().log_addition(request, obj, message)  # type: ignore[misc]  # a mixin of ModelAdmin

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._ledger(request, obj, "change")
        return super().log_change(request, obj, message)  # type: ignore[misc]  # a mixin of ModelAdmin

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._ledger(request, obj, "delete")
        return super().log_deletions(request, queryset)  # type: ignore[misc]  # a mixin of ModelAdmin

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """A bulk action (delete selected) and its ledger events in one transaction."""
        if request.method != "POST":
            return super().changelist_view(request, extra_context)  # type: ignore[misc]  # a mixin of ModelAdmin
        with transaction.atomic():
            return super().changelist_view(request, extra_context)  # type: ignore[misc]  # a mixin of ModelAdmin

    def _ledger(self, request: HttpRequest, obj: models.Model, verb: str) -> None:
        nothing: tuple[list[str], dict[str, Any], dict[str, Any]] = ([], {}, {})
        fields, before, after = getattr(request, _CHANGES, nothing)
        if hasattr(request, _CHANGES):
            delattr(request, _CHANGES)
        with transaction.atomic():  # within the admin's own transaction: a savepoint
            audit_record(
                actor=request.user,
                action=f"admin.{obj._meta.model_name}.{verb}",
                obj=obj,
                company_id=_company_of(obj),
                before=before or None,
                after={"fields": fields, **after} if verb != "delete" else {"repr": str(obj)},
            )


@admin.register(Organization)
class OrganizationAdmin(LedgeredAdminMixin, admin.ModelAdmin):
    form = OrganizationForm  # 法人番号 and postal code normalised, the prefecture checked
    list_display = ["name", "kind", "corporate_number", "prefecture", "mfa_for_delegates"]
    list_filter = ["kind", "mfa_for_delegates"]
    search_fields = ["name", "corporate_number"]


@admin.register(User)
class UserAdmin(LedgeredAdminMixin, BaseUserAdmin):
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

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """The new password and its ledger event in one transaction."""
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)


@admin.register(Site)
class SiteAdmin(LedgeredAdminMixin, admin.ModelAdmin):
    form = SiteAdminForm  # the postal code normalised, the prefecture filled and checked
    list_display = ["name", "company", "prefecture", "address"]
    search_fields = ["name", "company__name"]

    def has_delete_permission(self, request: HttpRequest, obj: Site | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(LedgeredAdminMixin, admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(LedgeredAdminMixin, admin.ModelAdmin):
    """A person's second factors (二要素認証): listed, and deleted to reset a lost one — the person
    sets up a new one at their next login. Their secrets are never shown."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = ["user", "type", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
