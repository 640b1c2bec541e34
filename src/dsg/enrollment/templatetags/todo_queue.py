"""The rows of the office's queue and coming visits (``enrollment/_todo_queue.html`` on the home,
``enrollment/office_queue.html``), drawn in Python.

The office's home shows the first 20 items of its queue and 20 coming visits, the queue's page 50
items; drawn by the template language (a dozen variables, two ``date`` filters and a translation a
row) the home's were ~6 ms of the page (#14, docs/performance.md, the sixth run).
``{% todo_queue_rows queue %}`` and ``{% todo_visit_rows visits %}`` write the same HTML, byte for
byte, as the loops they replaced (``tests/enrollment/test_todo_queue_rows.py`` holds them
together): each value as a template variable renders it (localised, then escaped unless it knows
its HTML).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # in Django, not in django-stubs
from django.utils.translation import gettext

from .case_rows import _e

register = template.Library()


def _v(value: Any) -> str:
    """``{{ value }}``: as ``render_value_in_context`` writes it with autoescaping on."""
    if isinstance(value, str):
        return _e(value)
    return _e(localize(template_localtime(value)))


def _ymd(value: Any) -> str:
    """``{{ value|date:"Y-m-d" }}``: nothing for no date, a moment in the current time zone."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = template_localtime(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _detail(t: Any) -> str:
    return f' <span class="muted">{_v(t.detail)}</span>' if t.detail else ""


def _queue_row(t: Any, overdue: str, pad: str) -> str:
    if t.due:
        late = f' <span class="badge badge--late">{overdue}</span>' if t.is_overdue else ""
        due = _ymd(t.due) + late
    else:
        due = "—"
    age = t.age_days
    number = _v(t.number)
    return (
        f'\n{pad}  <tr data-todo="{_v(t.code)}" data-todo-case="{number}"><td>{due}</td>\n'
        f"{pad}    <td>{'—' if age is None else _v(age)}</td>\n"
        f'{pad}    <td><a href="{_v(t.case_url)}">{number}</a></td><td>{_v(t.company)}</td>'
        f"<td>{_v(t.site)}</td>\n"
        f'{pad}    <td><a href="{_v(t.url)}">{_v(t.what)}</a>{_detail(t)}</td></tr>\n{pad}'
    )


def _visit_row(t: Any) -> str:
    return (
        f'\n      <tr data-todo="{_v(t.code)}"><td>{_ymd(t.due)}</td>'
        f'<td><a href="{_v(t.case_url)}">{_v(t.number)}</a></td><td>{_v(t.company)}</td>'
        f'<td>{_v(t.site)}</td><td><a href="{_v(t.url)}">{_v(t.link_text)}</a>{_detail(t)}</td>'
        "</tr>\n    "
    )


@register.simple_tag
def todo_queue_rows(items: Iterable[Any], indent: int = 4) -> SafeString:
    """``{% todo_queue_rows queue %}``: each item's row of the queue, as the loop drew it —
    indented by ``indent`` spaces as the loop's ``{% endfor %}`` was (the home's 4, the queue's
    page's 2)."""
    overdue = gettext("Overdue")  # as {% translate %} gives it: a template's text, not escaped
    pad = " " * indent
    return mark_safe("".join(_queue_row(t, overdue, pad) for t in items))  # noqa: S308 - escaped


@register.simple_tag
def todo_visit_rows(items: Iterable[Any]) -> SafeString:
    """``{% todo_visit_rows visits %}``: each visit's row, as the loop drew it."""
    return mark_safe("".join(_visit_row(t) for t in items))  # noqa: S308 - escaped
