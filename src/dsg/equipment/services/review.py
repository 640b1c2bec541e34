"""The office's review: 受理, 追加資料依頼 and its answer, 取下げ, and the decision of each line —
an approved line changes the site's registry in the deciding transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.inputs import required_text
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission
from dsg.registry.media import MediumValues, medium_register, not_unique_reasons
from dsg.registry.models import Terminal
from dsg.registry.selectors import terminals_standing
from dsg.registry.services import terminal_register
from dsg.registry.software import SoftwareValues, software_decide

from .. import notifications
from ..checks import (
    LineError,
)
from ..models import (
    EquipmentRequest,
    InfoRequest,
    LineAction,
    LineDecision,
    MediumLine,
    RequestKind,
    RequestState,
    SoftwareLine,
    TerminalLine,
)
from .common import (
    LINE_MODELS,
    PURPOSE_MAX,
    RULE_OFFICE,
    decide_if_done,
    request_lock,
)


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
        decide_if_done(locked, actor)
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
