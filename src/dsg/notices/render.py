"""A notice from its snapshot: HTML template → WeasyPrint PDF → PAdES signature (pyHanko).

Rendering reads only the snapshot, the kind, the number and the issue time, never live data, so
a notice re-rendered years later prints what was issued. The printed notice is an official
document of 防衛装備庁 and is always in Japanese, whatever the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from io import BytesIO
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from dsg.core.wareki import wareki_and_iso_day

from .keys import signing_material
from .models import NoticeKind

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


def notice_render(
    snapshot: Mapping[str, Any], kind: str, number: str, issued_at: dt.datetime
) -> bytes:
    """The unsigned PDF of a notice. Everything printed comes from the arguments."""
    from weasyprint import HTML

    with translation.override("ja"):
        html = render_to_string(
            TEMPLATES[NoticeKind(kind)], notice_context(snapshot, number, issued_at)
        )
    return HTML(string=html).write_pdf()


def notice_sign(pdf: bytes, *, number: str, title: str) -> bytes:
    """PAdES-sign ``pdf`` with the office's notice key (one approval signature over the file)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    material = signing_material()
    signer = signers.SimpleSigner.load(
        str(material.key_path), str(material.cert_path), key_passphrase=material.password
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="DSGNoticeSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"{title} {number} の発行",
        location="東京都新宿区市谷本村町5-1 防衛装備庁",
        name=ISSUER,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    out = signers.sign_pdf(writer, metadata, signer=signer)
    return out.getvalue()


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
