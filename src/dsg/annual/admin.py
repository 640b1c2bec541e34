"""The 年次確認 in the admin: read only (rounds are opened and answered through the services)."""

from __future__ import annotations

from django.contrib import admin

from dsg.core.admin import ReadOnlyAdminMixin

from .models import AnnualConfirmation, AnnualRound


@admin.register(AnnualRound)
class AnnualRoundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "due_on", "opened_at", "opened_by")


@admin.register(AnnualConfirmation)
class AnnualConfirmationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("round", "company", "state", "answered_at", "answered_by")
    list_filter = ("state", "round")
