from __future__ import annotations

from django.contrib import admin

from .models import Enrollment, StepRecord


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Read-only: a case moves only through its transitions (pages, API), which write the ledger."""

    list_display = ["__str__", "site", "state", "state_changed_at"]
    list_filter = ["state"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(StepRecord)
class StepRecordAdmin(EnrollmentAdmin):
    list_display = ["enrollment", "transition", "from_state", "to_state", "actor", "recorded_at"]
    list_filter = ["transition"]
