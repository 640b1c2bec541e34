"""The progress tracker of a case (``enrollment/_tracker.html``), drawn once per kind of case.

The tracker shows nothing of a case but where it stands: its step, the step an ended case
stopped at, whether it completed. A company's home draws one per case (50 sites and their
cases); drawing the template each time was a third of the page's template time (#14). The HTML
is kept per (step, step stopped at, completed, language) in the process — a few dozen strings
at most — and the template is the one source of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..models import STEP_NAMES

register = template.Library()


@dataclass(frozen=True)
class _Where:
    """What the tracker's template reads of a case (``step_status``, ``state``)."""

    step: int
    last_step: int | None
    state: str


@lru_cache(maxsize=256)
def _drawn(where: _Where, language: str | None) -> SafeString:
    steps = [(n, STEP_NAMES[n]) for n in range(1, 8)]
    html = render_to_string("enrollment/_tracker.html", {"enrollment": where, "steps": steps})
    return mark_safe(html)  # noqa: S308 - our own template, rendered with autoescape


@register.simple_tag
def case_tracker(enrollment: Any) -> SafeString:
    """``{% case_tracker enrollment %}``: the case's tracker, as the include would draw it."""
    completed = "completed" if enrollment.state == "completed" else ""
    where = _Where(enrollment.step, getattr(enrollment, "last_step", None), completed)
    return _drawn(where, get_language())
