"""The checks of a request's lines, the same for a page, the API and an .xlsx row.

Each check takes what was typed (strings, as a form or a spreadsheet gives them) and returns the
values to store, or raises a ``LineError`` naming the line and the field: the .xlsx reader turns
it into sheet, row and column; forms and the API into a field error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation
from dsg.registry.media import MediumValues
from dsg.registry.models import MediumKind, RemovableMedium, Terminal
from dsg.registry.software import SoftwareValues

from .models import LineAction

HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
USB_ID = re.compile(r"\A[0-9a-f]{4}\Z")
USBGUARD_HASH = re.compile(r"\A[A-Za-z0-9+/]{43}=\Z")
TEXT_MAX = 2000


class LineError(RuleViolation):
    """A refused line: ``line`` (1-based) and ``field`` name where."""

    def __init__(self, message: Any, *, line: int, field: str, code: str = "invalid") -> None:
        super().__init__(message, code=code, status=422, field=field)
        self.line = line


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if value.__class__ is str and value.isascii():  # NFKC leaves ASCII as it is: most cells
        return value.strip()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _required(data: Mapping[str, Any], key: str, line: int, max_length: int) -> str:
    value = _text(data, key)
    if not value:
        raise LineError(_("This field is required."), line=line, field=key, code="required")
    if len(value) > max_length:
        raise LineError(
            _("This text is too long (at most {limit} characters).").format(limit=max_length),
            line=line,
            field=key,
            code="too_long",
        )
    return value


def _optional(data: Mapping[str, Any], key: str, line: int, max_length: int) -> str:
    value = _text(data, key)
    if len(value) > max_length:
        raise LineError(
            _("This text is too long (at most {limit} characters).").format(limit=max_length),
            line=line,
            field=key,
            code="too_long",
        )
    return value


def _sha256(data: Mapping[str, Any], key: str, line: int) -> str:
    value = _text(data, key).lower()
    if value and not HEX64.match(value):
        raise LineError(
            _("Enter the SHA-256 as 64 hexadecimal digits."), line=line, field=key, code="sha256"
        )
    return value


def _flag(data: Mapping[str, Any], key: str, line: int) -> bool:
    value = data.get(key)
    if isinstance(value, bool):
        return value
    text = _text(data, key).lower()
    if text in {"", "0", "false", "no", "いいえ", "無", "なし", "×"}:
        return False
    if text in {"1", "true", "yes", "はい", "有", "あり", "○", "〇"}:
        return True
    raise LineError(
        _("Answer yes or no (はい / いいえ)."), line=line, field=key, code="invalid_choice"
    )


# Built once: LineAction.values builds its list (and the choices' labels) on every call, which
# was a tenth of checking the rows of a 500-line form (bench/imports.py).
_ACTIONS = frozenset(LineAction.values)
_ACTION_ALIASES = {"登録": LineAction.ADD, "追加": LineAction.ADD, "削除": LineAction.REMOVE}


def _action(data: Mapping[str, Any], line: int) -> str:
    value = _text(data, "action").lower()
    value = _ACTION_ALIASES.get(value, value)
    if value not in _ACTIONS:
        raise LineError(
            _("Choose register (登録) or remove (削除)."),
            line=line,
            field="action",
            code="invalid_choice",
        )
    return value


@dataclass
class SiteEquipment:
    """What a site holds, read once for checking every line of a request."""

    terminals: dict[str, Terminal]  # by ref (T-000001) and by name
    media: dict[str, RemovableMedium]  # by ref
    terminal_serials: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, terminals: Iterable[Terminal], media: Iterable[RemovableMedium]) -> SiteEquipment:
        by_key: dict[str, Terminal] = {}
        serials = set()
        for terminal in terminals:
            by_key[terminal.ref] = terminal
            by_key[terminal.name] = terminal
            serials.add(terminal.serial_number)
        return cls(terminals=by_key, media={m.ref: m for m in media}, terminal_serials=serials)

    def terminal(self, key: str, line: int, field_name: str) -> Terminal:
        terminal = self.terminals.get(
            key.strip().upper() if key.strip().upper().startswith("T-") else key.strip()
        )
        if terminal is None:
            raise LineError(
                _("{key} is not a terminal of this site.").format(key=key),
                line=line,
                field=field_name,
                code="wrong_terminal",
            )
        return terminal

    def terminal_list(self, data: Mapping[str, Any], line: int) -> list[Terminal]:
        raw = data.get("terminals")
        keys: Sequence[Any]
        if isinstance(raw, (list, tuple)):
            keys = raw
        else:
            keys = [k for k in re.split(r"[,、，\s]+", _text(data, "terminals")) if k]
        if not keys:
            raise LineError(
                _("Name at least one terminal of this site."),
                line=line,
                field="terminals",
                code="required",
            )
        chosen: dict[int, Terminal] = {}
        for key in keys:
            terminal = (
                self._by_pk(key)
                if isinstance(key, int)
                else self.terminal(str(key), line, "terminals")
            )
            if terminal is None:
                raise LineError(
                    _("{key} is not a terminal of this site.").format(key=key),
                    line=line,
                    field="terminals",
                    code="wrong_terminal",
                )
            chosen[terminal.pk] = terminal
        return [chosen[pk] for pk in sorted(chosen)]

    def _by_pk(self, pk: int) -> Terminal | None:
        return next((t for t in self.terminals.values() if t.pk == pk), None)

    def medium(self, key: Any, line: int) -> RemovableMedium:
        medium = None
        if isinstance(key, int):
            medium = next((m for m in self.media.values() if m.pk == key), None)
        elif key:
            medium = self.media.get(str(key).strip().upper())
        if medium is None:
            raise LineError(
                _("{key} is not a removable medium of this site.").format(key=key),
                line=line,
                field="medium",
                code="wrong_medium",
            )
        return medium


# Terminal lines ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TerminalLineValues:
    action: str
    name: str = ""
    model_name: str = ""
    serial_number: str = ""
    terminal: Terminal | None = None


def terminal_line(data: Mapping[str, Any], line: int, site: SiteEquipment) -> TerminalLineValues:
    action = _action(data, line)
    if action == LineAction.REMOVE:
        key = data.get("terminal")
        key = key if isinstance(key, int) else _text(data, "terminal")
        terminal = (
            site._by_pk(key) if isinstance(key, int) else site.terminal(key, line, "terminal")
        )
        if terminal is None:
            raise LineError(
                _("{key} is not a terminal of this site.").format(key=key),
                line=line,
                field="terminal",
                code="wrong_terminal",
            )
        return TerminalLineValues(action=action, terminal=terminal)
    name = _required(data, "name", line, 100)
    serial = _required(data, "serial_number", line, 100)
    if name in site.terminals:
        raise LineError(
            _("A terminal of this site is already named {name}.").format(name=name),
            line=line,
            field="name",
            code="duplicate_name",
        )
    if serial in site.terminal_serials:
        raise LineError(
            _("A terminal of this site already has the serial number {serial}.").format(
                serial=serial
            ),
            line=line,
            field="serial_number",
            code="duplicate_serial",
        )
    return TerminalLineValues(
        action=action,
        name=name,
        model_name=_required(data, "model_name", line, 100),
        serial_number=serial,
    )


# Software lines ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SoftwareLineValues:
    software: SoftwareValues
    preinstalled: bool
    installs_online: bool
    updates_online: bool
    install_method: str
    update_method: str
    terminals: list[Terminal]


def software_line(data: Mapping[str, Any], line: int, site: SiteEquipment) -> SoftwareLineValues:
    return SoftwareLineValues(
        software=SoftwareValues(
            name=_required(data, "name", line, 200),
            vendor=_required(data, "vendor", line, 200),
            version=_required(data, "version", line, 100),
            sha256=_sha256(data, "sha256", line),
            authenticode_sha256=_sha256(data, "authenticode_sha256", line),
            signer=_optional(data, "signer", line, 200),
        ),
        preinstalled=_flag(data, "preinstalled", line),
        installs_online=_flag(data, "installs_online", line),
        updates_online=_flag(data, "updates_online", line),
        install_method=_required(data, "install_method", line, TEXT_MAX),
        update_method=_required(data, "update_method", line, TEXT_MAX),
        terminals=site.terminal_list(data, line),
    )


# Medium lines ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MediumLineValues:
    action: str
    medium_values: MediumValues | None = None
    terminals: tuple[Terminal, ...] = ()
    medium: RemovableMedium | None = None


def _usb_id(data: Mapping[str, Any], key: str, line: int) -> str:
    value = _text(data, key).lower().removeprefix("0x")
    if not USB_ID.match(value):
        raise LineError(
            _("Enter the ID as four hexadecimal digits, such as 0781."),
            line=line,
            field=key,
            code="usb_id",
        )
    return value


def _capacity(data: Mapping[str, Any], line: int) -> Decimal:
    text = _text(data, "capacity_gb").upper().removesuffix("GB").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or value <= 0 or value >= Decimal("100000000"):
        raise LineError(
            _("Enter the capacity in GB, a number greater than 0."),
            line=line,
            field="capacity_gb",
            code="capacity",
        )
    return value.quantize(Decimal("0.1"))


def _medium_kind(data: Mapping[str, Any], line: int) -> str:
    value = _text(data, "kind")
    labels = {str(label).split(" (")[0].lower(): key for key, label in MediumKind.choices}
    japanese = {
        "usbメモリ": "usb_memory",
        "外付けhdd・ssd": "external_disk",
        "外付けhdd": "external_disk",
        "外付けssd": "external_disk",
        "sdカード等": "memory_card",
        "sdカード": "memory_card",
        "光ディスク": "optical",
        "その他": "other",
    }
    key = value.lower()
    key = japanese.get(key, labels.get(key, key))
    if key not in MediumKind.values:
        raise LineError(
            _("Choose the kind of medium."), line=line, field="kind", code="invalid_choice"
        )
    return key


def medium_line(data: Mapping[str, Any], line: int, site: SiteEquipment) -> MediumLineValues:
    action = _action(data, line)
    if action == LineAction.REMOVE:
        key = data.get("medium")
        return MediumLineValues(
            action=action,
            medium=site.medium(key if isinstance(key, int) else _text(data, "medium"), line),
        )
    usbguard_hash = _text(data, "usbguard_hash")
    if usbguard_hash and not USBGUARD_HASH.match(usbguard_hash):
        raise LineError(
            _('Enter the hash as USBGuard prints it: 44 characters of base64 ending in "=".'),
            line=line,
            field="usbguard_hash",
            code="usbguard_hash",
        )
    return MediumLineValues(
        action=action,
        medium_values=MediumValues(
            kind=_medium_kind(data, line),
            vendor_id=_usb_id(data, "vendor_id", line),
            product_id=_usb_id(data, "product_id", line),
            serial_number=_optional(data, "serial_number", line, 126),
            capacity_gb=_capacity(data, line),
            custodian=_required(data, "custodian", line, 100),
            usbguard_hash=usbguard_hash,
        ),
        terminals=tuple(site.terminal_list(data, line)),
    )
