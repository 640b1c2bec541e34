"""Helpers shared by the page views: run a service, answer a refusal with a message, and the
confirmation page every irreversible action goes through."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from .errors import RuleViolation
from .forms import CommentRule, ConfirmForm


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


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page says before an irreversible action (取下げ, 却下, 補正, a
    cancellation, a revocation…): its title, what it does, what the other side is told, and
    whether a comment is needed. ``refusal`` set: the action cannot be taken now; the page says
    why and offers no button."""

    title: Any
    back: str  # the object's page: 「キャンセル」 and, by default, where the action lands
    success: Any
    consequence: Sequence[Any] = ()
    told: Sequence[Any] = ()
    told_who: Any = ""
    comment: CommentRule = "optional"
    comment_label: Any = None
    comment_help: Any = None
    danger: bool = True
    done: str = ""
    crumbs: Sequence[tuple[Any, str]] = default(default_factory=tuple)
    object_label: Any = ""
    refusal: Any = ""
    template: str = "core/confirm.html"
    extra: dict[str, Any] = default(default_factory=dict)


def confirm_action(
    request: HttpRequest,
    confirmation: Confirmation,
    action: Callable[[dict[str, Any]], Any],
    *,
    form: Any = None,
) -> HttpResponse:
    """GET: the confirmation page (nothing changes). POST: the form checked (a required comment
    missing is an error beside the field, 422), then ``action(cleaned_data)``; a refusal is shown
    on the same page, success goes to ``done`` (or ``back``) with the success message.

    ``form`` replaces the default comment form (``ConfirmForm``) where the action asks for more.
    """
    posted = request.method == "POST"
    if form is None:
        form = ConfirmForm(
            request.POST if posted else None,
            comment=confirmation.comment,
            comment_label=confirmation.comment_label,
            comment_help=confirmation.comment_help,
        )
    status = 200
    if confirmation.refusal:
        status = 409 if posted else 200
    elif posted and form.is_valid():
        try:
            action(form.cleaned_data)
        except RuleViolation as refusal:
            if refusal.status in (403, 404):
                raise
            target = refusal.field if refusal.field in form.fields else None
            form.add_error(target, str(refusal.message))
        else:
            messages.success(request, str(confirmation.success))
            return HttpResponseRedirect(confirmation.done or confirmation.back, status=303)
    if form.errors:
        status = 422
    return render(
        request,
        confirmation.template,
        {"confirmation": confirmation, "form": form, **confirmation.extra},
        status=status,
    )
