"""The page of the one-time link to the account information (アカウント情報, ⑥).

The mailed link carries its code in the #fragment (``/account-deliveries/open/#<code>``), which a
browser never sends to a server, so the code never lands in an access log or a proxy's; the page's
script puts it into the form, whose POST body carries it. A mail scanner that opens the link
changes nothing. Someone not logged in who posts the form is sent to log in, the code kept in
their session meanwhile (the #fragment does not survive the login). Links mailed before this
page, with the code in the path (``/account-deliveries/<code>/``), keep working (``views``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dsg.core.errors import NotVisible, RuleViolation
from dsg.orgs.auth import request_user

from . import services

PENDING = "dsg_account_link"  # the code posted before logging in, in the session
CODE_MAX = 200


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer makes Origin null: CSRF fails
    return response


def account_link(request: HttpRequest) -> HttpResponse:
    """GET: the form (the code from the link's #fragment); POST: open the information once."""
    logged_in = request.user.is_authenticated
    if request.method != "POST":
        code = request.session.get(PENDING, "") if logged_in else ""
        return _private(render(request, "provisioning/account_link.html", {"code": code}))
    code = request.POST.get("token", "").strip()[:CODE_MAX]
    if not logged_in:
        if code:
            request.session[PENDING] = code
        return redirect_to_login(request.path)
    request.session.pop(PENDING, None)
    return _private(_open(request, code))


def _open(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    if not code:
        error, status = _("Enter the code of the link, or open the link in the mail."), 422
        context: dict[str, Any] = {"code": code, "error": error}
        return render(request, "provisioning/account_link.html", context, status=status)
    try:
        delivery = services.account_delivery_for(token=code, actor=user)
    except NotVisible:
        error = _(
            "No account information for you waits behind this code. Check the link in the mail "
            "and that you are logged in as the PSA of the company."
        )
        context = {"code": code, "error": error}
        return render(request, "provisioning/account_link.html", context, status=404)
    context = {"delivery": delivery, "enrollment": delivery.enrollment}
    status = 200
    try:
        delivery, values = services.account_delivery_open(token=code, actor=user)
    except RuleViolation as refusal:
        context["refusal"], status = refusal.message, refusal.status
    else:
        context.update(values=values, delivery=delivery)
    return render(request, "provisioning/account_delivery.html", context, status=status)
