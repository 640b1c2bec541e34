"""Pages of the site registry: the site's terminals (with their life stage), removable media and
software, its .xlsx export; a terminal's set-up; the disposal of a terminal or of a medium (the
PSA records it, the office's reviewer confirms it) on one page for both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dsg.core.errors import RuleViolation
from dsg.core.forms import form_refused
from dsg.core.views import Confirmation, confirm_action
from dsg.documents.services import max_upload_bytes, too_large
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import Site, User
from dsg.orgs.selectors import site_get_for

from . import selectors, services, workbook
from .after import registry_done_message
from .forms import DisposalForm, SetUpForm
from .models import DisposalState, RemovableMedium, Terminal


@login_required
def site_terminals(request: HttpRequest, site_id: int) -> HttpResponse:
    """The site's registry: its terminals with their life stage, its removable media and the
    software on its terminals; then the terminals and media disposed of (廃棄済)."""
    user = request_user(request)
    return _registry_page(request, user, site_get_for(user=user, pk=site_id))


def _registry_page(
    request: HttpRequest, user: User, site: Site, *, set_up: SetUpForm | None = None
) -> HttpResponse:
    """The registry page; ``set_up``: a terminal's set-up form that came back in error, drawn
    in its row with the error beside the date (422)."""
    registry = selectors.site_registry_read(user=user, site=site)
    disposals = [
        d for item in (*registry.terminals, *registry.media) if (d := selectors.disposal_of(item))
    ]
    gone = DisposalState.CONFIRMED
    return render(
        request,
        "registry/site_terminals.html",
        {
            "site": site,
            "standing": [
                (t, selectors.stage_label(t.life_stage))
                for t in registry.terminals
                if t.disposal_state != gone
            ],
            "disposed": [t for t in registry.terminals if t.disposal_state == gone],
            "media": [m for m in registry.media if m.disposal_state != gone],
            "media_disposed": [m for m in registry.media if m.disposal_state == gone],
            "software": [
                (terminal, list(rows))
                for terminal, rows in groupby(registry.software, key=lambda s: s.terminal)
            ],
            "certificates": selectors.certificates_visible_to(user, disposals),
            "may_dispose": permissions.may(user, "terminal.dispose", site),
            "may_dispose_media": permissions.may(user, "medium.dispose", site),
            "may_set_up": permissions.may(user, "terminal.set_up", site),
            "may_confirm": permissions.may(user, "terminal_disposal.confirm"),
            "may_export": permissions.may(user, "policy.export", site),
            "today": timezone.localdate().isoformat(),
            "set_up_form": set_up,
            "set_up_terminal": set_up.terminal_id if set_up is not None else None,
        },
        status=422 if set_up is not None and set_up.errors else 200,
    )


@login_required
def site_registry_export(request: HttpRequest, site_id: int) -> HttpResponse:
    """The site's registry as an .xlsx workbook (terminals, media, software), ledgered."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    if request.method not in ("GET", "HEAD"):  # after the lookup: another's site is a 404
        return HttpResponseNotAllowed(["GET", "HEAD"])
    content = workbook.site_registry_export(user=user, site=site)
    response = HttpResponse(content, content_type=workbook.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{workbook.export_filename(site)}"'
    return response


@login_required
@require_POST
def terminal_set_up(request: HttpRequest, terminal_id: int) -> HttpResponse:
    """The PSA or the delegate records the terminal's set-up date (セットアップ日); a wrong
    date comes back in the terminal's row, beside the date."""
    user = request_user(request)
    terminal = selectors.terminal_get_for(user=user, pk=terminal_id)
    permissions.require_permission(actor=user, action="terminal.set_up", obj=terminal)
    form = SetUpForm(request.POST, terminal_id=terminal.pk)
    if form.is_valid():
        try:
            services.terminal_setup_record(
                terminal=terminal, actor=user, set_up_on=form.cleaned_data["set_up_on"]
            )
        except RuleViolation as refusal:
            if refusal.status in (403, 404):
                raise
            form.add_error("set_up_on", str(refusal.message))
        else:
            label = f"{terminal.ref} {terminal.name}"
            messages.success(request, registry_done_message("terminal_set_up", label))
            back = reverse("site_terminals", args=[terminal.site_id]) + "#standing"
            return HttpResponseRedirect(back, status=303)
    return _registry_page(request, user, terminal.site, set_up=form)


# The disposal of a terminal or a medium: one page, one form -------------------------------------
@dataclass(frozen=True)
class _Disposal:
    """What the disposal page of one kind of equipment needs."""

    kind: str  # "terminal" | "medium": the template's parameter
    page: str  # URL name of the item's disposal page
    confirm: str  # URL name of the confirmation
    dispose_action: str
    confirm_action: str
    record: Callable[..., Any]  # the record service, called with the item by ``kind``

    def facts(self, item: Any) -> list[tuple[str, Any]]:
        if isinstance(item, Terminal):
            return [
                (_("Terminal number"), item.ref),
                (_("Model"), item.model_name),
                (_("Serial number"), item.serial_number),
                (_("Registered at"), timezone.localdate(item.registered_at).isoformat()),
            ]
        return [
            (_("Medium number"), item.ref),
            (_("Kind of medium"), item.get_kind_display()),
            (_("Vendor ID : product ID"), f"{item.vendor_id}:{item.product_id}"),
            (_("Serial number"), item.serial_number or "—"),
            (_("Custodian (管理者)"), item.custodian),
            (_("Registered at"), timezone.localdate(item.registered_at).isoformat()),
        ]

    def title(self, item: Any) -> str:
        return item.name if isinstance(item, Terminal) else f"{item.ref} {item.get_kind_display()}"


TERMINAL = _Disposal(
    "terminal",
    "terminal_disposal",
    "terminal_disposal_confirm",
    "terminal.dispose",
    "terminal_disposal.confirm",
    services.terminal_disposal_record,
)
MEDIUM = _Disposal(
    "medium",
    "medium_disposal",
    "medium_disposal_confirm",
    "medium.dispose",
    "medium_disposal.confirm",
    services.medium_disposal_record,
)


def _documents_for_form(user: User, site: Site) -> list[tuple[int, str]]:
    documents = selectors.certificate_choices(user=user, company_id=site.company_id)
    return [(d.pk, f"{d.filename} ({d.get_kind_display()})") for d in documents[:200]]


@login_required
def terminal_disposal(request: HttpRequest, terminal_id: int) -> HttpResponse:
    """A terminal's disposal: the record and its confirmation, or the PSA's form."""
    user = request_user(request)
    return _disposal_page(
        request, user, TERMINAL, selectors.terminal_get_for(user=user, pk=terminal_id)
    )


@login_required
def medium_disposal(request: HttpRequest, medium_id: int) -> HttpResponse:
    """A removable medium's disposal: the record and its confirmation, or the PSA's form."""
    user = request_user(request)
    medium = selectors.medium_get_for(user=user, pk=medium_id)
    return _disposal_page(request, user, MEDIUM, medium)


def _disposal_page(
    request: HttpRequest,
    user: User,
    page: _Disposal,
    item: Terminal | RemovableMedium,
    *,
    form: DisposalForm | None = None,
) -> HttpResponse:
    """The record and its confirmation, or the PSA's form (``form``: one that came back in
    error, drawn with each error beside its field, 422)."""
    if request.method == "POST" and form is None:
        return _record(request, user, page, item)
    disposal = selectors.disposal_of(item)
    may_dispose = disposal is None and permissions.may(user, page.dispose_action, item)
    return render(
        request,
        "registry/disposal.html",
        {
            "kind": page.kind,
            "item": item,
            "title": page.title(item),
            "facts": page.facts(item),
            "site": item.site,
            "record_url": reverse(page.page, args=[item.pk]),
            "disposal": disposal,
            "confirm_url": reverse(page.confirm, args=[disposal.pk]) if disposal else "",
            "certificate_visible": disposal is not None
            and disposal.certificate_id in selectors.certificates_visible_to(user, [disposal]),
            "may_confirm": disposal is not None
            and not disposal.is_confirmed
            and permissions.may(user, page.confirm_action, disposal),
            "form": form
            or DisposalForm(
                documents=_documents_for_form(user, item.site),
                initial={"performed_by_company": item.site.company.name},
            )
            if may_dispose
            else None,
        },
        status=422 if form is not None and form.errors else 200,
    )


def _record(
    request: HttpRequest, user: User, page: _Disposal, item: Terminal | RemovableMedium
) -> HttpResponse:
    permissions.require_permission(actor=user, action=page.dispose_action, obj=item)
    form = DisposalForm(request.POST, request.FILES, documents=_documents_for_form(user, item.site))
    if form.is_valid():
        try:
            page.record(**{page.kind: item}, actor=user, **_record_input(user, item.site, form))
        except RuleViolation as refusal:
            if refusal.field in ("upload", "certificate"):
                refusal.field = "file"  # the proof's file field
            form_refused(form, refusal)
        else:
            action = f"{page.kind}_disposal_record"
            messages.success(request, registry_done_message(action, page.title(item)))
            return HttpResponseRedirect(reverse(page.page, args=[item.pk]), status=303)
    return _disposal_page(request, user, page, item, form=form)


def _record_input(user: User, site: Site, form: DisposalForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    upload, certificate_id = data.pop("file"), data.pop("certificate_id")
    password = data.pop("password")
    certificate = None
    if certificate_id is not None:  # one of the form's choices: visible, of the company
        choices = selectors.certificate_choices(user=user, company_id=site.company_id)
        certificate = choices.get(pk=certificate_id)
    if upload is not None:
        if upload.size > max_upload_bytes():
            raise too_large()
        data["upload"] = services.CertificateUpload(upload.name, upload.read(), password)
    return {**data, "certificate": certificate}


@login_required
def terminal_disposal_confirm(request: HttpRequest, disposal_id: int) -> HttpResponse:
    """GET: what confirming the disposal does (nothing changes); POST: confirm it (#12)."""
    user = request_user(request)
    disposal = selectors.disposal_get_for(user=user, pk=disposal_id)
    return _disposal_confirm(
        request,
        disposal,
        action="terminal_disposal.confirm",
        item=disposal.terminal,
        back=reverse("terminal_disposal", args=[disposal.terminal_id]),
        leaves=_(
            "The terminal leaves the site's registry (廃棄済): it can no longer be used or "
            "tested, and it is no longer counted among the site's terminals."
        ),
        success=registry_done_message("terminal_disposal_confirm", disposal.terminal.name),
        confirm=lambda: services.terminal_disposal_confirm(disposal=disposal, actor=user),
    )


@login_required
def medium_disposal_confirm(request: HttpRequest, medium_disposal_id: int) -> HttpResponse:
    """GET: what confirming the disposal does (nothing changes); POST: confirm it (#12)."""
    user = request_user(request)
    disposal = selectors.medium_disposal_get_for(user=user, pk=medium_disposal_id)
    return _disposal_confirm(
        request,
        disposal,
        action="medium_disposal.confirm",
        item=disposal.medium,
        back=reverse("medium_disposal", args=[disposal.medium_id]),
        leaves=_(
            "The medium leaves the site's registry (廃棄済): it is no longer counted among "
            "the site's removable media."
        ),
        success=registry_done_message("medium_disposal_confirm", disposal.medium),
        confirm=lambda: services.medium_disposal_confirm(disposal=disposal, actor=user),
    )


def _disposal_confirm(
    request: HttpRequest,
    disposal: Any,
    *,
    action: str,
    item: Any,
    back: str,
    leaves: str,
    success: str,
    confirm: Callable[[], Any],
) -> HttpResponse:
    if not permissions.may(request_user(request), action, disposal):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    confirmation = Confirmation(
        title=_("Confirm the disposal"),
        object_label=str(item),
        back=back,
        success=success,
        consequence=(
            leaves,
            _("This cannot be undone: check the method, the date and the certificate first."),
        ),
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators receive a mail that the "
                "disposal was confirmed."
            ),
        ),
        comment="none",
        danger=False,
        refusal=_("This disposal is already confirmed.") if disposal.is_confirmed else "",
    )
    return confirm_action(request, confirmation, lambda _data: confirm())


def site_panel(request: HttpRequest, site: Site) -> dict[str, Any] | None:
    """The site page's section: how many terminals and media stand, how many await the office."""
    user = request_user(request)
    counts = permissions.restrict(user, Terminal.objects.filter(site=site)).aggregate(
        standing=Count("pk", filter=selectors.STANDING),
        awaiting=Count("pk", filter=Q(disposal__state=DisposalState.RECORDED)),
        disposed=Count("pk", filter=Q(disposal__state=DisposalState.CONFIRMED)),
    )
    media = permissions.restrict(user, RemovableMedium.objects.filter(site=site)).aggregate(
        standing=Count("pk", filter=selectors.STANDING),
        awaiting=Count("pk", filter=Q(disposal__state=DisposalState.RECORDED)),
    )
    return {"site": site, "counts": counts, "media": media}
