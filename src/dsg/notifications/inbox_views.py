"""The inbox pages: every mail the portal sent the signed-in person, read and unread."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .inbox import inbox_mark_all_read, notification_mark_read, notification_mark_unread
from .selectors import delivery_state, inbox_of, inbox_unread_count, notification_get_for

PAGE_SIZE = 25
URL = re.compile(r"(https?://[^\s<>\"'）」]+)")


def body_parts(body: str) -> list[tuple[str, bool]]:
    """The mail's text in pieces, each URL one of its own (True), for the page to link it."""
    return [(part, n % 2 == 1) for n, part in enumerate(URL.split(body)) if part]


def _user_id(request: HttpRequest) -> int:
    pk = request.user.pk
    assert isinstance(pk, int)  # behind login_required
    return pk


def _rows(notifications: Any) -> list[dict[str, Any]]:
    return [{"item": n, "state": delivery_state(n)} for n in notifications]


@login_required
@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_of(user_id=_user_id(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page, "rows": _rows(page)})


@login_required
@require_http_methods(["GET", "POST"])
def notification_detail(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Opening a notification reads it; "mark as unread" (POST) puts it back."""
    notification = notification_get_for(user_id=_user_id(request), pk=notification_id)
    if request.method == "POST":
        notification_mark_unread(notification=notification)
        messages.success(request, _("The notification is marked as unread."))
        return redirect("inbox")
    notification_mark_read(notification=notification)
    return render(
        request,
        "notifications/notification.html",
        {
            "item": notification,
            "state": delivery_state(notification),
            "parts": body_parts(notification.message.body),
        },
    )


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = inbox_mark_all_read(user_id=_user_id(request))
    messages.success(request, _("{count} notifications marked as read.").format(count=count))
    return redirect("inbox")


def inbox_context(request: HttpRequest) -> dict[str, Any]:
    """The header's link to the inbox: the unread count, one query, only when it is shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    pk = user.pk
    return {"inbox_unread": SimpleLazyObject(lambda: inbox_unread_count(user_id=pk))}
