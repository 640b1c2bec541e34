"""Filing a request: every line checked as a page, the API and an .xlsx row check it; whitelisted
software opens a helpdesk request instead; software that installs or updates online refused at
once; declared preinstalled software 起動・使用禁止 from now until approved."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Lookup, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.inputs import required_text
from dsg.documents.models import Document
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission
from dsg.registry.catalogues import whitelist_match
from dsg.registry.models import RemovableMedium, SoftwareState, Terminal
from dsg.registry.software import software_declare

from .. import notifications
from ..checks import (
    LineError,
    MediumLineValues,
    SiteEquipment,
    SoftwareLineValues,
    TerminalLineValues,
    medium_line,
    software_line,
    terminal_line,
)
from ..models import (
    OPEN_STATES,
    Channel,
    EquipmentRequest,
    HelpdeskRequest,
    LineAction,
    LineDecision,
    MediumLine,
    RequestKind,
    SoftwareLine,
    TerminalLine,
)
from .common import (
    LINES_MAX,
    PURPOSE_MAX,
    RULE_ONLINE,
    check_site,
    decide_if_done,
    lines_snapshot,
    receipt_number_for,
    site_equipment,
    terminal_lines_snapshot,
)
from .helpdesk import helpdesk_open


# Filing -----------------------------------------------------------------------------------------
@dataclass
class Filing:
    """What filing gave: the request (None when every line was whitelisted software) and the
    helpdesk requests opened for whitelisted software instead."""

    request: EquipmentRequest | None
    helpdesk: list[HelpdeskRequest] = field(default_factory=list)


def removal_pending_terminals(site: Site) -> QuerySet[TerminalLine, int]:
    """The terminals of ``site`` an open or approved removal line names (one column, for the
    registry's life stage 削除申請中 until the office confirms the disposal)."""
    undecided = Q(request__state__in=OPEN_STATES, decision=LineDecision.PENDING) | Q(
        decision=LineDecision.APPROVED
    )
    return TerminalLine.objects.filter(
        undecided, request__site=site, action=LineAction.REMOVE
    ).values_list("terminal_id", flat=True)


def _pending_removals(site: Site, *, terminals: bool, media: bool) -> tuple[set[int], set[int]]:
    """The terminals and media of ``site`` an open or approved removal line already names; only
    those asked for are read (a form that removes nothing reads neither)."""
    undecided = Q(request__state__in=OPEN_STATES, decision=LineDecision.PENDING) | Q(
        decision=LineDecision.APPROVED
    )
    removing_terminals = removal_pending_terminals(site) if terminals else None
    removing_media = (
        MediumLine.objects.filter(
            undecided, request__site=site, action=LineAction.REMOVE
        ).values_list("medium_id", flat=True)
        if media
        else None
    )
    return (  # no sort: they become sets
        set() if removing_terminals is None else set(removing_terminals.order_by()),
        set() if removing_media is None else set(removing_media.order_by()),
    )


def _pending_additions(site: Site, names: set[str], serials: set[str]) -> tuple[set[str], set[str]]:
    """Those of ``names`` and ``serials`` (the new lines') that an open request of the site
    already asks for a terminal with. One query: the database matches them against the pending
    registrations of the site's open requests, the names and the serials each given as one
    parameter (a form's 500 names and 500 serials as 1,000 parameters were a fortieth of
    filing it, and a query first asked whether any waited; bench/imports.py)."""
    if not (names or serials):
        return set(), set()
    lines = (
        TerminalLine.objects.filter(
            _Among(F("name"), sorted(names)) | _Among(F("serial_number"), sorted(serials)),
            request__site=site,
            request__state__in=OPEN_STATES,
            action=LineAction.ADD,
            decision=LineDecision.PENDING,
        )
        .order_by()  # no sort: they become sets
        .values_list("name", "serial_number")
    )
    asked_names, asked_serials = set(), set()
    for name, serial in lines:
        asked_names.add(name)
        asked_serials.add(serial)
    return asked_names & names, asked_serials & serials


class _Among(Lookup):
    """``column IN`` a list of texts passed as one parameter: PostgreSQL's ``= ANY(array)``,
    SQLite's ``IN (SELECT value FROM json_each(json))``."""

    lookup_name = "among"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [str(value) for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        if connection.vendor == "sqlite":
            return f"{lhs} IN (SELECT value FROM json_each(%s))", (*lhs_params, json.dumps(values))
        placeholders = ", ".join(["%s"] * len(values)) or "NULL"
        return f"{lhs} IN ({placeholders})", (*lhs_params, *values)


def _check_lines(kind: str, site: Site, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    if not rows:
        raise RuleViolation(
            _("Add at least one line to the request."), code="no_lines", status=422, field="lines"
        )
    if len(rows) > LINES_MAX:
        raise RuleViolation(
            _("A request has at most {limit} lines.").format(limit=LINES_MAX),
            code="too_many_lines",
            status=422,
            field="lines",
        )
    equipment = site_equipment(site, media=kind == RequestKind.MEDIUM)
    check: Callable[[Mapping[str, Any], int, SiteEquipment], Any] = {
        RequestKind.TERMINAL: terminal_line,
        RequestKind.SOFTWARE: software_line,
        RequestKind.MEDIUM: medium_line,
    }[RequestKind(kind)]
    values = [check(row, number, equipment) for number, row in enumerate(rows, start=1)]
    _check_against_open_requests(site, values)
    return values


@dataclass
class _Asked:
    """What the site's open requests and the lines checked so far already ask for."""

    names: set[str]
    serials: set[str]
    removing: dict[str, set[int]]  # "terminal" / "medium" → ids

    def add_terminal(self, value: TerminalLineValues, number: int) -> None:
        if value.name in self.names:
            raise LineError(
                _("A terminal named {name} is already asked for.").format(name=value.name),
                line=number,
                field="name",
                code="duplicate_name",
            )
        if value.serial_number in self.serials:
            raise LineError(
                _("A terminal with the serial number {serial} is already asked for.").format(
                    serial=value.serial_number
                ),
                line=number,
                field="serial_number",
                code="duplicate_serial",
            )
        self.names.add(value.name)
        self.serials.add(value.serial_number)

    def remove(self, item: Terminal | RemovableMedium, field_name: str, number: int) -> None:
        already = self.removing[field_name]
        if item.pk in already:
            raise LineError(
                _("The removal of {ref} is already asked for.").format(ref=item.ref),
                line=number,
                field=field_name,
                code="removal_already_requested",
            )
        already.add(item.pk)


def _check_against_open_requests(site: Site, values: list[Any]) -> None:
    """A removal already asked for, a terminal name or serial asked for twice: refused."""
    terminals, media = _pending_removals(
        site,
        terminals=any(isinstance(v, TerminalLineValues) and v.terminal is not None for v in values),
        media=any(isinstance(v, MediumLineValues) and v.medium is not None for v in values),
    )
    adding = [v for v in values if isinstance(v, TerminalLineValues) and v.terminal is None]
    names, serials = _pending_additions(
        site, {v.name for v in adding}, {v.serial_number for v in adding}
    )
    asked = _Asked(names, serials, {"terminal": terminals, "medium": media})
    for number, value in enumerate(values, start=1):
        if isinstance(value, TerminalLineValues):
            if value.terminal is not None:
                asked.remove(value.terminal, "terminal", number)
            else:
                asked.add_terminal(value, number)
        elif isinstance(value, MediumLineValues) and value.medium is not None:
            asked.remove(value.medium, "medium", number)


def request_check(*, site: Site, kind: str, lines: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Every check filing makes — the site, each line, the open requests — without filing: what
    the page's 入力内容の確認 shows. Returns each line's values; raises as filing would."""
    if kind not in RequestKind.values:
        raise RuleViolation(
            _("Choose the kind of request."), code="invalid_kind", status=422, field="kind"
        )
    check_site(site, kind)
    return _check_lines(kind, site, lines)


def request_file(
    *,
    site: Site,
    actor: User,
    kind: str,
    purpose: str,
    lines: Sequence[Mapping[str, Any]],
    channel: str = Channel.PAGE,
    form_document: Document | None = None,
) -> Filing:
    """The PSA files a request of ``kind`` for ``site`` with its ``lines`` (as typed: each is
    checked as a page, the API and an .xlsx row check it). Whitelisted software opens a helpdesk
    request instead; software that installs or updates online is refused at once (留意事項(2));
    declared preinstalled software is 起動・使用禁止 from now until it is approved (留意事項(3))."""
    purpose = _filing_checked(site=site, actor=actor, kind=kind, purpose=purpose, channel=channel)
    with transaction.atomic():
        return _file(site, actor, kind, purpose, lines, channel, form_document)


def request_file_in_transaction(
    *,
    site: Site,
    actor: User,
    kind: str,
    purpose: str,
    lines: Sequence[Mapping[str, Any]],
    channel: str = Channel.PAGE,
    form_document: Document | None = None,
) -> Filing:
    """``request_file`` inside its caller's transaction, with no savepoint of its own: for a
    caller whose transaction holds the rest of the same change and is rolled back whole on any
    refusal (a form's filing, with the form stored in the folder). There the savepoint served
    nothing and cost two statements, two round trips on PostgreSQL (#14)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("request_file_in_transaction must run inside the change's transaction")
    purpose = _filing_checked(site=site, actor=actor, kind=kind, purpose=purpose, channel=channel)
    return _file(site, actor, kind, purpose, lines, channel, form_document)


def _filing_checked(*, site: Site, actor: User, kind: str, purpose: str, channel: str) -> str:
    """The checks before the transaction: the role, the kind, the channel; the purpose as kept."""
    require_permission(actor=actor, action="equipment_request.file", obj=site)
    if kind not in RequestKind.values:
        raise RuleViolation(
            _("Choose the kind of request."), code="invalid_kind", status=422, field="kind"
        )
    if channel not in Channel.values:
        raise ValueError(channel)
    return required_text(purpose, "purpose", PURPOSE_MAX)


def _file(
    site: Site,
    actor: User,
    kind: str,
    purpose: str,
    lines: Sequence[Mapping[str, Any]],
    channel: str,
    form_document: Document | None,
) -> Filing:
    """Filing itself, in the caller's transaction: the site locked and checked, every line
    checked, the request and its lines, the ledger and the mail."""
    # With its company: the mail names it (the company's row is not locked).
    locked_site = (
        Site.objects.select_for_update(of=("self",)).select_related("company").get(pk=site.pk)
    )
    check_site(locked_site, kind)
    values = _check_lines(kind, locked_site, lines)
    helpdesk: list[HelpdeskRequest] = []
    if kind == RequestKind.SOFTWARE:
        values, helpdesk = _split_whitelisted(locked_site, actor, values)
    if not values:
        return Filing(request=None, helpdesk=helpdesk)
    request = EquipmentRequest.objects.create(
        site=locked_site,
        kind=kind,
        receipt_number=f"pending-{timezone.now().timestamp()}-{actor.pk}",
        purpose=purpose,
        channel=channel,
        form_document=form_document,
        filed_by=actor,
    )
    request.receipt_number = receipt_number_for(request)
    request.save(update_fields=["receipt_number"])
    terminal_lines = _create_lines(request, actor, values)
    audit_record(
        actor=actor,
        action="equipment_request.file",
        obj=request,
        company_id=locked_site.company_id,
        after={
            "receipt_number": request.receipt_number,
            "site": locked_site.pk,
            "kind": kind,
            "channel": channel,
            "purpose": purpose,
            "form_document": form_document.pk if form_document else None,
            # A terminal request's lines as just created (not read back: a tenth of filing
            # a 500-line form); the same dicts as lines_snapshot (tests/equipment).
            "lines": terminal_lines_snapshot(terminal_lines)
            if kind == RequestKind.TERMINAL
            else lines_snapshot(request),
        },
    )
    notifications.filed(request, actor)
    if kind == RequestKind.SOFTWARE:  # only software lines are decided as they are filed
        decide_if_done(request, actor=None)  # (online ones refused): the others stay pending
    return Filing(request=request, helpdesk=helpdesk)


def _split_whitelisted(
    site: Site, actor: User, values: list[SoftwareLineValues]
) -> tuple[list[SoftwareLineValues], list[HelpdeskRequest]]:
    """Software on the whitelist needs no request: each such line opens a helpdesk request."""
    remaining, opened = [], []
    for value in values:
        entry = whitelist_match(value.software.name, value.software.vendor, value.software.version)
        if entry is None or value.preinstalled:
            remaining.append(value)
            continue
        opened.append(
            helpdesk_open(
                site=site,
                actor=actor,
                entry=entry,
                name=value.software.name,
                version=value.software.version,
                terminals=value.terminals,
                message=value.install_method,
            )
        )
    return remaining, opened


def _create_lines(request: EquipmentRequest, actor: User, values: list[Any]) -> list[TerminalLine]:
    """The request's lines; returns the terminal lines (all created in one INSERT: one per line
    was three quarters of filing a 500-line form; bench/imports.py, docs/performance.md)."""
    terminal_lines: list[TerminalLine] = []
    for position, value in enumerate(values, start=1):
        if isinstance(value, TerminalLineValues):
            terminal_lines.append(
                TerminalLine(
                    # the ids, not the instances: a related-object descriptor per line costs more
                    # than the line's other fields together
                    request_id=request.pk,
                    position=position,
                    action=value.action,
                    name=value.name,
                    model_name=value.model_name,
                    serial_number=value.serial_number,
                    terminal_id=value.terminal.pk if value.terminal is not None else None,
                )
            )
        elif isinstance(value, MediumLineValues):
            _create_medium_line(request, position, value)
        else:
            _create_software_line(request, actor, position, value)
    TerminalLine.objects.bulk_create(terminal_lines)
    return terminal_lines


def _create_medium_line(request: EquipmentRequest, position: int, value: MediumLineValues) -> None:
    medium = value.medium_values
    line = MediumLine.objects.create(
        request=request,
        position=position,
        action=value.action,
        medium=value.medium,
        **(
            {
                "kind": medium.kind,
                "vendor_id": medium.vendor_id,
                "product_id": medium.product_id,
                "serial_number": medium.serial_number,
                "capacity_gb": medium.capacity_gb,
                "custodian": medium.custodian,
                "usbguard_hash": medium.usbguard_hash,
            }
            if medium is not None
            else {}
        ),
    )
    line.terminals.set([t.pk for t in value.terminals])


def _create_software_line(
    request: EquipmentRequest, actor: User, position: int, value: SoftwareLineValues
) -> None:
    online = value.installs_online or value.updates_online
    line = SoftwareLine.objects.create(
        request=request,
        position=position,
        preinstalled=value.preinstalled,
        installs_online=value.installs_online,
        updates_online=value.updates_online,
        install_method=value.install_method,
        update_method=value.update_method,
        name=value.software.name,
        vendor=value.software.vendor,
        version=value.software.version,
        sha256=value.software.sha256,
        authenticode_sha256=value.software.authenticode_sha256,
        signer=value.software.signer,
        **(
            {
                "decision": LineDecision.REFUSED,
                "rule_code": RULE_ONLINE,
                "reason": str(
                    _(
                        "Software that needs online installation or online updates is not "
                        "approved, for security reasons (留意事項(2))."
                    )
                ),
                "decided_at": timezone.now(),
            }
            if online
            else {}
        ),
    )
    line.terminals.set([t.pk for t in value.terminals])
    if value.preinstalled:
        software_declare(
            terminals=value.terminals,
            actor=actor,
            values=value.software,
            origin=line,
            state=SoftwareState.REFUSED if online else SoftwareState.PROHIBITED,
        )
