"""The rows of a list of cases (``enrollment/_case_table.html``), drawn in Python.

The office's and the provider's homes show up to 90 cases in nine step lists, the step lists
and the overview 50 more; drawn by the template language, a row cost ~0.35 ms (a dozen
variables, a ``{% url %}``, the waiting parties' loop): a sixth of the office's home (#14,
docs/performance.md, the sixth run). ``{% case_rows cases %}`` writes the same HTML, byte for
byte, as the loop it replaced (``tests/enrollment/test_case_rows.py`` holds the two together).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext

from dsg.core.todos import url_maker

register = template.Library()

_WAITING_ON = {"company": "Company", "office": "Office", "provider": "Service provider"}


def _waiting(case: Any, parties: list[tuple[str, Any]] | None) -> str:
    """The 「次の対応者」 cell: the parties of the case's open items, else its state's."""
    if parties is None:
        label = _WAITING_ON.get(case.waiting_on)
        return conditional_escape(gettext(label)) if label else "—"
    if not parties:
        return "—"
    return ", ".join(
        f'<span data-waiting="{conditional_escape(party)}">{conditional_escape(label)}</span>'
        for party, label in parties
    )


def _row(case: Any, url: str) -> str:
    parties = getattr(case, "waiting_parties", None)
    if parties is None:
        badge = case.waiting_on or "none"
    else:
        badge = (parties[0][0] if parties else "") or "none"
    since = case.state_changed_at
    e = conditional_escape
    number = e(case.number)
    state = e(case.get_state_display())
    return (
        f'\n    <tr data-case="{number}" data-state="{e(case.state)}">\n'
        f'      <td><a href="{e(url)}">{number}</a></td>\n'
        f"      <td>{e(case.site.company.name)}</td><td>{e(case.site.name)}</td>\n"
        f'      <td><span class="badge badge--{e(badge)}">{state}</span></td>\n'
        f"      <td>{_waiting(case, parties)}</td>\n"
        f"      <td>{e(date_filter(localtime(since), 'Y-m-d')) if since else ''}</td>\n"
        "    </tr>\n  "
    )


@register.simple_tag
def case_rows(cases: Iterable[Any]) -> SafeString:
    """``{% case_rows cases %}``: each case's row of the table (``tr``), as the loop drew it."""
    url = url_maker("enrollment_detail")
    html = "".join(_row(case, url(case.pk)) for case in cases)
    return mark_safe(html)  # noqa: S308 - every value above is escaped
