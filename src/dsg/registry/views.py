"""Pages of the site registry: the site's terminals (standing and disposed), a terminal's
disposal (the PSA records it, the office's reviewer confirms it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dsg.core.errors import RuleViolation
from dsg.core.views import form_error_text, run_action
from dsg.documents.services import max_upload_bytes, too_large
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import Site, User
from dsg.orgs.selectors import site_get_for

from . import selectors, services
from .forms import DisposalForm
from .models import DisposalState, Terminal


@login_required
def site_terminals(request: HttpRequest, site_id: int) -> HttpResponse:
    """The site's registry: the terminals that stand, with their state, and those disposed of."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    terminals = list(selectors.site_registry_for(user=user, site=site))
    disposals = [d for t in terminals if (d := selectors.disposal_of(t)) is not None]
    disposed = [t for t in terminals if t.disposal_state == DisposalState.CONFIRMED]
    return render(
        request,
        "registry/site_terminals.html",
        {
            "site": site,
            "standing": [t for t in terminals if t not in disposed],
            "disposed": disposed,
            "certificates": selectors.certificates_visible_to(user, disposals),
            "may_dispose": permissions.may(user, "terminal.dispose", site),
            "may_confirm": permissions.may(user, "terminal_disposal.confirm"),
            "may_export": permissions.may(user, "policy.export", site),
        },
    )


def _documents_for_form(user: User, terminal: Terminal) -> list[tuple[int, str]]:
    documents = selectors.certificate_choices(user=user, company_id=terminal.site.company_id)
    return [(d.pk, f"{d.filename} ({d.get_kind_display()})") for d in documents[:200]]


@login_required
def terminal_disposal(request: HttpRequest, terminal_id: int) -> HttpResponse:
    """A terminal's disposal: the record and its confirmation, or the PSA's form."""
    user = request_user(request)
    terminal = selectors.terminal_get_for(user=user, pk=terminal_id)
    if request.method == "POST":
        return _record(request, user, terminal)
    disposal = selectors.disposal_of(terminal)
    may_dispose = disposal is None and permissions.may(user, "terminal.dispose", terminal)
    return render(
        request,
        "registry/terminal_disposal.html",
        {
            "terminal": terminal,
            "site": terminal.site,
            "disposal": disposal,
            "certificate_visible": disposal is not None
            and disposal.certificate_id in selectors.certificates_visible_to(user, [disposal]),
            "may_confirm": disposal is not None
            and not disposal.is_confirmed
            and permissions.may(user, "terminal_disposal.confirm", disposal),
            "form": DisposalForm(
                documents=_documents_for_form(user, terminal),
                initial={"performed_by_company": terminal.site.company.name},
            )
            if may_dispose
            else None,
        },
    )


def _record(request: HttpRequest, user: User, terminal: Terminal) -> HttpResponse:
    back = reverse("terminal_disposal", args=[terminal.pk])
    permissions.require_permission(actor=user, action="terminal.dispose", obj=terminal)
    form = DisposalForm(request.POST, request.FILES, documents=_documents_for_form(user, terminal))
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(back, status=303)
    try:
        services.terminal_disposal_record(
            terminal=terminal, actor=user, **_record_input(user, terminal, form)
        )
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
    else:
        messages.success(
            request, _("The disposal was recorded; the office was told and will confirm it.")
        )
    return HttpResponseRedirect(back, status=303)


def _record_input(user: User, terminal: Terminal, form: DisposalForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    upload, certificate_id = data.pop("file"), data.pop("certificate_id")
    password = data.pop("password")
    certificate = None
    if certificate_id is not None:  # one of the form's choices: visible, of the company
        choices = selectors.certificate_choices(user=user, company_id=terminal.site.company_id)
        certificate = choices.get(pk=certificate_id)
    if upload is not None:
        if upload.size > max_upload_bytes():
            raise too_large()
        data["upload"] = services.CertificateUpload(upload.name, upload.read(), password)
    return {**data, "certificate": certificate}


@login_required
@require_POST
def terminal_disposal_confirm(request: HttpRequest, disposal_id: int) -> HttpResponse:
    user = request_user(request)
    disposal = selectors.disposal_get_for(user=user, pk=disposal_id)
    return run_action(
        request,
        lambda: services.terminal_disposal_confirm(disposal=disposal, actor=user),
        success=_("The disposal was confirmed: the terminal left the site's registry (廃棄済)."),
        back=reverse("terminal_disposal", args=[disposal.terminal_id]),
    )


def site_panel(request: HttpRequest, site: Site) -> dict[str, Any] | None:
    """The site page's section: how many terminals stand, how many await the office."""
    user = request_user(request)
    counts = permissions.restrict(user, Terminal.objects.filter(site=site)).aggregate(
        standing=Count("pk", filter=selectors.STANDING),
        awaiting=Count("pk", filter=Q(disposal__state=DisposalState.RECORDED)),
        disposed=Count("pk", filter=Q(disposal__state=DisposalState.CONFIRMED)),
    )
    return {"site": site, "counts": counts}
