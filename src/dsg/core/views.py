"""Helpers shared by the page views: run a service, answer a refusal with a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from .errors import RuleViolation


def run_action(
    request: HttpRequest, action: Callable[[], Any], *, success: str, back: str
) -> HttpResponse:
    """Call ``action``; show ``success`` or the rule that refused it, then go back to ``back``.

    404 and 403 refusals propagate (the middleware answers them); other refusals changed nothing
    and are shown as an error message on the page the user came from.
    """
    try:
        action()
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, success)
    return HttpResponseRedirect(back, status=303)


def form_error_text(form: Any) -> str:
    """The form's errors as one line, for a flash message."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " / ".join(parts)
