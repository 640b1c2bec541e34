"""The §5 requests as the pages show them: a rule's code by its meaning, each line's summary, and
why a medium is not a unique device (for the office's eyes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dsg.registry.media import not_unique_reasons
from dsg.registry.models import RemovableMedium
from dsg.registry.selectors import STANDING

from . import services
from .models import (
    LineAction,
    LineDecision,
    MediumLine,
    RequestKind,
    RequestState,
    TerminalLine,
)

# What a rule code recorded on a line's decision means (留意事項 of §5②).
RULE_MEANINGS = {
    services.RULE_ONLINE: gettext_lazy(
        "Software that needs online installation or updates is not approved (留意事項(2))."
    ),
    services.RULE_OFFICE: gettext_lazy(
        "Decided by the office's review and verification (留意事項(1))."
    ),
}


def rule_meaning(code: str) -> str:
    """The meaning of a rule code; an unknown code as it is."""
    meaning = RULE_MEANINGS.get(code)
    return str(meaning) if meaning is not None else code


def line_title(line: Any) -> str:
    """What the line is about, in a few words: "PC-10 (ThinkPad, SN10)", "T-000001",
    "CAD Viewer 3.1 (Example KK)", "USB memory 0781:5581 32 GB"."""
    if isinstance(line, MediumLine):
        if line.action == LineAction.REMOVE:
            return line.medium.ref if line.medium else "—"
        capacity = f" {line.capacity_gb.normalize():f} GB" if line.capacity_gb is not None else ""
        return f"{line.get_kind_display()} {line.vendor_id}:{line.product_id}{capacity}"
    if isinstance(line, TerminalLine):
        if line.action == LineAction.REMOVE:
            terminal = line.terminal
            return f"{terminal.ref} {terminal.name}" if terminal else "—"
        return f"{line.name} ({line.model_name}, {line.serial_number})"
    return f"{line.name} {line.version} ({line.vendor})"


def terminal_refs(line: Any) -> str:
    """The terminals a software or medium line names, by reference and name."""
    terminals = getattr(line, "terminals", None)
    if terminals is None:
        return ""
    return ", ".join(f"{t.ref} {t.name}" for t in terminals.all())


def decorate(lines: list[Any], *, office: bool) -> list[Any]:
    """Each line with its title, terminals, the meaning of its rule, and — for the office, on a
    medium to register that is still pending — why it is not a unique device (one query for
    every line, one more for each line that conflicts)."""
    reasons = _not_unique(lines) if office else {}
    for line in lines:
        line.title = line_title(line)
        line.terminal_list = terminal_refs(line)
        line.rule_text = rule_meaning(line.rule_code) if line.rule_code else ""
        # A rule's own reason says what its meaning says: shown once.
        line.reason_text = "" if line.rule_code == services.RULE_ONLINE else line.reason
        line.not_unique = reasons.get(line.position, [])
    return lines


def _not_unique(lines: Iterable[Any]) -> dict[int, list[str]]:
    pending = [
        line
        for line in lines
        if isinstance(line, MediumLine)
        and line.action == LineAction.ADD
        and line.decision == LineDecision.PENDING
    ]
    if not pending:
        return {}
    keyed = [line for line in pending if line.serial_number]
    taken: set[tuple[str, str, str]] = set()
    if keyed:
        match = Q()
        for line in keyed:
            match |= Q(
                vendor_id=line.vendor_id,
                product_id=line.product_id,
                serial_number=line.serial_number,
            )
        taken = set(
            RemovableMedium.objects.filter(STANDING)
            .filter(match)
            .values_list("vendor_id", "product_id", "serial_number")
        )
    return {
        line.position: not_unique_reasons(services.medium_values(line))
        for line in pending
        if not line.serial_number or (line.vendor_id, line.product_id, line.serial_number) in taken
    }


def age_days(request: Any) -> int:
    """Whole days since the request was filed."""
    return (timezone.now() - request.filed_at).days


def waiting_on(request: Any) -> str:
    """Whose move it is: "company" (a 追加資料依頼 to answer), "office", or "" (closed)."""
    if request.state == RequestState.INFO_REQUESTED:
        return "company"
    if request.is_open:
        return "office"
    return ""


def kind_choices() -> list[tuple[str, Any]]:
    return list(RequestKind.choices)


def withdraw_consequence() -> list[str]:
    return [
        _(
            "The request is withdrawn (取下げ). This ends it: it cannot be reopened, and the "
            "office decides none of its lines. Its records and documents are kept."
        ),
        _(
            "Nothing enters the site's registry. Preinstalled software declared by the request "
            "stays forbidden to start or use (起動・使用禁止): it was never approved."
        ),
    ]


def decide_consequence(kind: str, approving: bool, refusing: bool) -> list[str]:
    lines = []
    if approving:
        lines.append(
            {
                RequestKind.TERMINAL: _(
                    "Each approved line changes the site's registry now: a terminal to register "
                    "is registered; a terminal to remove stays until its disposal is confirmed."
                ),
                RequestKind.SOFTWARE: _(
                    "Each approved line changes the site's registry now: the software is approved "
                    "on the terminals it names and enters the site's policy export."
                ),
                RequestKind.MEDIUM: _(
                    "Each approved line changes the site's registry now: the medium is registered "
                    "on the terminals it names; a medium to remove stays until its disposal is "
                    "confirmed."
                ),
            }[RequestKind(kind)]
        )
    if refusing:
        lines.append(
            _(
                "Each refused line (却下) is ended with your reason: the company reads it, and "
                "would have to file a new request."
            )
        )
    lines.append(
        _(
            "A decision cannot be undone. When no line is left undecided, the request is "
            "decided and the company's protection system administrator is told."
        )
    )
    return lines
