"""Software on a terminal, as the office knows it (§5②): declared preinstalled software is
起動・使用禁止 from the moment it is declared until it is approved; approved software joins the
terminal's record with the version approved; refused software must not be used."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from dsg.audit.services import audit_record
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from .models import SoftwareState, Terminal, TerminalSoftware


@dataclass(frozen=True)
class SoftwareValues:
    """What names a piece of software, as checked by the caller."""

    name: str
    vendor: str
    version: str
    sha256: str = ""
    authenticode_sha256: str = ""
    signer: str = ""


def _origin_filter(origin: models.Model) -> dict[str, object]:
    return {"origin_type": ContentType.objects.get_for_model(origin), "origin_id": origin.pk}


def _audit(actor: User, action: str, rows: list[TerminalSoftware], state: str) -> None:
    for row in rows:
        audit_record(
            actor=actor,
            action=action,
            obj=row,
            company_id=row.terminal.site.company_id,
            after={
                "terminal": row.terminal_id,
                "ref": row.terminal.ref,
                "name": row.name,
                "vendor": row.vendor,
                "version": row.version,
                "sha256": row.sha256,
                "preinstalled": row.preinstalled,
                "state": state,
                "origin": {
                    "type": row.origin_type.model if row.origin_type else None,
                    "id": row.origin_id,
                },
            },
        )


def software_declare(
    *,
    terminals: Iterable[Terminal],
    actor: User,
    values: SoftwareValues,
    origin: models.Model,
    state: str = SoftwareState.PROHIBITED,
) -> list[TerminalSoftware]:
    """The PSA declares software preinstalled on ``terminals`` (with the request that declares
    it): 起動・使用禁止 until approved — or at once refused when a rule refused it at filing."""
    require_permission(actor=actor, action="software.declare", obj=origin)
    rows = [
        TerminalSoftware.objects.create(
            terminal=terminal,
            preinstalled=True,
            state=state,
            decided_at=timezone.now() if state != SoftwareState.PROHIBITED else None,
            **asdict(values),
            **_origin_filter(origin),
        )
        for terminal in terminals
    ]
    _audit(actor, "software.declare", rows, state)
    return rows


def software_decide(
    *,
    terminals: Iterable[Terminal],
    actor: User,
    values: SoftwareValues,
    origin: models.Model,
    approved: bool,
    preinstalled: bool,
) -> list[TerminalSoftware]:
    """The office's decision on ``origin``'s software for ``terminals``: the rows it declared
    change state; a terminal without one (software to install) gets its row. Ledgered."""
    require_permission(actor=actor, action="software.decide", obj=origin)
    state = SoftwareState.APPROVED if approved else SoftwareState.REFUSED
    now = timezone.now()
    declared = {
        row.terminal_id: row
        for row in TerminalSoftware.objects.filter(**_origin_filter(origin)).select_related(
            "terminal__site"
        )
    }
    rows = []
    for terminal in terminals:
        row = declared.get(terminal.pk)
        if row is None:
            if not approved:
                continue  # software never installed: nothing to record on the terminal
            row = TerminalSoftware(
                terminal=terminal,
                preinstalled=preinstalled,
                **asdict(values),
                **_origin_filter(origin),
            )
        row.state = state
        row.decided_at = now
        row.save()
        rows.append(row)
    _audit(actor, "software.decide", rows, state)
    return rows
