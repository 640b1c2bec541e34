"""The open items of a site card on a company's home, drawn in Python (#14).

A company's home lists every open item of each of its sites (204 items in 50 site cards for a
50-site company at 5,000 cases). Drawn by an include per site card, each item through a dozen
template nodes (a ``with``, five ``if`` and a dozen variables and properties), the lists were the
biggest part of the page's template time. ``{% todo_list row.items %}`` draws the same HTML,
byte for byte, with ``format_html``: every value escaped as the template escaped it (a name with
``<script>`` shows as text), the translated words looked up once per list.

What an item shows (``items``: ``[{"todo": Todo, "own": bool}]``, ``enrollment.views``):

- its kind and who is to act on it (``data-todo``, ``data-who``), the item in bold when it is
  the person's own (``todo--own``);
- what is to be done, after a badge naming who is to do it when it is not the person's own, and
  the item's detail after a dash;
- the case's number, its due date when it has one, and 「期限超過」 when that date has passed;
- the link to the form, with the button's text, only on the person's own items.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

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


def _what(todo: Any) -> SafeString:
    if todo.detail:
        return format_html("{} — {}", todo.what, todo.detail)
    return format_html("{}", todo.what)


def _case(todo: Any, words: tuple[str, str]) -> SafeString:
    """The case's number, then its due date and whether it is overdue."""
    if not todo.due:
        return format_html("{}", todo.number)
    due, overdue = words
    day = date_filter(todo.due, "Y-m-d")  # a date (Todo.due): no time zone to convert
    late = format_html(' <span class="badge badge--late">{}</span>', overdue)
    return format_html(
        '{} · {} <time datetime="{}">{}</time>{}',
        todo.number,
        due,
        day,
        day,
        late if todo.is_overdue else "",
    )


def _item(item: dict[str, Any], words: tuple[str, str]) -> SafeString:
    todo = item["todo"]
    case = _case(todo, words)
    if item["own"]:
        return format_html(_OWN, todo.code, todo.who, _what(todo), case, todo.url, todo.link_text)
    what = _what(todo)
    return format_html(_OTHERS, todo.code, todo.who, todo.who, todo.who_label, what, case)


@register.simple_tag
def todo_list(items: list[dict[str, Any]]) -> SafeString:
    """``{% todo_list row.items %}``: one site card's open items, ``<ul class="todo-list">``."""
    words = (gettext("due"), gettext("Overdue"))
    drawn = format_html_join("", "{}", ((_item(item, words),) for item in items))
    return format_html('\n<ul class="todo-list">\n  {}\n</ul>\n', drawn)
