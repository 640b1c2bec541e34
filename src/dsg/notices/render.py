"""A notice from its snapshot: HTML template → WeasyPrint PDF → PAdES signature (pyHanko).

Rendering reads only the snapshot, the kind, the number and the issue time, never live data, so
a notice re-rendered years later prints what was issued. The printed notice is an official
document of 防衛装備庁 and is always in Japanese, whatever the reader's language.

Speed (docs/performance.md, "Notices"): each process keeps one WeasyPrint ``FontConfiguration``
(Pango's font map, so the IPAex fonts are opened and measured once, not per notice) and one
signer per key with the size its signature needs (pyHanko otherwise loads the key and makes a
dry-run signature to size the placeholder before every real one). Both are per thread and
per process: Pango's font map is not shared across threads, and a forked worker builds its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any, TypeVar

from django.template.loader import render_to_string
from django.utils import translation

from dsg.core.wareki import wareki_and_iso_day

from .keys import SigningMaterial, signing_material
from .models import NoticeKind

T = TypeVar("T")

if TYPE_CHECKING:
    from pyhanko.sign.signers import SimpleSigner
    from weasyprint.text.fonts import FontConfiguration

ISSUER = "防衛装備庁 情報システム管理室"
NUMBER_KEYWORD = "dsg-notice-number:"
RESULT_LABELS = {
    "conforming": "適合",
    "conform": "適合",
    "pass": "適合",
    "nonconforming": "不適合",
    "nonconform": "不適合",
    "fail": "不適合",
    "not_applicable": "該当なし",
    "na": "該当なし",
    "unchecked": "未確認",
    "": "未確認",
}
OUTCOME_LABELS = {
    "passed": "適合（確認済み）",
    "pass": "適合（確認済み）",
    "deficiencies": "不適合事項あり（改善措置を要する）",
    "remediation_required": "不適合事項あり（改善措置を要する）",
    "reinspection_required": "不適合事項あり（再確認を要する）",
    "deemed_by_audit": "監査結果により実施したものとみなす",
}
STEP_TITLES = {2: "② 現地確認", 7: "⑦ 最終現地確認"}
TEMPLATES = {
    NoticeKind.INSPECTION_RESULT: "notices/inspection_result.html",
    NoticeKind.COMPLETION: "notices/completion.html",
}


def modules_load() -> None:
    """Import WeasyPrint and pyHanko now (~1–3 s): done once before forking a batch's workers,
    so that each does not import them again for its first notice."""
    import pyhanko.pdf_utils.incremental_writer  # noqa: F401
    import pyhanko.pdf_utils.reader  # noqa: F401
    import pyhanko.sign.signers  # noqa: F401
    import weasyprint  # noqa: F401
    import weasyprint.text.fonts  # noqa: F401


def notice_render(
    snapshot: Mapping[str, Any], kind: str, number: str, issued_at: dt.datetime
) -> bytes:
    """The unsigned PDF of a notice. Everything printed comes from the arguments."""
    from weasyprint import HTML

    with translation.override("ja"):
        html = render_to_string(
            TEMPLATES[NoticeKind(kind)], notice_context(snapshot, number, issued_at)
        )
    return HTML(string=html).write_pdf(font_config=_cached().font_config())


@dataclass
class _Signer:
    signer: SimpleSigner
    bytes_reserved: int | None = None  # hex digits of the signature's placeholder, once known


class _Cache(threading.local):
    """What one thread of one process keeps between notices (see the module's docstring)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.fonts: FontConfiguration | None = None
        self.signers: dict[tuple[SigningMaterial, float, float], _Signer] = {}

    def font_config(self) -> FontConfiguration:
        if self.fonts is None:
            from weasyprint.text.fonts import FontConfiguration

            self.fonts = FontConfiguration()
        return self.fonts

    def signer(self, material: SigningMaterial) -> _Signer:
        """The signer of ``material``, loaded again when its key or certificate file changes."""
        from pyhanko.sign import signers

        key = (material, material.key_path.stat().st_mtime, material.cert_path.stat().st_mtime)
        cached = self.signers.get(key)
        if cached is None:
            self.signers.clear()
            loaded = signers.SimpleSigner.load(
                str(material.key_path), str(material.cert_path), key_passphrase=material.password
            )
            if loaded is None:
                raise RuntimeError(f"cannot load the notice signing key {material.key_path}")
            cached = self.signers[key] = _Signer(loaded)
        return cached


_local = _Cache()


def _cached() -> _Cache:
    global _local
    if _local.pid != os.getpid():  # a forked child: nothing of the parent's Pango or key state
        _local = _Cache()
    return _local


def notice_sign(pdf: bytes, *, number: str, title: str) -> bytes:
    """PAdES-sign ``pdf`` with the office's notice key (one approval signature over the file)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    cached = _cached().signer(signing_material())
    metadata = signers.PdfSignatureMetadata(
        field_name="DSGNoticeSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"{title} {number} の発行",
        location="東京都新宿区市谷本村町5-1 防衛装備庁",
        name=ISSUER,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    out = _outside_event_loop(
        lambda: signers.sign_pdf(
            writer, metadata, signer=cached.signer, bytes_reserved=cached.bytes_reserved
        )
    )
    signed = out.getvalue()
    if cached.bytes_reserved is None:
        # pyHanko sized the first signature with a dry run (with its margin); the next ones of
        # this key reuse that size: the signature of one key and one certificate does not grow.
        cached.bytes_reserved = _reserved(signed)
    return signed


def _outside_event_loop(sign: Callable[[], T]) -> T:
    """pyHanko's synchronous ``sign_pdf`` runs its own event loop (``asyncio.run``), which Python
    refuses in a thread whose loop is running (an async caller; Playwright's sync API in the
    browser tests): there the signature is made in a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return sign()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="notice-sign") as pool:
        return pool.submit(sign).result()


def _reserved(signed: bytes) -> int | None:
    """The hex digits pyHanko reserved for the signature of ``signed``."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    signatures = PdfFileReader(BytesIO(signed), strict=False).embedded_signatures
    if not signatures:
        return None
    return 2 * len(signatures[-1].sig_object["/Contents"])


def dual_date(value: Any) -> str:
    """令和8年11月26日（2026-11-26）from a date, a moment or an ISO string; a moment's day is
    the day in Asia/Tokyo. Anything else is printed as given."""
    day = _as_day(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    return wareki_and_iso_day(day)


def _as_day(value: Any) -> dt.date | dt.datetime | None:
    """A date or a moment; an ISO string is read as a moment when it has a time, else a date."""
    if isinstance(value, dt.date):  # a datetime is a date too
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.datetime.fromisoformat(text)  # a date alone reads as its (naive) midnight
        except ValueError:
            pass
        try:
            return dt.date.fromisoformat(text[:10])  # "2026-11-26 …": the day as written
        except ValueError:
            return None
    return None


def _mapping(value: Any, key: str = "name") -> dict[str, Any]:
    """A snapshot part as a dict: a bare string stands for its ``key``."""
    if isinstance(value, Mapping):
        return dict(value)
    return {key: value} if value not in (None, "") else {}


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _step(inspection: Mapping[str, Any]) -> int:
    kind = inspection.get("kind", inspection.get("step"))
    if kind in (7, "7", "final"):
        return 7
    return 2


def notice_context(
    snapshot: Mapping[str, Any], number: str, issued_at: dt.datetime
) -> dict[str, Any]:
    """The template's context, normalised so that a missing or odd part never breaks a render."""
    snapshot = snapshot if isinstance(snapshot, Mapping) else {}
    inspection = _mapping(snapshot.get("inspection"), "outcome")
    completion = _mapping(snapshot.get("completion"), "started_on")
    return {
        "number": number,
        "issued_on": dual_date(issued_at),
        "issuer": ISSUER,
        "number_keyword": NUMBER_KEYWORD + number,
        "company": _mapping(snapshot.get("company")),
        "site": _mapping(snapshot.get("site")),
        "psa": _mapping(snapshot.get("psa")),
        "case_number": _text(snapshot.get("case_number")),
        "inspection": _inspection_context(inspection) if inspection else None,
        "completion": _completion_context(completion) if completion else None,
    }


def _inspection_context(inspection: dict[str, Any]) -> dict[str, Any]:
    items = []
    for raw in _items(inspection.get("items")):
        item = _mapping(raw, "text")
        result = _text(item.get("result"))
        items.append(
            {
                "code": _text(item.get("code")),
                "theme": _text(item.get("theme")),
                "text": _text(item.get("text")),
                "result": RESULT_LABELS.get(result.lower(), result),
                "nonconforming": RESULT_LABELS.get(result.lower(), result) == "不適合",
                "note": _text(item.get("note")),
                "no_remediation_reason": _text(item.get("no_remediation_reason")),
            }
        )
    deficiencies = [
        {"item": _text(d.get("item")), "due_date": dual_date(d.get("due_date"))}
        for d in (_mapping(raw, "item") for raw in _items(inspection.get("deficiencies")))
    ]
    outcome = _text(inspection.get("outcome"))
    step = _step(inspection)
    return {
        "step": step,
        "step_title": STEP_TITLES[step],
        "round": _text(inspection.get("round")),
        "checklist": _text(inspection.get("checklist")),
        "performed_on": dual_date(inspection.get("performed_on")),
        "inspector": _text(_mapping(inspection.get("inspector")).get("name")),
        "outcome": OUTCOME_LABELS.get(outcome.lower(), outcome),
        "items": items,
        "deficiencies": deficiencies,
        "no_remediation": [i for i in items if i["no_remediation_reason"]],
        "on_paper": bool(inspection.get("on_paper")),
        "audit_result": _audit_result_context(_mapping(inspection.get("audit_result"), "title")),
    }


def _audit_result_context(audit: dict[str, Any]) -> dict[str, Any] | None:
    """The audit result that stood in for the visit (§3② ※), as the snapshot names it."""
    if not audit:
        return None
    return {
        "title": _text(audit.get("title")),
        "dated_on": dual_date(audit.get("dated_on")),
        "filename": _text(audit.get("filename")),
    }


def _completion_context(completion: dict[str, Any]) -> dict[str, Any]:
    terminals = []
    for raw in _items(completion.get("terminals")):
        terminal = _mapping(raw)
        terminals.append(
            {
                "name": _text(terminal.get("name")),
                "model_name": _text(terminal.get("model_name", terminal.get("model"))),
                "serial_number": _text(terminal.get("serial_number", terminal.get("serial"))),
            }
        )
    return {"started_on": dual_date(completion.get("started_on")), "terminals": terminals}
