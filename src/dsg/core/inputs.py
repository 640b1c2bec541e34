"""Checks of a service's input that many services share; a refusal names the field (422)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

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


# A number as people type it in Japan: full-width digits (０３), the long-vowel mark, full-width
# hyphen, hyphen, horizontal bar and minus sign (ー－‐―−, and their look-alikes) between digits.
DASHES = "ー－‐‑‒–—―−ｰ﹣"
_DASH_BETWEEN_DIGITS = re.compile(f"(?<=[0-9])[{DASHES}](?=[0-9])")
# Longer input is not a number of any kind here: it is left as given, for its check to refuse
# (and NFKC, which may lengthen a text, never runs on much).
NUMBER_INPUT_MAX = 64


def normalize_number(value: str) -> str:
    """A typed number (法人番号, 郵便番号, telephone) in its plain form: NFKC (全角 → 半角),
    trimmed, and the Japanese dash variants between two digits made "-". Only normalises: the
    caller's check still decides whether the result is a valid number."""
    if len(value) > NUMBER_INPUT_MAX:
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    return _DASH_BETWEEN_DIGITS.sub("-", text)
