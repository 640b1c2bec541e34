"""The Gantt chart of a plan as plain data: week columns, one planned and one actual bar
per step, month gridlines and the today line. Rendered as an HTML table (no JavaScript, no
inline styles, so the CSP holds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

from .calendar import ONE_DAY
from .planner import Plan

WEEK = dt.timedelta(days=7)
MAX_WEEKS = 104


@dataclass(frozen=True)
class Week:
    monday: dt.date
    month_start: dt.date | None  # the 1st of a month that falls in this week
    is_today: bool


@dataclass(frozen=True)
class GanttRow:
    step: int
    start: dt.date
    end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    slipped: bool
    planned: list[str]  # per week: the cell's CSS classes
    actual: list[str]


class GanttChart(TypedDict):
    weeks: list[Week]
    rows: list[GanttRow]


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _cells(weeks: list[Week], first: dt.date | None, last: dt.date | None, bar: str) -> list[str]:
    """The CSS classes of each week's cell: gridline, today line, and the bar if it covers it."""
    classes = []
    for week in weeks:
        names = ["gantt__cell"]
        if week.month_start:
            names.append("gantt__month")
        if week.is_today:
            names.append("gantt__today")
        if first and last and week.monday <= last and first <= week.monday + 6 * ONE_DAY:
            names.append(bar)
        classes.append(" ".join(names))
    return classes


def gantt(plan: Plan, today: dt.date) -> GanttChart:
    days = [plan.start, plan.completion, today]
    for s in plan.steps:
        days += [d for d in (s.start, s.end, s.actual_start, s.actual_end) if d]
    first, last = _monday(min(days)), _monday(max(days))
    weeks: list[Week] = []
    monday = first
    while monday <= last and len(weeks) < MAX_WEEKS:
        firsts = [monday + n * ONE_DAY for n in range(7) if (monday + n * ONE_DAY).day == 1]
        weeks.append(Week(monday, firsts[0] if firsts else None, monday <= today < monday + WEEK))
        monday += WEEK
    rows: list[GanttRow] = []
    for s in plan.steps:
        actual_last = s.actual_end
        if s.actual_start and not s.actual_end:  # under way: the actual bar runs up to today
            actual_last = max(today, s.actual_start)
        bar = "gantt__bar gantt__bar--slipped" if s.slipped else "gantt__bar"
        rows.append(
            GanttRow(
                s.step,
                s.start,
                s.end,
                s.actual_start,
                s.actual_end,
                s.slipped,
                _cells(weeks, s.start, s.end, bar),
                _cells(weeks, s.actual_start, actual_last, "gantt__bar gantt__bar--actual"),
            )
        )
    return {"weeks": weeks, "rows": rows}
