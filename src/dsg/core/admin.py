from __future__ import annotations

from typing import Any


class ReadOnlyAdminMixin:
    """Admin pages that read but never write: changes go through the services and the ledger."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
