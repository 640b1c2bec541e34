"""The pieces every use case of the §5 requests shares: the limits and rule codes, the lock and
the 受付番号, the site checks, the lines as filed and decided, deciding the request when its last
line is decided."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.enrollment.selectors import completed_case
from dsg.orgs.models import Site, User
from dsg.registry.selectors import media_standing, terminals_standing

from .. import notifications
from ..checks import (
    SiteEquipment,
)
from ..models import (
    EquipmentRequest,
    LineDecision,
    MediumLine,
    Outcome,
    RequestKind,
    SoftwareLine,
    TerminalLine,
)

PURPOSE_MAX = 4000
LINES_MAX = 500

# The rules a line can be decided by, with the code recorded on the decision.
RULE_ONLINE = "online_install_or_update"  # 留意事項(2): never approved
RULE_OFFICE = "office_decision"  # 留意事項(1): the office's judgement


def request_lock(request: EquipmentRequest) -> EquipmentRequest:
    """The request re-read under a row lock: every change to it or its lines starts here."""
    return (
        EquipmentRequest.objects.select_for_update()
        .select_related("site__company")
        .get(pk=request.pk)
    )


def receipt_number_for(request: EquipmentRequest) -> str:
    """The 受付番号: "E", the year and 8 digits."""
    return f"E{timezone.localtime(request.filed_at):%Y}{request.pk:08d}"


def check_site(site: Site, kind: str) -> None:
    if site.is_closed:
        raise RuleViolation(
            _("The site is closed; no request can be filed for it."),
            code="site_closed",
            field="site",
        )
    if kind == RequestKind.TERMINAL and completed_case(site) is None:
        raise RuleViolation(
            _(
                "Terminals of a site that has not completed 加入 are registered at step ⑥ of "
                "its enrollment."
            ),
            code="site_not_enrolled",
            field="site",
        )


def site_equipment(site: Site, *, media: bool = True) -> SiteEquipment:
    """The site's standing terminals and, unless ``media`` is False, its standing media (only a
    medium request's lines name media: reading them was a tenth of checking a terminal form's
    lines; docs/performance.md, imports)."""
    return SiteEquipment.of(terminals_standing(site), media_standing(site) if media else ())


LINE_MODELS: dict[str, type[TerminalLine] | type[SoftwareLine] | type[MediumLine]] = {
    RequestKind.TERMINAL: TerminalLine,
    RequestKind.SOFTWARE: SoftwareLine,
    RequestKind.MEDIUM: MediumLine,
}


# A terminal line in the ledger and the API: its keys, and the columns they come from.
TERMINAL_LINE_KEYS = (
    *("line", "action", "name", "model_name", "serial_number", "terminal"),
    *("decision", "rule_code"),
)
TERMINAL_LINE_COLUMNS = (
    *("position", "action", "name", "model_name", "serial_number", "terminal_id"),
    *("decision", "rule_code"),
)


_TERMINAL_LINE_VALUES = operator.attrgetter(*TERMINAL_LINE_COLUMNS)  # one line's, as a tuple


def terminal_lines_snapshot(lines: Iterable[TerminalLine]) -> list[dict[str, Any]]:
    """``lines_snapshot`` of terminal lines held in memory (just created: no read back)."""
    return [
        dict(zip(TERMINAL_LINE_KEYS, _TERMINAL_LINE_VALUES(x), strict=True))
        for x in sorted(lines, key=operator.attrgetter("position"))
    ]


def lines_snapshot(request: EquipmentRequest) -> list[dict[str, Any]]:
    """Every line as filed and decided (for the ledger and the API)."""
    if request.kind == RequestKind.TERMINAL:
        # Rows, not model instances: building 500 lines again was a twelfth of filing a 500-line
        # form (bench/imports.py).
        rows = request.terminal_lines.order_by("position").values_list(*TERMINAL_LINE_COLUMNS)
        return [dict(zip(TERMINAL_LINE_KEYS, row, strict=True)) for row in rows]
    if request.kind == RequestKind.MEDIUM:
        return [
            {
                "line": line.position,
                "action": line.action,
                "kind": line.kind,
                "vendor_id": line.vendor_id,
                "product_id": line.product_id,
                "serial_number": line.serial_number,
                "capacity_gb": str(line.capacity_gb) if line.capacity_gb is not None else None,
                "custodian": line.custodian,
                "usbguard_hash": line.usbguard_hash,
                "medium": line.medium_id,
                "terminals": sorted(t.pk for t in line.terminals.all()),
                "decision": line.decision,
                "rule_code": line.rule_code,
            }
            for line in request.medium_lines.prefetch_related("terminals").order_by("position")
        ]
    return [
        {
            "line": line.position,
            "name": line.name,
            "vendor": line.vendor,
            "version": line.version,
            "sha256": line.sha256,
            "preinstalled": line.preinstalled,
            "installs_online": line.installs_online,
            "updates_online": line.updates_online,
            "terminals": sorted(t.pk for t in line.terminals.all()),
            "decision": line.decision,
            "rule_code": line.rule_code,
        }
        for line in request.software_lines.prefetch_related("terminals").order_by("position")
    ]


def decide_if_done(request: EquipmentRequest, actor: User | None) -> None:
    """When no line is pending, the request is decided with its outcome and the PSA told."""
    decisions = list(
        LINE_MODELS[RequestKind(request.kind)]
        .objects.filter(request=request)
        .values_list("decision", flat=True)
    )
    if not decisions or LineDecision.PENDING in decisions:
        return
    approved = decisions.count(LineDecision.APPROVED)
    request.outcome = (
        Outcome.APPROVED
        if approved == len(decisions)
        else Outcome.PARTLY_APPROVED
        if approved
        else Outcome.REJECTED
    )
    before = request.state
    request.decide()
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save()
    audit_record(
        actor=actor or "system",
        action="equipment_request.decide",
        obj=request,
        company_id=request.site.company_id,
        before={"state": before},
        after={
            "state": request.state,
            "outcome": request.outcome,
            "lines": lines_snapshot(request),
        },
    )
    notifications.decided(request, actor)
