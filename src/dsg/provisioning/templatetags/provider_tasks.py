"""The rows of the provider's task list (``provisioning/_provider_dashboard.html``), drawn in
Python (#14, docs/performance.md, the seventh run): ``{% provider_task_rows tasks %}`` writes
the same HTML, byte for byte, as the template loop it replaced, each value escaped
(``tests/provisioning/test_provider_task_rows.py`` holds the two together)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from dsg.core.todos import url_maker

register = template.Library()


def _row(task: Any, url: str) -> str:
    e = conditional_escape
    case = task.enrollment
    number = e(case.number)
    at = localtime(task.at) if task.at is not None else None
    return (
        f'\n      <tr data-task="{e(task.kind)}" data-task-case="{number}">\n'
        f'        <td class="nowrap"><time datetime="{e(date_filter(at, "c"))}">'
        f"{e(date_filter(at, 'Y-m-d H:i'))}</time></td>\n"
        f"        <td>{e(task.label)}</td>\n"
        f'        <td><a href="{e(url)}#provisioning">{number}</a><br><span class="muted">'
        f"{e(case.site.company.name)} {e(case.site.name)}</span></td>\n"
        f"        <td>{e(task.detail)}</td></tr>\n    "
    )


@register.simple_tag
def provider_task_rows(tasks: Iterable[Any]) -> SafeString:
    """``{% provider_task_rows tasks %}``: each task's row of the table (``tr``)."""
    url = url_maker("enrollment_detail")
    html = "".join(_row(task, url(task.enrollment.pk)) for task in tasks)
    return mark_safe(html)  # noqa: S308 - every value above is escaped
