"""Helpers of the disposal tests: a terminal, a proof in the folder, a recorded disposal."""

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
from dsg.registry.models import Terminal, TerminalDisposal

from ..walk import small_pdf, today

API = "/api/v1"


def terminal_at(site: Site, psa: User, name: str = "PC-01") -> Terminal:
    return services.terminal_register(
        site=site, actor=psa, name=name, model_name="指定端末 DSG-T1", serial_number=f"SN-{name}"
    )


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


def counts() -> tuple[int, int, int, int]:
    return (
        TerminalDisposal.objects.count(),
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
