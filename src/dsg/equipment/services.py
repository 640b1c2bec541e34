"""Use cases of the §5 requests: file, take up, ask for more, answer, decide lines, withdraw;
and the helpdesk requests for whitelisted software.

Every service locks what it changes, checks the role and the input, writes the ledger and queues
mail in one transaction. The site's registry changes only when a line is approved, in the
deciding transaction; nothing is half done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.inputs import required_text
from dsg.documents.models import Document
from dsg.enrollment.models import State
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission
from dsg.registry.catalogues import whitelist_match
from dsg.registry.media import STANDING_MEDIUM, MediumValues, medium_register, not_unique_reasons
from dsg.registry.models import RemovableMedium, SoftwareState, Terminal
from dsg.registry.selectors import terminals_standing
from dsg.registry.services import terminal_register
from dsg.registry.software import software_decide, software_declare

from . import notifications
from .checks import (
    LineError,
    MediumLineValues,
    SiteEquipment,
    SoftwareLineValues,
    TerminalLineValues,
    medium_line,
    software_line,
    terminal_line,
)
from .models import (
    OPEN_STATES,
    Channel,
    EquipmentRequest,
    HelpdeskRequest,
    HelpdeskState,
    InfoRequest,
    LineAction,
    LineDecision,
    MediumLine,
    Outcome,
    RequestKind,
    RequestState,
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


# Filing -----------------------------------------------------------------------------------------
@dataclass
class Filing:
    """What filing gave: the request (None when every line was whitelisted software) and the
    helpdesk requests opened for whitelisted software instead."""

    request: EquipmentRequest | None
    helpdesk: list[HelpdeskRequest] = field(default_factory=list)


def _enrolled(site: Site) -> bool:
    return site.enrollments.filter(state=State.COMPLETED).exists()


def _check_site(site: Site, kind: str) -> None:
    if site.is_closed:
        raise RuleViolation(
            _("The site is closed; no request can be filed for it."),
            code="site_closed",
            field="site",
        )
    if kind == RequestKind.TERMINAL and not _enrolled(site):
        raise RuleViolation(
            _(
                "Terminals of a site that has not completed 加入 are registered at step ⑥ of "
                "its enrollment."
            ),
            code="site_not_enrolled",
            field="site",
        )


def _site_equipment(site: Site) -> SiteEquipment:
    media = RemovableMedium.objects.filter(STANDING_MEDIUM, site=site).order_by("pk")
    return SiteEquipment.of(terminals_standing(site), media)


def removal_pending_terminals(site: Site) -> QuerySet[TerminalLine, int]:
    """The terminals of ``site`` an open or approved removal line names (one column, for the
    registry's life stage 削除申請中 until the office confirms the disposal)."""
    undecided = Q(request__state__in=OPEN_STATES, decision=LineDecision.PENDING) | Q(
        decision=LineDecision.APPROVED
    )
    return TerminalLine.objects.filter(
        undecided, request__site=site, action=LineAction.REMOVE
    ).values_list("terminal_id", flat=True)


def _pending_removals(site: Site) -> tuple[set[int], set[int]]:
    """The terminals and media of ``site`` an open or approved removal line already names."""
    undecided = Q(request__state__in=OPEN_STATES, decision=LineDecision.PENDING) | Q(
        decision=LineDecision.APPROVED
    )
    terminals = removal_pending_terminals(site)
    media = MediumLine.objects.filter(
        undecided, request__site=site, action=LineAction.REMOVE
    ).values_list("medium_id", flat=True)
    return set(terminals), set(media)


def _pending_additions(site: Site) -> tuple[set[str], set[str]]:
    """Names and serial numbers of terminals an open request of the site already asks for."""
    lines = TerminalLine.objects.filter(
        request__site=site,
        request__state__in=OPEN_STATES,
        action=LineAction.ADD,
        decision=LineDecision.PENDING,
    ).values_list("name", "serial_number")
    names, serials = set(), set()
    for name, serial in lines:
        names.add(name)
        serials.add(serial)
    return names, serials


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
    equipment = _site_equipment(site)
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
    terminals, media = _pending_removals(site)
    names, serials = _pending_additions(site)
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
    _check_site(site, kind)
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
    require_permission(actor=actor, action="equipment_request.file", obj=site)
    if kind not in RequestKind.values:
        raise RuleViolation(
            _("Choose the kind of request."), code="invalid_kind", status=422, field="kind"
        )
    if channel not in Channel.values:
        raise ValueError(channel)
    purpose = required_text(purpose, "purpose", PURPOSE_MAX)
    with transaction.atomic():
        locked_site = Site.objects.select_for_update().get(pk=site.pk)
        _check_site(locked_site, kind)
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
        _create_lines(request, actor, values)
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
                "lines": lines_snapshot(request),
            },
        )
        notifications.filed(request, actor)
        _decide_if_done(request, actor=None)
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
            _helpdesk_open(
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


def _create_lines(request: EquipmentRequest, actor: User, values: list[Any]) -> None:
    for position, value in enumerate(values, start=1):
        if isinstance(value, TerminalLineValues):
            TerminalLine.objects.create(
                request=request,
                position=position,
                action=value.action,
                name=value.name,
                model_name=value.model_name,
                serial_number=value.serial_number,
                terminal=value.terminal,
            )
        elif isinstance(value, MediumLineValues):
            _create_medium_line(request, position, value)
        else:
            _create_software_line(request, actor, position, value)


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


def lines_snapshot(request: EquipmentRequest) -> list[dict[str, Any]]:
    """Every line as filed and decided (for the ledger and the API)."""
    if request.kind == RequestKind.TERMINAL:
        return [
            {
                "line": line.position,
                "action": line.action,
                "name": line.name,
                "model_name": line.model_name,
                "serial_number": line.serial_number,
                "terminal": line.terminal_id,
                "decision": line.decision,
                "rule_code": line.rule_code,
            }
            for line in request.terminal_lines.order_by("position")
        ]
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


# The office's review ------------------------------------------------------------------------------
@contextmanager
def _transition(
    request: EquipmentRequest, name: str, actor: User, action: str
) -> Iterator[EquipmentRequest]:
    """Lock the request, check the role and that ``name`` can be taken from its state now, take
    it; the caller records; the ledger event is written after the caller's block."""
    require_permission(actor=actor, action=action, obj=request)
    with transaction.atomic():
        locked = request_lock(request)
        before = locked.state
        move = getattr(locked, name)
        if not can_proceed(move):
            raise RuleViolation(
                _("This cannot be done while the request is {state}.").format(
                    state=locked.get_state_display()
                ),
                code="wrong_state",
            )
        move()
        locked.save()
        yield locked
        audit_record(
            actor=actor,
            action=f"equipment_request.{name}",
            obj=locked,
            company_id=locked.site.company_id,
            before={"state": before},
            after={"state": locked.state},
        )


def request_take_up(*, request: EquipmentRequest, actor: User) -> EquipmentRequest:
    """受理: the office's reviewer takes the request up and becomes its reviewer."""
    with _transition(request, "take_up", actor, "equipment_request.review") as locked:
        locked.reviewer = actor
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["reviewer", "accepted_at"])
        notifications.taken_up(locked, actor)
    return locked


def request_ask(
    *, request: EquipmentRequest, actor: User, message: str, due_on: Any = None
) -> InfoRequest:
    """追加資料依頼 (留意事項(1)): the office asks the PSA for more, by a date if it gives one."""
    message = required_text(message, "message", PURPOSE_MAX)
    if due_on is not None and due_on < timezone.localdate():
        raise RuleViolation(
            _("The date cannot be in the past."), code="date_in_past", status=422, field="due_on"
        )
    with _transition(request, "ask_for_more", actor, "equipment_request.review") as locked:
        if locked.reviewer_id is None:
            locked.reviewer = actor
            locked.accepted_at = timezone.now()
            locked.save(update_fields=["reviewer", "accepted_at"])
        asked = InfoRequest.objects.create(
            request=locked, message=message, due_on=due_on, asked_by=actor
        )
        audit_record(
            actor=actor,
            action="equipment_request.info_request",
            obj=asked,
            company_id=locked.site.company_id,
            after={"request": locked.pk, "message": message, "due_on": due_on},
        )
        notifications.more_asked(locked, asked, actor)
    return asked


def request_answer(*, request: EquipmentRequest, actor: User, answer: str) -> InfoRequest:
    """The PSA answers the office's 追加資料依頼 (documents go to the folder with the request as
    their subject); the review goes on."""
    answer = required_text(answer, "answer", PURPOSE_MAX)
    with _transition(request, "answer", actor, "equipment_request.answer") as locked:
        asked = (
            InfoRequest.objects.select_for_update()
            .filter(request=locked, answered_at__isnull=True)
            .order_by("-asked_at", "-pk")
            .first()
        )
        if asked is None:  # pragma: no cover - the state says there is one
            raise RuleViolation(_("Nothing is asked for."), code="wrong_state")
        asked.answer = answer
        asked.answered_by = actor
        asked.answered_at = timezone.now()
        asked.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(
            actor=actor,
            action="equipment_request.info_answer",
            obj=asked,
            company_id=locked.site.company_id,
            after={"request": locked.pk, "answer": answer},
        )
        notifications.answered(locked, asked, actor)
    return asked


def request_withdraw(*, request: EquipmentRequest, actor: User, reason: str) -> EquipmentRequest:
    """取下げ by the PSA, while undecided. Preinstalled software it declared stays 起動・使用禁止:
    it was never approved."""
    reason = required_text(reason, "reason", PURPOSE_MAX)
    with _transition(request, "withdraw", actor, "equipment_request.withdraw") as locked:
        locked.withdrawn_at = timezone.now()
        locked.withdraw_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdraw_reason"])
        notifications.withdrawn(locked, actor)
    return locked


# Deciding lines ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineVerdict:
    """The office's decision on one line: approve or refuse (a reason is required to refuse);
    ``not_unique_ok`` approves a medium knowing it is not a unique device."""

    line: int  # the line's position
    approve: bool
    reason: str = ""
    not_unique_ok: bool = False


LINE_MODELS: dict[str, type[TerminalLine] | type[SoftwareLine] | type[MediumLine]] = {
    RequestKind.TERMINAL: TerminalLine,
    RequestKind.SOFTWARE: SoftwareLine,
    RequestKind.MEDIUM: MediumLine,
}


def request_decide(
    *, request: EquipmentRequest, actor: User, verdicts: Iterable[LineVerdict], comment: str = ""
) -> EquipmentRequest:
    """The office decides lines of the request; approved lines change the site's registry in
    this transaction. When the last line is decided, the request is decided (承認 / 一部承認 /
    却下) and the PSA is told. Of two reviewers deciding the same line at once, one wins."""
    require_permission(actor=actor, action="equipment_request.review", obj=request)
    verdicts = list(verdicts)
    if not verdicts:
        raise RuleViolation(
            _("Decide at least one line."), code="no_lines", status=422, field="lines"
        )
    with transaction.atomic():
        locked = request_lock(request)
        if locked.state not in (RequestState.FILED, RequestState.UNDER_REVIEW):
            raise RuleViolation(
                _("This cannot be done while the request is {state}.").format(
                    state=locked.get_state_display()
                ),
                code="wrong_state",
            )
        lines = {
            line.position: line
            for line in LINE_MODELS[RequestKind(locked.kind)]
            .objects.select_for_update()
            .filter(request=locked)
        }
        for verdict in verdicts:
            _decide_line(locked, actor, lines, verdict)
        if comment:
            locked.comment = comment.strip()[:PURPOSE_MAX]
            locked.save(update_fields=["comment"])
        _decide_if_done(locked, actor)
    return locked


def _decide_line(
    request: EquipmentRequest, actor: User, lines: dict[int, Any], verdict: LineVerdict
) -> None:
    line = lines.get(verdict.line)
    if line is None:
        raise RuleViolation(
            _("The request has no line {line}.").format(line=verdict.line),
            code="no_such_line",
            status=422,
            field="lines",
        )
    if not line.is_pending:
        raise LineError(
            _("This line is already decided."),
            line=verdict.line,
            field="decision",
            code="line_already_decided",
        )
    reason = (verdict.reason or "").strip()
    if not verdict.approve and not reason:
        raise LineError(
            _("Give the reason for refusing the line."),
            line=verdict.line,
            field="reason",
            code="reason_required",
        )
    if verdict.approve:
        _apply(request, actor, line, verdict)
    line.decision = LineDecision.APPROVED if verdict.approve else LineDecision.REFUSED
    line.rule_code = RULE_OFFICE
    line.reason = reason
    line.decided_by = actor
    line.decided_at = timezone.now()
    line.save()
    if isinstance(line, SoftwareLine) and not verdict.approve:
        _software_decision(line, actor, approved=False)
    audit_record(
        actor=actor,
        action="equipment_request.line_decide",
        obj=request,
        company_id=request.site.company_id,
        after={
            "line": line.position,
            "decision": line.decision,
            "rule_code": line.rule_code,
            "reason": reason,
        },
    )


def _software_decision(line: SoftwareLine, actor: User, *, approved: bool) -> None:
    software_decide(
        terminals=list(line.terminals.order_by("pk")),
        actor=actor,
        values=_software_values(line),
        origin=line,
        approved=approved,
        preinstalled=line.preinstalled,
    )


def _software_values(line: SoftwareLine) -> Any:
    from dsg.registry.software import SoftwareValues

    return SoftwareValues(
        name=line.name,
        vendor=line.vendor,
        version=line.version,
        sha256=line.sha256,
        authenticode_sha256=line.authenticode_sha256,
        signer=line.signer,
    )


def _apply(request: EquipmentRequest, actor: User, line: Any, verdict: LineVerdict) -> None:
    """An approved line changes the registry: a terminal or medium registered, software
    approved. A removal changes nothing yet: the terminal or medium stands until the office
    confirms its disposal (基準 第6第6項第3号・第4号)."""
    site = request.site
    if isinstance(line, TerminalLine) and line.action == LineAction.ADD:
        _still_free(site, line)
        line.terminal = terminal_register(
            site=site,
            actor=actor,
            name=line.name,
            model_name=line.model_name,
            serial_number=line.serial_number,
            origin=line,
            on_approval=True,
        )
    elif isinstance(line, MediumLine) and line.action == LineAction.ADD:
        values = medium_values(line)
        reasons = not_unique_reasons(values)
        if reasons and not verdict.not_unique_ok:
            raise LineError(
                _("The medium cannot be approved as a unique device: {reasons}").format(
                    reasons=" ".join(reasons)
                ),
                line=line.position,
                field="not_unique_ok",
                code="medium_not_unique",
            )
        _terminals_still_standing(site, line)
        line.medium = medium_register(
            site=site,
            actor=actor,
            values=values,
            terminals=line.terminals.all(),
            unique_device=not reasons,
            origin=line,
        )
    elif isinstance(line, SoftwareLine):
        _terminals_still_standing(site, line)
        _software_decision(line, actor, approved=True)


def medium_values(line: MediumLine) -> MediumValues:
    return MediumValues(
        kind=line.kind,
        vendor_id=line.vendor_id,
        product_id=line.product_id,
        serial_number=line.serial_number,
        capacity_gb=line.capacity_gb or 0,  # type: ignore[arg-type]
        custodian=line.custodian,
        usbguard_hash=line.usbguard_hash,
    )


def _still_free(site: Site, line: TerminalLine) -> None:
    """Since filing, another terminal may have taken the name or serial."""
    taken = Terminal.objects.filter(site=site).filter(
        Q(name=line.name) | Q(serial_number=line.serial_number)
    )
    if taken.exists():
        raise LineError(
            _("A terminal of this site now has this name or serial number."),
            line=line.position,
            field="name",
            code="duplicate_name",
        )


def _terminals_still_standing(site: Site, line: Any) -> None:
    named = set(line.terminals.values_list("pk", flat=True))
    standing = set(terminals_standing(site).filter(pk__in=named).values_list("pk", flat=True))
    if named - standing:
        raise LineError(
            _("A terminal of this line was disposed of since the request was filed."),
            line=line.position,
            field="terminals",
            code="terminal_gone",
        )


def _decide_if_done(request: EquipmentRequest, actor: User | None) -> None:
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


# Helpdesk requests (whitelisted software) -------------------------------------------------------
def _helpdesk_open(
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
        _check_site(locked, RequestKind.SOFTWARE)
        equipment = _site_equipment(locked)
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
        return _helpdesk_open(
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
