"""The rows of the provider's task list (``provisioning/_provider_dashboard.html``), drawn in
Python (#14, docs/performance.md, the seventh run): ``{% provider_task_rows tasks %}`` writes
the same HTML, byte for byte, as the template loop it replaced, each value escaped
(``tests/provisioning/test_provider_task_rows.py`` holds the two together). Its dates are written
from their fields and each kind's label is translated once a table (2026-12-01)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from dsg.core.todos import url_maker

register = template.Library()


def _e(value: Any) -> str:
    """``conditional_escape(value)`` without its lazy-argument wrapper: a value that knows its
    HTML gives it, any other is escaped as Django's ``escape`` does (``html.escape``)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _when(at: Any) -> tuple[str, str]:
    """``at|date:'c'`` and ``at|date:"Y-m-d H:i"`` in the current time zone, as the loop wrote
    them, from the moment's fields (Django's ``date`` filter cost ~40 µs a call, #14): ``c`` is
    ``isoformat()``, ``Y`` the year in four digits, ``m d H i`` two each."""
    if at is None:
        return "", ""
    local = localtime(at)
    shown = (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
    )
    return html.escape(local.isoformat()), shown


def _row(task: Any, url: str, labels: dict[str, str]) -> str:
    case = task.enrollment
    number = _e(case.number)
    kind = task.kind
    if kind not in labels:  # each kind's label translated once a table
        labels[kind] = _e(task.label)
    iso, shown = _when(task.at)
    return (
        f'\n      <tr data-task="{_e(kind)}" data-task-case="{number}">\n'
        f'        <td class="nowrap"><time datetime="{iso}">{shown}</time></td>\n'
        f"        <td>{labels[kind]}</td>\n"
        f'        <td><a href="{_e(url)}#provisioning">{number}</a><br><span class="muted">'
        f"{_e(case.site.company.name)} {_e(case.site.name)}</span></td>\n"
        f"        <td>{_e(task.detail)}</td></tr>\n    "
    )


@register.simple_tag
def provider_task_rows(tasks: Iterable[Any]) -> SafeString:
    """``{% provider_task_rows tasks %}``: each task's row of the table (``tr``)."""
    url = url_maker("enrollment_detail")
    labels: dict[str, str] = {}
    html_rows = "".join(_row(task, url(task.enrollment.pk), labels) for task in tasks)
    return mark_safe(html_rows)  # noqa: S308 - every value above is escaped
