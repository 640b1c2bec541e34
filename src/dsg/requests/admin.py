"""The office maintains the kinds of change (the guideline's, and others it adds) in the admin;
change applications themselves move only through their services (pages, API)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.admin import ReadOnlyAdminMixin

from .models import ChangeKind, ChangeRequest
from .registered import GROUP_LABELS, GROUPS

KIND_FIELDS = (
    "code",
    "name_ja",
    "name_en",
    "category",
    "groups",
    "requires_layout",
    "may_need_inspection",
    "may_need_provider_work",
    "concerns_provider",
    "closes_site",
    "active",
    "order",
)


class ChangeKindForm(forms.ModelForm):
    groups = forms.MultipleChoiceField(
        label=_("registered data it edits"),
        choices=[(key, GROUP_LABELS[key]) for key in GROUPS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ChangeKind
        fields = KIND_FIELDS


@admin.register(ChangeKind)
class ChangeKindAdmin(admin.ModelAdmin):
    """Kinds are never deleted (changes name them): the office takes one out of use instead."""

    form = ChangeKindForm
    list_display = ["name_ja", "code", "category", "active", "order"]
    list_filter = ["category", "active"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ChangeKind, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action="change_kind.edit" if change else "change_kind.add",
                obj=obj,
                after={name: getattr(obj, name) for name in KIND_FIELDS},
            )


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a change moves only through its services, which write the ledger."""

    list_display = ["__str__", "site", "kind", "state", "state_changed_at"]
    list_filter = ["state", "kind"]
