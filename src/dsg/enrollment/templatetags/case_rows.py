"""The rows of a list of cases (``enrollment/_case_table.html``), drawn in Python.

The office's and the provider's homes show up to 90 cases in nine step lists, the step lists
and the overview 50 more; drawn by the template language, a row cost ~0.35 ms (a dozen
variables, a ``{% url %}``, the waiting parties' loop): a sixth of the office's home (#14,
docs/performance.md, the sixth run). ``{% case_rows cases %}`` writes the same HTML, byte for
byte, as the loop it replaced (``tests/enrollment/test_case_rows.py`` holds the two together).
Its 90 rows then took ~15 ms on a loaded machine, most of it Django's ``date`` filter (~40 µs a
date), ``conditional_escape``'s lazy wrapper and each row's labels translated anew; the date is
written from its fields, the escapes are ``html.escape``'s and the labels are looked up once a
table: ~5 ms (the office dashboard's run of 2026-12-01).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext

from dsg.core.todos import url_maker

from ..models import STATE_LABELS, WAITING_ON

register = template.Library()

_WAITING_ON = {"company": "Company", "office": "Office", "provider": "Service provider"}


def _e(value: Any) -> str:
    """``conditional_escape(value)`` without its lazy-argument wrapper (a sixth of the rows'
    time, #14): a value that knows its HTML gives it, any other is escaped as Django's
    ``escape`` does (``html.escape`` of its text)."""
    if type(value) is str:  # most values: plain text (a str subclass may know its HTML)
        return html.escape(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _ymd(moment: Any) -> str:
    """``moment|date:"Y-m-d"`` in the current time zone, as the loop wrote it: Django's ``Y``,
    ``m`` and ``d`` are the year in four digits and the month and day in two."""
    day = localtime(moment)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


class _Labels:
    """What a table repeats, looked up once a call (one language): each state's label and each
    state's 「次の対応者」 when a list did not mark its cases, escaped."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.waiting: dict[str | None, str] = {}

    def state(self, state: str) -> str:
        if state not in self.states:
            self.states[state] = _e(STATE_LABELS.get(state, state))
        return self.states[state]

    def waiting_on(self, waiting_on: str | None) -> str:
        if waiting_on not in self.waiting:
            label = _WAITING_ON.get(waiting_on or "")
            self.waiting[waiting_on] = _e(gettext(label)) if label else "—"
        return self.waiting[waiting_on]


def _waiting(parties: list[tuple[str, Any]]) -> str:
    """The 「次の対応者」 cell of a case a list marked: the parties of its open items."""
    if not parties:
        return "—"
    return ", ".join(
        f'<span data-waiting="{_e(party)}">{_e(label)}</span>' for party, label in parties
    )


def _row(case: Any, url: str, labels: _Labels) -> str:
    state = case.state
    parties = getattr(case, "waiting_parties", None)
    if parties is None:
        waiting_on = WAITING_ON.get(state)
        badge = waiting_on or "none"
        waiting = labels.waiting_on(waiting_on)
    else:
        badge = (parties[0][0] if parties else "") or "none"
        waiting = _waiting(parties)
    since = case.state_changed_at
    number = _e(case.number)
    site = case.site
    return (
        f'\n    <tr data-case="{number}" data-state="{_e(state)}">\n'
        f'      <td><a href="{_e(url)}">{number}</a></td>\n'
        f"      <td>{_e(site.company.name)}</td><td>{_e(site.name)}</td>\n"
        f'      <td><span class="badge badge--{_e(badge)}">{labels.state(state)}</span></td>\n'
        f"      <td>{waiting}</td>\n"
        f"      <td>{_ymd(since) if since else ''}</td>\n"
        "    </tr>\n  "
    )


@register.simple_tag
def case_rows(cases: Iterable[Any]) -> SafeString:
    """``{% case_rows cases %}``: each case's row of the table (``tr``), as the loop drew it."""
    url: Callable[[int], str] = url_maker("enrollment_detail")
    labels = _Labels()
    html_rows = "".join(_row(case, url(case.pk), labels) for case in cases)
    return mark_safe(html_rows)  # noqa: S308 - every value above is escaped
