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
from django.utils.translation import gettext_lazy as _

from .errors import RuleViolation
from .forms import CONFIRMED, CommentRule, ConfirmForm, confirmed_field, form_id, form_refused


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


# A confirmation page's form, made from the POST (or None: the page as first drawn).
FormFactory = Callable[[Any], Any]


def confirm_action(
    request: HttpRequest,
    confirmation: Confirmation,
    action: Callable[[dict[str, Any]], Any],
    *,
    form: FormFactory | None = None,
) -> HttpResponse:
    """GET: the confirmation page (nothing changes). POST from that page (its hidden
    ``confirmed``): the form checked (a required comment missing is an error beside the field,
    422), then ``action(cleaned_data)``; a refusal is shown on the same page, success goes to
    ``done`` (or ``back``) with the success message. A POST that did not come from the page (a
    one-click button elsewhere, a crafted request) acts on nothing: it draws the page (200), with
    the values it carried filled in, for the person to confirm there.

    ``form`` makes the form (from the POST, or from None) where the action asks for more than the
    default comment (``ConfirmForm``); every form gets the hidden ``confirmed`` field.
    """
    make = form or (
        lambda data: ConfirmForm(
            data,
            comment=confirmation.comment,
            comment_label=confirmation.comment_label,
            comment_help=confirmation.comment_help,
        )
    )
    posted = request.method == "POST"
    shown = _with_confirmed(make(request.POST if posted else None))
    status = 200
    if posted and confirmation.refusal:  # said on the page, which offers no form
        shown, status = _with_confirmed(make(None)), 409
    elif posted and not shown.data.get(shown.add_prefix(CONFIRMED)):
        shown = _carried(_with_confirmed(make(None)), request)
        messages.warning(request, str(NOT_YET))
    elif posted:
        if shown.is_valid():
            try:
                action(shown.cleaned_data)
            except RuleViolation as refusal:
                form_refused(shown, refusal)
            else:
                messages.success(request, str(confirmation.success))
                return HttpResponseRedirect(confirmation.done or confirmation.back, status=303)
        status = 422  # an error beside its field, or a refusal of the whole form
    return render(
        request,
        confirmation.template,
        {"confirmation": confirmation, "form": shown, **confirmation.extra},
        status=status,
    )


NOT_YET = _("Nothing has been done yet: check what it does, then confirm on this page.")


def _with_confirmed(form: Any) -> Any:
    """The form with the confirmation page's hidden ``confirmed`` field, whatever its class."""
    if CONFIRMED not in form.fields:
        form.fields[CONFIRMED] = confirmed_field()
    if not form_id(form):
        form.html_id = ConfirmForm.html_id
    return form


def _carried(form: Any, request: HttpRequest) -> Any:
    """The unbound ``form`` with what a POST that skipped the page carried, as its initial
    values: the page shows them to confirm, and nothing is checked or done yet."""
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if name != CONFIRMED and key in request.POST:
            form.initial[name] = field.widget.value_from_datadict(request.POST, request.FILES, key)
    return form
