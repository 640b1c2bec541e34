"""The one error a refused action raises: a rule, in the user's language, and a stable code."""

from __future__ import annotations

from typing import Any


class RuleViolation(Exception):
    """An action was refused and nothing changed. ``status`` is the HTTP status it answers with."""

    def __init__(
        self, message: Any, *, code: str, status: int = 409, field: str | None = None
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.status = status
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotVisible(RuleViolation):
    """The object does not exist for this user: answered as 404, never as 403."""

    def __init__(self) -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__(_("Not found."), code="not_found", status=404)
