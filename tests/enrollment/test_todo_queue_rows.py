"""``{% todo_queue_rows %}`` and ``{% todo_visit_rows %}`` (enrollment/templatetags/todo_queue.py,
#14) draw the rows of the office's queue and coming visits in Python: byte for byte what the
template loops they replaced drew (the home's, and the queue's page's indented less) — due or
not, overdue, due today, later; an age or none; a detail or none; a link's own text; texts to
escape, a text that knows its HTML, a lazy one; in Japanese and English, in several time zones."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.template import engines
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from dsg.core.todos import Todo

# The loops as _todo_queue.html drew them before the tags (#14), kept here as the reference.
QUEUE_LOOP = """{% load i18n %}<tbody>{% for t in queue %}
      <tr data-todo="{{ t.code }}" data-todo-case="{{ t.number }}"><td>{% if t.due %}{{ t.due|date:"Y-m-d" }}{% if t.is_overdue %} <span class="badge badge--late">{% translate "Overdue" %}</span>{% endif %}{% else %}—{% endif %}</td>
        <td>{{ t.age_days|default_if_none:"—" }}</td>
        <td><a href="{{ t.case_url }}">{{ t.number }}</a></td><td>{{ t.company }}</td><td>{{ t.site }}</td>
        <td><a href="{{ t.url }}">{{ t.what }}</a>{% if t.detail %} <span class="muted">{{ t.detail }}</span>{% endif %}</td></tr>
    {% endfor %}</tbody>"""  # noqa: E501
VISIT_LOOP = """{% load i18n %}<tbody>{% for t in visits %}
      <tr data-todo="{{ t.code }}"><td>{{ t.due|date:"Y-m-d" }}</td><td><a href="{{ t.case_url }}">{{ t.number }}</a></td><td>{{ t.company }}</td><td>{{ t.site }}</td><td><a href="{{ t.url }}">{{ t.link_text }}</a>{% if t.detail %} <span class="muted">{{ t.detail }}</span>{% endif %}</td></tr>
    {% endfor %}</tbody>"""  # noqa: E501
# The queue's own page (office_queue.html) drew the same rows two spaces less indented.
PAGE_LOOP = """{% load i18n %}  <tbody>{% for t in items %}
    <tr data-todo="{{ t.code }}" data-todo-case="{{ t.number }}"><td>{% if t.due %}{{ t.due|date:"Y-m-d" }}{% if t.is_overdue %} <span class="badge badge--late">{% translate "Overdue" %}</span>{% endif %}{% else %}—{% endif %}</td>
      <td>{{ t.age_days|default_if_none:"—" }}</td>
      <td><a href="{{ t.case_url }}">{{ t.number }}</a></td><td>{{ t.company }}</td><td>{{ t.site }}</td>
      <td><a href="{{ t.url }}">{{ t.what }}</a>{% if t.detail %} <span class="muted">{{ t.detail }}</span>{% endif %}</td></tr>
  {% endfor %}</tbody>"""  # noqa: E501
QUEUE_TAG = "{% load todo_queue %}<tbody>{% todo_queue_rows queue %}</tbody>"
PAGE_TAG = "{% load todo_queue %}  <tbody>{% todo_queue_rows items indent=2 %}</tbody>"
VISIT_TAG = "{% load todo_queue %}<tbody>{% todo_visit_rows visits %}</tbody>"

WHATS = [
    "日程を提案する",
    gettext_lazy("Review the application"),
    mark_safe("<b>known</b> &amp; safe"),
    "<script>alert(\"x\")</script> & 'q'",
]


def items() -> list[Todo]:
    today = timezone.localdate()
    dues = [None, today - dt.timedelta(days=3), today, today + dt.timedelta(days=9)]
    sinces = [None, timezone.now() - dt.timedelta(days=40, hours=5), timezone.now()]
    made = []
    for n, (due, since, what, detail, button) in enumerate(
        itertools.product(dues, sinces, WHATS, ["", "午前 <10時>"], ["", "開く & 見る"]), start=1
    ):
        made.append(
            Todo(
                code=f"kind.{n % 5}<x>",
                case=("enrollment", n),
                who="office",
                what=what,
                url=f"/enrollments/{n}/?a=1&b=<2>",
                action="application.review",
                due=due,
                since=since,
                number=f"DSG-2026-{n:05d}",
                case_url=f"/enrollments/{n}/",
                company='株式会社 <テスト> & "引用"',
                site_id=n,
                site="本社 'A' & B",
                detail=detail,
                button=button,
            )
        )
    return made


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("zone", ["Asia/Tokyo", "UTC", "America/Los_Angeles"])
def test_the_rows_are_what_the_loops_drew(language, zone):
    engine = engines["django"]
    listed = items()
    with translation.override(language), timezone.override(zone):
        for loop, tag, name in (
            (QUEUE_LOOP, QUEUE_TAG, "queue"),
            (VISIT_LOOP, VISIT_TAG, "visits"),
            (PAGE_LOOP, PAGE_TAG, "items"),
        ):
            expected = engine.from_string(loop).render({name: listed})
            drawn = engine.from_string(tag).render({name: listed})
            assert drawn == expected, name
            assert "<script>" not in drawn and "&lt;script&gt;" in drawn
            assert drawn.count("<tr ") == len(listed)


def test_no_item_draws_no_row():
    engine = engines["django"]
    assert engine.from_string(QUEUE_TAG).render({"queue": []}) == "<tbody></tbody>"
    assert engine.from_string(VISIT_TAG).render({"visits": []}) == "<tbody></tbody>"
