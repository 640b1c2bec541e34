"""The provider's task list on its home in the browser (#14: kept compiled, its rows drawn in
Python): the tasks of every company's cases by date, paged, a name with markup shown as text, a
task done leaving the list on the next visit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.provisioning import services as prov
from dsg.provisioning import views

from ..factories import SiteFactory
from ..walk import new_case, today, walk_to

pytestmark = pytest.mark.e2e


def test_the_provider_pages_through_its_tasks(actor, company, cast, provider_staff, monkeypatch):
    monkeypatch.setattr(views, "PROVIDER_TASKS_PAGE", 2)  # three tasks: two pages
    company.name = "<script>alert(1)</script>工業"
    company.save()
    cases = [
        walk_to(new_case(SiteFactory(company=company, name=f"工場{n}"), cast), State.SURVEY, cast)
        for n in range(3)
    ]
    provider = actor(provider_staff)
    provider.goto("/")
    tasks = provider.locator("#provider-tasks")
    expect(tasks.locator("h2 .count")).to_have_text("3")
    expect(tasks.locator("tr[data-task=survey]")).to_have_count(2)
    expect(tasks.locator("tr[data-task=survey]").first).to_contain_text(
        "<script>alert(1)</script>工業 工場0"
    )
    expect(tasks.locator(".pager")).to_contain_text("1 / 2")
    tasks.locator(".pager a[rel=next]").click()
    expect(provider.locator("#provider-tasks .pager")).to_contain_text("2 / 2")
    rows = provider.locator("#provider-tasks tr[data-task=survey]")
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-task-case", cases[2].number)

    prov.survey_record(enrollment=cases[0], actor=provider_staff, surveyed_on=today())
    provider.goto("/")
    expect(provider.locator("#provider-tasks h2 .count")).to_have_text("2")
    expect(provider.locator("#provider-tasks .pager")).to_have_count(0)
    numbers = provider.locator("#provider-tasks tr[data-task=survey]")
    expect(numbers).to_have_count(2)
    expect(numbers.first).to_have_attribute("data-task-case", cases[1].number)
    # the row links to the case's ③–⑥ section
    numbers.first.locator("a").click()
    expect(provider).to_have_url(re.compile(rf"/enrollments/{cases[1].pk}/#provisioning$"))
