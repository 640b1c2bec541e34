"""Checks of a service's input that many services share; a refusal names the field (422)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import RuleViolation


def past_or_today(value: dt.date | None, field: str) -> dt.date:
    """A date that was given and is not in the future (when something was done)."""
    if value is None:
        raise RuleViolation(
            _("Please enter the date."), code="date_required", status=422, field=field
        )
    if value > timezone.localdate():
        raise RuleViolation(
            _("The date cannot be in the future."), code="date_in_future", status=422, field=field
        )
    return value


def required_text(value: str, field: str, max_length: int) -> str:
    """A text that was given (stripped) and is not longer than ``max_length``."""
    value = (value or "").strip()
    if not value:
        raise RuleViolation(_("This field is required."), code="required", status=422, field=field)
    if len(value) > max_length:
        raise RuleViolation(
            _("This text is too long (at most {limit} characters).").format(limit=max_length),
            code="too_long",
            status=422,
            field=field,
        )
    return value
