from __future__ import annotations

from django.contrib import admin

from dsg.core.admin import ReadOnlyAdminMixin

from .models import Enrollment, StepRecord


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a case moves only through its transitions (pages, API), which write the ledger."""

    list_display = ["__str__", "site", "state", "state_changed_at"]
    list_filter = ["state"]


@admin.register(StepRecord)
class StepRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["enrollment", "transition", "from_state", "to_state", "actor", "recorded_at"]
    list_filter = ["transition"]
