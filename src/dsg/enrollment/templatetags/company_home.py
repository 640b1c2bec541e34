"""A company's home drawn in Python: its site cards and their open items (#14).

A company's home shows each of its sites in a card: its name, address, open items and cases
(50 cards and 204 open items for a 50-site company at 5,000 cases). Drawn by the template's loop
and an include per card — a ``with``, a dozen ``if``/``for`` and some thirty variables and
properties per card, a dozen per item — they were most of the page's template time.
``{% site_card row %}`` and ``{% todo_list items %}`` draw the same HTML, byte for byte
(tests/enrollment/test_company_home.py holds the loop and the include they replace): every
value escaped as ``{{ value }}`` escapes it (a site named ``<script>`` shows as text), the words
of our catalogue inserted as ``{% translate %}`` inserts them, the tracker drawn by
``{% case_tracker %}``.

What an item shows (``items``: ``[{"todo": Todo, "own": bool}]``, ``enrollment.views``):

- its kind and who is to act on it (``data-todo``, ``data-who``), the item in bold when it is
  the person's own (``todo--own``);
- what is to be done, after a badge naming who is to do it when it is not the person's own, and
  the item's detail after a dash;
- the case's number, its due date when it has one, and 「期限超過」 when that date has passed;
- the link to the form, with the button's text, only on the person's own items.
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..models import STATE_LABELS
from .case_tracker import case_tracker

register = template.Library()


def _e(value: Any) -> str:
    """``{{ value }}`` in an autoescaped template: ``conditional_escape`` — markup of ours
    (``__html__``) as it is, anything else escaped — without its lazy wrappers, called some
    3,000 times a page (``format_html`` at each value was a third of the cards' time)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))  # what django.utils.html.escape does


# The markup of one item, whitespace and all, as the include drew it.
_OWN = (
    '\n  <li class="todo todo--own" data-todo="{}" data-who="{}">\n'
    '    <span class="todo__what">{}</span>\n'
    '    <span class="todo__case">{}</span>\n'
    '    <a class="button button--primary todo__go" href="{}">{}</a>\n'
    "  </li>\n  "
)
_OTHERS = (
    '\n  <li class="todo" data-todo="{}" data-who="{}">\n'
    '    <span class="todo__what"><span class="badge badge--{}">{}</span> {}</span>\n'
    '    <span class="todo__case">{}</span>\n'
    "    \n  </li>\n  "
)
_DUE = '{} · {} <time datetime="{}">{}</time>{}'
_LATE = ' <span class="badge badge--late">{}</span>'


def _what(todo: Any) -> str:
    if todo.detail:
        return f"{_e(todo.what)} — {_e(todo.detail)}"
    return _e(todo.what)


def _case(todo: Any, words: tuple[str, str]) -> str:
    """The case's number, then its due date and whether it is overdue."""
    if not todo.due:
        return _e(todo.number)
    due, overdue = words
    day = _e(date_filter(todo.due, "Y-m-d"))  # a date (Todo.due): no time zone to convert
    late = _LATE.format(overdue) if todo.is_overdue else ""
    return _DUE.format(_e(todo.number), due, day, day, late)


def _item(item: dict[str, Any], words: tuple[str, str]) -> str:
    todo = item["todo"]
    code, who, what, case = _e(todo.code), _e(todo.who), _what(todo), _case(todo, words)
    if item["own"]:
        return _OWN.format(code, who, what, case, _e(todo.url), _e(todo.link_text))
    return _OTHERS.format(code, who, who, _e(todo.who_label), what, case)


def _todo_list(items: list[dict[str, Any]]) -> str:
    # The words of our own catalogue go in as they are: a template's {% translate "…" %} does
    # not escape them either (Django marks a translated literal safe).
    words = (gettext("due"), gettext("Overdue"))
    drawn = "".join(_item(item, words) for item in items)
    return f'\n<ul class="todo-list">\n  {drawn}\n</ul>\n'


@register.simple_tag
def todo_list(items: list[dict[str, Any]]) -> SafeString:
    """``{% todo_list row.items %}``: one site card's open items, ``<ul class="todo-list">``."""
    return mark_safe(_todo_list(items))  # noqa: S308 - every value escaped by _e


# A site card, as the template's loop drew it (its ``{% with %}`` block, whitespace and all).
_CARD = (
    '\n      <article class="card site-card" data-site="{}">\n'
    '        <h3><a href="{}">{}</a></h3>\n'
    '        <p class="muted">{}</p>\n'
    "        {}\n"
    "        {}\n"
    "      </article>\n    "
)
_ITEMS = '\n          <h4 class="site-card__todo">{}</h4>\n          {}\n        '
_CASE = (
    '\n          <p class="site-card__case" data-case="{}">'
    '<a href="{}">{}</a> — <strong>{}</strong>\n'
    "            {}</p>\n"
    "          {}\n        "
)
_WAITING = '<span class="badge badge--{}" data-waiting="{}">{}: {}</span> '
_NO_CASE = '\n          <p class="muted">{} <a href="{}">{}</a></p>\n        '


def _case_line(case: Any, waiting_on: str) -> str:
    """A case of the card: its number and page, its state, whom it waits on, its tracker."""
    waiting = "".join(
        _WAITING.format(_e(party), _e(party), waiting_on, _e(label))
        for party, label in case.waiting_parties
    )
    number = _e(case.number)
    state = _e(STATE_LABELS.get(case.state, case.state))
    return _CASE.format(number, _e(case.url), number, state, waiting, case_tracker(case))


@register.simple_tag
def site_card(row: dict[str, Any]) -> SafeString:
    """``{% site_card row %}``: a site of the company's home (``enrollment.views._site_rows``)
    — its name and address linked to its page, its open items, each case with whom it waits
    on and its tracker (or a link to open one)."""
    site, url = row["site"], _e(row["url"])
    items = _ITEMS.format(gettext("Open items"), _todo_list(row["items"])) if row["items"] else ""
    if row["cases"]:
        waiting_on = gettext("Waiting on")
        cases = "".join(_case_line(case, waiting_on) for case in row["cases"])
    else:
        opening = (gettext("No enrollment case yet."), gettext("Open one from the site's page."))
        cases = _NO_CASE.format(opening[0], url, opening[1])
    name = _e(site.name)
    card = _CARD.format(name, url, name, _e(site.full_address), items, cases)
    return mark_safe(card)  # noqa: S308 - every value escaped by _e
