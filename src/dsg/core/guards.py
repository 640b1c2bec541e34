"""Guards shared by the services: the role check and the state check, with their messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from dsg.orgs import permissions

from .errors import RuleViolation


def require_permission(*, actor: Any, action: str, obj: Any = None) -> None:
    if not permissions.may(actor, action, obj):
        raise RuleViolation(
            _("Your role is not allowed to do this in this case."), code="forbidden", status=403
        )


def require_state(*, enrollment: Any, states: Iterable[str]) -> None:
    allowed = list(states)
    if enrollment.state not in allowed:
        raise RuleViolation(
            _("This cannot be done while the case is in the state “{state}”.").format(
                state=enrollment.get_state_display()
            ),
            code="wrong_state",
        )
