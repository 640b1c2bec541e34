"""The office's page of mail that could not be sent (reviewers): the list and its resend buttons."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dsg.core import panels
from dsg.core.errors import RuleViolation
from dsg.notifications.selectors import outbox_counts

from . import permissions
from .auth import request_user
from .mail import ACTION, PAGE_SIZE, outbox_message_resend, outbox_troubled_for


@login_required
def office_mail(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not permissions.may(user, ACTION):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    if request.method == "POST":
        return _resend(request)
    rows, counts = outbox_troubled_for(actor=user)
    return render(
        request,
        "orgs/office_mail.html",
        {"rows": rows, "counts": counts, "page_size": PAGE_SIZE},
    )


def _resend(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("message", "")
    if not raw.isdigit():
        messages.error(request, _("Choose a mail to send again."))
        return redirect("office_mail")
    try:
        message = outbox_message_resend(actor=request_user(request), message_id=int(raw))
    except RuleViolation as refusal:
        if refusal.status == 403:
            raise
        messages.error(request, str(refusal))
        return redirect("office_mail")
    messages.success(
        request, _("“{subject}” will be sent again now.").format(subject=message.subject)
    )
    return redirect("office_mail")


def dashboard_panel(request: HttpRequest, _obj: Any) -> dict[str, Any] | None:
    """The reviewer's dashboard names the mail that failed or is being retried, if any."""
    if not permissions.may(request.user, ACTION):
        return None
    counts = outbox_counts()
    return {"mail_counts": counts} if counts["failed"] or counts["retrying"] else None


def register_panel() -> None:
    panels.register_panel(
        panels.Panel(
            "dashboard", "office_mail", "orgs/_office_mail_panel.html", dashboard_panel, order=10
        )
    )
