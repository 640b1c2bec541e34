"""``{% case_rows cases %}`` (enrollment/templatetags/case_rows.py, issue #14) draws the rows of
``enrollment/_case_table.html`` in Python: byte for byte what the template loop it replaced drew,
for every state, every way a case's 「次の対応者」 is known (its open items, none, its state only),
names that need escaping, a missing date, in Japanese and in English."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.template import engines
from django.utils import translation

from dsg.enrollment.models import Enrollment, State
from dsg.orgs.models import Organization, Site

# The loop as _case_table.html drew it before the tag (#14), kept here as the reference.
LOOP = """{% load i18n %}  {% for e in cases %}
    <tr data-case="{{ e.number }}" data-state="{{ e.state }}">
      <td><a href="{% url 'enrollment_detail' e.pk %}">{{ e.number }}</a></td>
      <td>{{ e.site.company.name }}</td><td>{{ e.site.name }}</td>
      <td><span class="badge badge--{% if e.waiting_parties is None %}{{ e.waiting_on|default:'none' }}{% else %}{{ e.waiting_parties.0.0|default:'none' }}{% endif %}">{{ e.get_state_display }}</span></td>
      <td>{% if e.waiting_parties is None %}{% if e.waiting_on == "company" %}{% translate "Company" %}{% elif e.waiting_on == "office" %}{% translate "Office" %}{% elif e.waiting_on == "provider" %}{% translate "Service provider" %}{% else %}—{% endif %}{% else %}{% for party, label in e.waiting_parties %}<span data-waiting="{{ party }}">{{ label }}</span>{% if not forloop.last %}, {% endif %}{% empty %}—{% endfor %}{% endif %}</td>
      <td>{{ e.state_changed_at|date:"Y-m-d" }}</td>
    </tr>
  {% endfor %}"""  # noqa: E501

TAG = "{% load case_rows %}  {% case_rows cases %}"

WAITING = [
    "absent",  # the list did not mark the case: its state says whom it waits on
    None,
    [],
    [("office", "事務局")],
    [("company", "<b>A & B</b>"), ("provider", 'サービス "提供" 事業者')],
    [("", "—")],
]


def cases() -> list[Enrollment]:
    company = Organization(pk=3, name='株式会社 <テスト> & "引用" \'s')
    site = Site(pk=5, name="本社 <script>", company=company)
    made = []
    for n, (state, waiting) in enumerate(itertools.product(State.values, WAITING), start=1):
        case = Enrollment(
            pk=n * 37,
            site=site,
            state=state,
            created_at=dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC),
            state_changed_at=None
            if n % 7 == 0
            else dt.datetime(2026, 3, 31, 15, 30 + n % 29, tzinfo=dt.UTC),  # 4/1 in Tokyo
        )
        if waiting != "absent":
            case.waiting_parties = waiting  # type: ignore[attr-defined]
        made.append(case)
    return made


@pytest.mark.parametrize("language", ["ja", "en"])
def test_case_rows_draw_what_the_template_loop_drew(language):
    listed = cases()
    engine = engines["django"]
    with translation.override(language):
        expected = engine.from_string(LOOP).render({"cases": listed})
        drawn = engine.from_string(TAG).render({"cases": listed})
    assert drawn == expected
    assert "&lt;script&gt;" in drawn and "<script>" not in drawn
    assert drawn.count("<tr ") == len(State.values) * len(WAITING)


def test_no_case_draws_no_row():
    assert engines["django"].from_string(TAG).render({"cases": []}) == "  "


@pytest.mark.parametrize("timezone_name", ["Asia/Tokyo", "UTC", "America/Los_Angeles"])
def test_case_rows_write_the_date_as_the_date_filter_did(timezone_name):
    """The tag writes a case's date itself (#14): in the current time zone, the year in four
    digits and the month and day in two, as ``|date:"Y-m-d"`` wrote them — a year below 1000,
    a day that is another in the zone, the last second of a year."""
    from django.utils import timezone

    company = Organization(pk=3, name="会社")
    site = Site(pk=5, name="拠点", company=company)
    moments = [
        dt.datetime(999, 5, 6, 7, 8, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 8, 9, 59, tzinfo=dt.UTC),
    ]
    listed = [
        Enrollment(
            pk=n,
            site=site,
            state=State.SURVEY,
            created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            state_changed_at=moment,
        )
        for n, moment in enumerate(moments, start=1)
    ]
    engine = engines["django"]
    with timezone.override(timezone_name):
        expected = engine.from_string(LOOP).render({"cases": listed})
        drawn = engine.from_string(TAG).render({"cases": listed})
    assert drawn == expected
    assert "<td>0999-05-0" in drawn  # the 6th, or the 5th west of Greenwich
