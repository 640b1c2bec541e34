"""The pages that release a throttled login (dsg.orgs.throttle): ask for an unlock link, use it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dsg.core.errors import RuleViolation

from . import throttle


class UnlockRequestForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)


class UnlockForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Unlock code"), max_length=200, strip=True)


@require_POST
def login_unlock_request(request: HttpRequest) -> HttpResponse:
    form = UnlockRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the email address you log in with."))
    elif throttle.login_unlock_request(request=request, email=form.cleaned_data["email"]):
        messages.info(
            request,
            _(
                "If logging in with this address is paused and an account has it, a link to "
                "unlock it has been mailed to the address. The link works once."
            ),
        )
    else:
        messages.error(request, _("Too many requests from your network. Try again in a minute."))
    return redirect("login_unlock")


@require_http_methods(["GET", "POST"])
def login_unlock(request: HttpRequest) -> HttpResponse:
    """The mailed link's page: the code arrives in the link's #fragment (never sent to a server,
    so never in an access log), is put into the form by unlock.js or pasted from the mail, and is
    used by posting the form — a mail scanner that opens the link changes nothing."""
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = throttle.login_unlock_redeem(request=request, code=form.cleaned_data["code"])
        except RuleViolation as refusal:
            form.add_error("code", str(refusal))
        else:
            messages.success(
                request,
                _("Logging in with {email} is unlocked. Log in now.").format(email=user.email),
            )
            return redirect("account_login")
    return render(
        request, "orgs/login_unlock.html", {"form": form, "request_form": UnlockRequestForm()}
    )
