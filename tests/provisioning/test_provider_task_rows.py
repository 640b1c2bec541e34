"""``{% provider_task_rows tasks %}`` (provisioning/templatetags/provider_tasks.py, issue #14)
draws the rows of the provider's task list in Python: byte for byte what the template loop it
replaced drew, for every kind of task, names and details that need escaping (a ``<script>`` in a
company's, site's, holder's or work's name shows escaped), in Japanese and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines
from django.utils import translation

from dsg.appointments.models import Appointment
from dsg.enrollment.models import Enrollment, State
from dsg.orgs.models import Organization, Site
from dsg.provisioning.models import AccountHolder, AccountHolderSource, AncillaryWork
from dsg.provisioning.worklist import TASK_LABELS, ProviderTask

# The loop as _provider_dashboard.html drew it before the tag (#14), kept here as the reference.
LOOP = """{% load i18n %}    {% for task in provider_tasks %}
      <tr data-task="{{ task.kind }}" data-task-case="{{ task.enrollment.number }}">
        <td class="nowrap"><time datetime="{{ task.at|date:'c' }}">{{ task.at|date:"Y-m-d H:i" }}</time></td>
        <td>{{ task.label }}</td>
        <td><a href="{% url 'enrollment_detail' task.enrollment.pk %}#provisioning">{{ task.enrollment.number }}</a><br><span class="muted">{{ task.enrollment.site.company.name }} {{ task.enrollment.site.name }}</span></td>
        <td>{{ task.detail }}</td></tr>
    {% endfor %}"""  # noqa: E501

TAG = "{% load provider_tasks %}    {% provider_task_rows provider_tasks %}"

SCRIPT = "<script>alert('x')</script>"


def tasks() -> list[ProviderTask]:
    company = Organization(pk=3, name=f'株式会社 <テスト> & "引用" {SCRIPT}')
    site = Site(pk=5, name=f"本社 {SCRIPT}", company=company)
    made = []
    for n, kind in enumerate(TASK_LABELS, start=1):
        case = Enrollment(
            pk=n * 37,
            site=site,
            state=State.SURVEY,
            created_at=dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC),
        )
        holder = AccountHolder(
            pk=n,
            name=f"{SCRIPT} 太郎",
            source=AccountHolderSource.ADDED if n % 2 else AccountHolderSource.APPLICATION,
        )
        appointment = Appointment(
            pk=n, purpose="construction", party=f"account_holder:{n}", person=None
        )
        at = dt.datetime(2026, 3, 31, 15, 30 + n, tzinfo=dt.UTC)  # 4/1 in Tokyo
        if kind.startswith("appointment"):
            made.append(ProviderTask(kind, at, case, appointment=appointment, holder=holder))
            made.append(ProviderTask(kind, at, case, appointment=appointment))
        elif kind == "ancillary_work":
            work = AncillaryWork(pk=n, description=f"配管 & {SCRIPT}")
            made.append(ProviderTask(kind, at, case, work=work))
        elif kind in ("account", "account_reissue", "vein"):
            made.append(ProviderTask(kind, at, case, holder=holder))
        else:
            made.append(ProviderTask(kind, at, case))
    # a moment with microseconds, one in another zone, one of the year 999, and none
    moments = [
        dt.datetime(2026, 12, 31, 23, 59, 59, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 1, 8, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(999, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        None,
    ]
    made += [ProviderTask("survey", at, made[0].enrollment) for at in moments]  # type: ignore[arg-type]
    return made


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_tag_draws_what_the_loop_drew(language):
    engine = engines["django"]
    made = tasks()
    with translation.override(language):
        expected = engine.from_string(LOOP).render({"provider_tasks": made})
        drawn = engine.from_string(TAG).render({"provider_tasks": made})
    assert drawn == expected
    assert SCRIPT not in drawn
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in drawn
    assert drawn.count("<tr ") == len(made) > len(TASK_LABELS)


def test_no_task_draws_nothing():
    assert engines["django"].from_string(TAG).render({"provider_tasks": []}) == "    "
