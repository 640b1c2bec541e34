"""The office's case list as .xlsx and CSV: the same filters and order as the page, every row.

Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) are neutralised: with a leading apostrophe in CSV (``core.csv_export``), as typed text
(``quotePrefix``) in the workbook, as ``registry.workbook`` writes them. Each export is ledgered
with its filters and its number of rows.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from dsg.audit.services import audit_record
from dsg.core.csv_export import csv_text
from dsg.core.todos import waiting_of
from dsg.orgs.models import User
from dsg.registry.workbook import DATE_FORMAT, FORMULA_START, safe_text

from .models import STEP_NAMES, Enrollment
from .search import CaseQuery

WAITING_LABELS = {
    "company": "加入企業",
    "office": "情報システム管理室",
    "inspector": "防衛装備庁職員（確認者）",
    "provider": "サービス提供事業者",
}
CHUNK = 1000  # cases whose open items are read at once (次の対応者)
HEADER = (
    "加入案件番号",
    "会社名",
    "法人番号",
    "拠点名",
    "都道府県",
    "手続",
    "状態",
    "次の対応者",
    "計画遅れ",
    "到達番号",
    "状態変更日",
    "作成日",
)
STEP_LABELS = {**{n: str(name) for n, name in STEP_NAMES.items()}, 8: "加入完了", 0: "終了"}


def _row(case: Enrollment, *, receipts: bool, waiting: list[str]) -> list[Any]:
    application = getattr(case, "application", None)
    return [
        case.number,
        case.site.company.name,
        case.site.company.corporate_number or "",
        case.site.name,
        case.site.get_prefecture_display(),
        STEP_LABELS[case.step],
        str(case.get_state_display()),
        "、".join(WAITING_LABELS.get(party, party) for party in waiting),
        "遅れ" if getattr(case, "behind_plan", False) else "",
        application.receipt_number if receipts and application is not None else "",
        timezone.localdate(case.state_changed_at),
        timezone.localdate(case.created_at),
    ]


def case_rows(cases: QuerySet[Enrollment], *, user: User, receipts: bool) -> list[list[Any]]:
    """Every row; 次の対応者 from the cases' open items as the homes say it (core.todos, read
    ``CHUNK`` cases at a time), else from the state."""
    rows: list[list[Any]] = []
    listed = list(cases)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        waiting = waiting_of(user=user, cases={"enrollment": [case.pk for case in chunk]})
        for case in chunk:
            parties = waiting.get(("enrollment", case.pk)) or (
                [case.waiting_on] if case.waiting_on else []
            )
            rows.append(_row(case, receipts=receipts, waiting=parties))
    return rows


def _ledger(user: User, query: CaseQuery, fmt: str, count: int) -> None:
    with transaction.atomic():
        audit_record(
            actor=user,
            action="enrollment.search_export",
            obj=user,
            after={"format": fmt, "filters": query.params(), "rows": count},
        )


def cases_csv(*, user: User, query: CaseQuery, rows: list[list[Any]]) -> str:
    _ledger(user, query, "csv", len(rows))
    return csv_text([list(HEADER), *rows])


def _cells(sheet: Any, values: list[Any], *, bold: bool = False) -> list[WriteOnlyCell]:
    """One row of write-only cells: texts stay texts (a formula start marked as typed text,
    ``quotePrefix``), dates are Excel dates."""
    cells = []
    for value in values:
        text = isinstance(value, str)
        cell = WriteOnlyCell(sheet, value=safe_text(value) if text else value)
        if text:
            cell.data_type = "s"  # openpyxl would read "=…" as a formula
            cell.quotePrefix = value.startswith(FORMULA_START)
        elif isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def cases_xlsx(*, user: User, query: CaseQuery, rows: Iterable[list[Any]]) -> bytes:
    """The rows as a workbook, written row by row (openpyxl's write-only mode: constant time per
    row, whatever their number)."""
    rows = list(rows)
    _ledger(user, query, "xlsx", len(rows))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("加入案件")
    sheet.freeze_panes = "A2"
    sheet.append(_cells(sheet, list(HEADER), bold=True))
    for row in rows:
        sheet.append(_cells(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
