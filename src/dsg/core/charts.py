"""Bar charts drawn on the server as SVG (no script, no build step), each beside a table that
says the same (``templates/_bar_chart.html``): a page builds a ``BarChart`` and includes it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ROW_HEIGHT = 28
BAR_HEIGHT = 18
LABEL_WIDTH = 260  # of the 640 user units of the drawing
CHART_WIDTH = 640
VALUE_ROOM = 60  # right of the longest bar, for its value


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as printed ("12", "8.5", "—")
    y: int
    width: float
    href: str = ""


@dataclass(frozen=True)
class BarChart:
    title: str
    value_label: str
    bars: list[Bar]
    label_heading: str = ""

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT

    @property
    def width(self) -> int:
        return CHART_WIDTH

    @property
    def label_width(self) -> int:
        return LABEL_WIDTH

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def bar_chart(
    title: str,
    value_label: str,
    rows: Iterable[tuple[str, float | None, str]],
    *,
    label_heading: str = "",
) -> BarChart:
    """A horizontal bar chart of ``rows`` (label, value or None, link or ""), bars scaled to the
    largest value."""
    rows = list(rows)
    top = max((value or 0 for _label, value, _href in rows), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = [
        Bar(
            label=label,
            value=value or 0,
            shown="—" if value is None else f"{value:g}",
            y=index * ROW_HEIGHT,
            width=round((value or 0) / top * room, 1),
            href=href,
        )
        for index, (label, value, href) in enumerate(rows)
    ]
    return BarChart(title, value_label, bars, label_heading)


@dataclass(frozen=True)
class CrossTable:
    """Counts of items by kind (rows) and state (columns), with the totals of each kind drawn."""

    title: str
    columns: list[str]
    rows: list[tuple[str, list[int], int]]  # kind, count per state, total
    chart: BarChart


def cross_table(
    title: str,
    *,
    value_label: str,
    kinds: Iterable[tuple[str, Any]],
    states: Iterable[tuple[str, Any]],
    counts: dict[tuple[str, str], int],
) -> CrossTable:
    """``counts`` ((kind, state) -> n) as a table of every kind and state, and a chart of the
    totals per kind."""
    states = list(states)
    rows = []
    for kind, label in kinds:
        per_state = [counts.get((kind, state), 0) for state, _label in states]
        rows.append((str(label), per_state, sum(per_state)))
    chart = bar_chart(title, value_label, [(label, total, "") for label, _n, total in rows])
    return CrossTable(title, [str(label) for _state, label in states], rows, chart)
