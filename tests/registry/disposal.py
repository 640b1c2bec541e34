"""Helpers of the registry tests: a terminal, a removable medium, software on a terminal, a proof
in the folder, a recorded disposal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.test import Client

from dsg.audit.models import AuditEvent
from dsg.documents.models import Document
from dsg.notifications.models import OutboxMessage
from dsg.orgs.models import Organization, Site, User
from dsg.registry import services
from dsg.registry.models import (
    MediumDisposal,
    RemovableMedium,
    Terminal,
    TerminalDisposal,
    TerminalSoftware,
)

from ..walk import small_pdf, today

API = "/api/v1"


def terminal_at(site: Site, psa: User, name: str = "PC-01") -> Terminal:
    return services.terminal_register(
        site=site, actor=psa, name=name, model_name="指定端末 DSG-T1", serial_number=f"SN-{name}"
    )


def medium_at(site: Site, *terminals: Terminal, serial: str = "", **values: Any) -> RemovableMedium:
    """A removable medium of the site, as the approval of a request registers it (the equipment
    app's service; here the row itself), for ``terminals``."""
    fields: dict[str, Any] = {
        "kind": "usb_memory",
        "vendor_id": "0781",
        "product_id": "5583",
        "serial_number": serial,
        "capacity_gb": "32.0",
        "custodian": "媒体 管理者",
        **values,
    }
    medium = RemovableMedium.objects.create(site=site, **fields)
    medium.terminals.set(terminals)
    return medium


def software_on(terminal: Terminal, name: str, state: str, **values: Any) -> TerminalSoftware:
    """Software the office knows on ``terminal`` (the equipment app's rows; here the row)."""
    fields: dict[str, Any] = {"vendor": "ベンダー株式会社", "version": "1.0", **values}
    return TerminalSoftware.objects.create(terminal=terminal, name=name, state=state, **fields)


def folder_pdf(company: Organization, actor: User, kind: str = "disposal_certificate") -> Document:
    """A PDF in the company's folder (no subject), stored as the upload stores it, less the PDF
    check in a child process (tests/documents checks that)."""
    from dsg.documents.services import _save

    with transaction.atomic():
        return _save(
            actor=actor,
            company=company,
            subject=None,
            kind=kind,
            filename=f"廃棄証明書-{kind}.pdf",
            data=small_pdf(),
            content_type="application/pdf",
            password="",
        )


def record(terminal: Terminal, actor: User, **overrides: Any) -> TerminalDisposal:
    values: dict[str, Any] = {
        "method": "physical_destruction",
        "disposed_on": today() - dt.timedelta(days=1),
        "performed_by": "廃棄 太郎",
        "performed_by_company": "株式会社テスト廃棄",
    }
    values.update(overrides)
    if "certificate" not in values and "upload" not in values:
        values["certificate"] = folder_pdf(terminal.site.company, actor)
    return services.terminal_disposal_record(terminal=terminal, actor=actor, **values)


def record_medium(medium: RemovableMedium, actor: User, **overrides: Any) -> MediumDisposal:
    values: dict[str, Any] = {
        "method": "physical_destruction",
        "disposed_on": today() - dt.timedelta(days=1),
        "performed_by": "破砕 次郎",
        "performed_by_company": "株式会社媒体廃棄",
    }
    values.update(overrides)
    if "certificate" not in values and "upload" not in values:
        values["certificate"] = folder_pdf(medium.site.company, actor)
    return services.medium_disposal_record(medium=medium, actor=actor, **values)


def counts() -> tuple[int, ...]:
    return (
        TerminalDisposal.objects.count(),
        MediumDisposal.objects.count(),
        Document.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides):
    data = {
        "method": "erasure_software",
        "disposed_on": (today() - dt.timedelta(days=2)).isoformat(),
        "performed_by": "消去 花子",
        "performed_by_company": "株式会社データ消去",
    }
    return {**data, **overrides}
