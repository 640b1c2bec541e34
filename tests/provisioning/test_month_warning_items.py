"""``{% month_warning_items month_warnings %}`` (provisioning/templatetags/month_warnings.py,
issue #14) draws the ④–⑦ warnings' list in Python: byte for byte what the include
``provisioning/_month_warning_items.html`` it replaced drew — for warnings spanning two months
or more, names that need escaping (a ``<script>`` in a company's or site's name shows escaped),
in Japanese and in English, and for no warning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines
from django.utils import translation

from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.schedule import MonthWarning
from dsg.orgs.models import Organization, Site

# The include as it was before the tag (#14), kept here as the reference.
INCLUDED = """{# The ④–⑦ month warnings of one page: (case, warning) pairs, the case with its site and company. #}
  <ul class="warnings">
  {% for case, warning in month_warnings %}
    <li class="notice notice--warning" data-warning="{{ case.number }}"><a href="{% url 'enrollment_detail' case.pk %}#appointments">{{ case.number }}</a> — {{ case.site.company.name }} {{ case.site.name }}:
      {{ warning.message }}</li>
  {% endfor %}
  </ul>
"""  # noqa: E501

TAG = "{% load month_warnings %}{% month_warning_items month_warnings %}"

SCRIPT = "<script>alert('x')</script>"


def warnings() -> list[tuple[Enrollment, MonthWarning]]:
    company = Organization(pk=3, name=f'株式会社 <テスト> & "引用" {SCRIPT}')
    site = Site(pk=5, name=f"本社 {SCRIPT}", company=company)
    spans = [
        {4: [dt.date(2026, 1, 31)], 5: [dt.date(2026, 2, 1)]},
        {4: [dt.date(2026, 3, 2), dt.date(2026, 3, 9)], 7: [dt.date(2026, 6, 30)]},
        {5: [dt.date(2026, 12, 31)], 6: [dt.date(2027, 1, 4)], 7: [dt.date(2027, 2, 1)]},
    ]
    made = []
    for n, dates in enumerate(spans, start=1):
        case = Enrollment(
            pk=n * 41,
            site=site,
            state=State.CONSTRUCTION,
            created_at=dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC),
        )
        made.append((case, MonthWarning(case.pk, dates)))
    return made


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_tag_draws_what_the_include_drew(language, count):
    engine = engines["django"]
    shown = warnings()[:count]
    with translation.override(language):
        expected = engine.from_string(INCLUDED).render({"month_warnings": shown})
        drawn = engine.from_string(TAG).render({"month_warnings": shown})
    assert drawn == expected
    assert SCRIPT not in drawn
    assert drawn.count("<li ") == count
    if count:
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in drawn
        assert 'data-warning="DSG-2026-00041"' in drawn
