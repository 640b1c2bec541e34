"""System checks: the SMTP timeout is bounded, and a send fits in its lease."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def outbox_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    timeout = getattr(settings, "EMAIL_TIMEOUT", None)
    if timeout is None or timeout <= 0:
        return [
            checks.Error(
                "EMAIL_TIMEOUT must be a positive number of seconds (DSG_EMAIL_TIMEOUT): without "
                "it, an SMTP server that hangs holds the worker for ever.",
                id="dsg.notifications.E001",
            )
        ]
    problems: list[checks.CheckMessage] = []
    if settings.DSG_OUTBOX_MAX_ATTEMPTS < 1:
        problems.append(
            checks.Error("DSG_OUTBOX_MAX_ATTEMPTS must be 1 or more.", id="dsg.notifications.E002")
        )
    if settings.DSG_OUTBOX_LEASE < 4 * timeout:
        problems.append(
            checks.Warning(
                "DSG_OUTBOX_LEASE is shorter than 4 × DSG_EMAIL_TIMEOUT: a slow send may outlive "
                "its lease and the mail be sent twice.",
                id="dsg.notifications.W001",
            )
        )
    return problems
