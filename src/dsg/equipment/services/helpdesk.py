"""Helpdesk requests: whitelisted software needs no request, but the provider must change a setting
before it is installed (§5② その他)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.inputs import required_text
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission
from dsg.registry.catalogues import whitelist_match
from dsg.registry.models import Terminal

from .. import notifications
from ..models import (
    HelpdeskRequest,
    HelpdeskState,
    RequestKind,
)
from .common import PURPOSE_MAX, check_site, site_equipment


# Helpdesk requests (whitelisted software) -------------------------------------------------------
def helpdesk_open(
    *,
    site: Site,
    actor: User,
    entry: Any,
    name: str,
    version: str,
    terminals: Sequence[Terminal],
    message: str,
) -> HelpdeskRequest:
    ticket = HelpdeskRequest.objects.create(
        site=site,
        number=f"pending-{timezone.now().timestamp()}-{actor.pk}",
        catalogue_entry=entry,
        software_name=name,
        software_version=version,
        message=message,
        filed_by=actor,
    )
    ticket.number = f"H{timezone.localtime(ticket.filed_at):%Y}{ticket.pk:08d}"
    ticket.save(update_fields=["number"])
    ticket.terminals.set([t.pk for t in terminals])
    audit_record(
        actor=actor,
        action="helpdesk.file",
        obj=ticket,
        company_id=site.company_id,
        after={
            "number": ticket.number,
            "site": site.pk,
            "catalogue_entry": entry.pk,
            "software": name,
            "version": version,
            "terminals": sorted(t.pk for t in terminals),
            "message": message,
        },
    )
    notifications.helpdesk_filed(ticket, actor)
    return ticket


def helpdesk_file(
    *,
    site: Site,
    actor: User,
    name: str,
    vendor: str,
    version: str,
    terminals: Sequence[Any],
    message: str = "",
) -> HelpdeskRequest:
    """The PSA contacts the helpdesk about whitelisted software it wants to install."""
    require_permission(actor=actor, action="helpdesk.file", obj=site)
    with transaction.atomic():
        locked = Site.objects.select_for_update().get(pk=site.pk)
        check_site(locked, RequestKind.SOFTWARE)
        equipment = site_equipment(locked)
        row = {"name": name, "vendor": vendor, "version": version, "terminals": list(terminals)}
        chosen = equipment.terminal_list(row, 1)
        entry = whitelist_match(
            required_text(name, "name", 200),
            required_text(vendor, "vendor", 200),
            required_text(version, "version", 100),
        )
        if entry is None:
            raise RuleViolation(
                _(
                    "This software is not on the whitelist: file a software installation request "
                    "(ソフトウェアインストール申請) instead."
                ),
                code="not_whitelisted",
                status=422,
                field="name",
            )
        return helpdesk_open(
            site=locked,
            actor=actor,
            entry=entry,
            name=name.strip(),
            version=version.strip(),
            terminals=chosen,
            message=(message or "").strip()[:PURPOSE_MAX],
        )


def helpdesk_answer(*, ticket: HelpdeskRequest, actor: User, answer: str) -> HelpdeskRequest:
    """The provider's helpdesk answers with its instructions (once)."""
    require_permission(actor=actor, action="helpdesk.answer", obj=ticket)
    answer = required_text(answer, "answer", PURPOSE_MAX)
    with transaction.atomic():
        updated = HelpdeskRequest.objects.filter(pk=ticket.pk, state=HelpdeskState.OPEN).update(
            state=HelpdeskState.ANSWERED,
            answer=answer,
            answered_by=actor,
            answered_at=timezone.now(),
        )
        if not updated:
            raise RuleViolation(_("The helpdesk has already answered."), code="already_answered")
        ticket = HelpdeskRequest.objects.select_related("site").get(pk=ticket.pk)
        audit_record(
            actor=actor,
            action="helpdesk.answer",
            obj=ticket,
            company_id=ticket.site.company_id,
            before={"state": HelpdeskState.OPEN},
            after={"state": ticket.state, "answer": answer},
        )
        notifications.helpdesk_answered(ticket, actor)
    return ticket
