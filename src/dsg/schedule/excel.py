"""The スケジュール表 as an Excel sheet, like the second sheet of the official application form.

``write_schedule_sheet(worksheet, plan)`` fills any openpyxl worksheet (the application-form
workbook puts it second); ``schedule_workbook`` makes a workbook of its own;
``read_schedule_sheet(rows)`` reads the step dates back from the rows of such a sheet (as
python-calamine or openpyxl give them).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from dsg.core.wareki import wareki

from .planner import Plan
from .steps import STEP_SUMMARIES

SHEET_TITLE = "スケジュール表"
HEADER = (
    "手続き",
    "開始予定日",
    "終了予定日",
    "開始予定日（和暦）",
    "終了予定日（和暦）",
    "営業日数",
    "開始実績",
    "終了実績",
)
DATE_FORMAT = "yyyy-mm-dd"
HEADER_ROW = 5
_FILL = PatternFill("solid", fgColor="DDE7F5")


def write_schedule_sheet(worksheet: Worksheet, plan: Plan, *, heading: str = "") -> None:
    """Write the plan to ``worksheet``: a heading, start and completion, one row per step,
    then the plan's warnings. Dates are real Excel dates, also written in 和暦."""
    worksheet.title = SHEET_TITLE
    worksheet["A1"] = heading or "加入完了（利用開始）までのスケジュール表"
    worksheet["A1"].font = Font(bold=True, size=14)
    _date_row(worksheet, 2, "申請日", plan.start)
    _date_row(worksheet, 3, "加入完了予定日", plan.completion)
    worksheet.append([])
    worksheet.append(list(HEADER))
    for cell in worksheet[HEADER_ROW]:
        cell.font, cell.fill = Font(bold=True), _FILL
    for step in plan.steps:
        worksheet.append(
            [
                STEP_SUMMARIES[step.step],
                step.start,
                step.end,
                wareki(step.start),
                wareki(step.end),
                step.business_days,
                step.actual_start,
                step.actual_end,
            ]
        )
        for cell in worksheet[worksheet.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
    if plan.warnings:
        worksheet.append([])
        worksheet.append(["注意"])
        for warning in plan.warnings:
            worksheet.append([warning.message])
    for column, width in zip("ABCDEFGH", (34, 13, 13, 20, 20, 10, 13, 13), strict=True):
        worksheet.column_dimensions[column].width = width
    worksheet.freeze_panes = worksheet.cell(row=HEADER_ROW + 1, column=1)


def _date_row(worksheet: Worksheet, row: int, label: str, day: dt.date) -> None:
    worksheet.cell(row=row, column=1, value=label).font = Font(bold=True)
    cell = worksheet.cell(row=row, column=2, value=day)
    cell.number_format = DATE_FORMAT
    worksheet.cell(row=row, column=4, value=wareki(day)).alignment = Alignment(horizontal="left")


def schedule_workbook(plan: Plan, *, heading: str = "") -> bytes:
    workbook = Workbook()
    write_schedule_sheet(workbook.active, plan, heading=heading)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def read_schedule_sheet(rows: Iterable[Iterable[Any]]) -> list[dict[str, Any]]:
    """The steps of a schedule sheet: [{"step": 1..7, "start": date, "end": date}, ...]."""
    labels = {label: step for step, label in STEP_SUMMARIES.items()}
    steps = []
    for row in rows:
        cells = list(row)
        if len(cells) >= 3 and cells[0] in labels:
            start, end = _as_date(cells[1]), _as_date(cells[2])
            if start and end:
                steps.append({"step": labels[cells[0]], "start": start, "end": end})
    return steps
