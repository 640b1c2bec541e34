"""The 問い合わせ先 page (public) and the office's page that edits it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dsg.core.errors import RuleViolation
from dsg.core.forms import form_refused
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from . import selectors, services
from .forms import ContactForm
from .models import Contact


@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    """Where to ask (§6): public, like the guideline, so that whoever cannot log in finds it."""
    return render(
        request,
        "contacts/contacts.html",
        {
            "contacts": selectors.contacts_all(),
            "may_edit": permissions.may(request.user, "contact.edit"),
        },
    )


@login_required
def contacts_edit(request: HttpRequest) -> HttpResponse:
    """The office changes the contacts; one form per contact, each saved on its own."""
    user = request_user(request)
    if not permissions.may(user, "contact.edit"):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    rows = selectors.contacts_all()
    party = request.POST.get("party") if request.method == "POST" else None
    edit_forms = [ContactForm.of(c, request.POST if c.party == party else None) for c in rows]
    for contact, form in zip(rows, edit_forms, strict=True):
        if contact.party == party and _save(request, contact, form):
            return redirect("contacts_edit")
    return render(
        request, "contacts/contacts_edit.html", {"forms": list(zip(rows, edit_forms, strict=True))}
    )


def _save(request: HttpRequest, contact: Contact, form: ContactForm) -> bool:
    if not form.is_valid():
        return False
    data = {name: form.cleaned_data[name] for name in services.FIELDS}
    try:
        saved = services.contact_update(actor=request_user(request), party=contact.party, data=data)
    except RuleViolation as refusal:
        form_refused(form, refusal)
        return False
    messages.success(request, _("“{name}” was saved.").format(name=saved.name))
    return True
