"""The office's queue in Chromium (#12/#14): the home shows the first rows, soonest due first;
the link opens the whole queue, which pages and filters by the kind of work; a row's link opens
the form; the search's 「次の対応者」 finds a case waiting on the company's date pick."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dsg.enrollment import views
from dsg.enrollment.models import State
from dsg.inspections import services as insp

from ..factories import SiteFactory
from ..inspections.helpers import tomorrow_at
from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_opens_its_whole_queue_from_the_home_and_filters_it(
    actor, company, cast, monkeypatch
):
    monkeypatch.setattr(views, "QUEUE_ROWS", 1)
    first = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    dated = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    round_ = insp.inspection_open(subject=dated, actor=cast.inspector)
    insp.inspection_propose_slots(inspection=round_, actor=cast.reviewer, starts=[tomorrow_at()])
    page = actor(cast.reviewer)
    page.goto("/")
    rows = page.locator("#queue tr[data-todo]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-todo-case", first.number)
    page.locator("a[data-queue-link=office]").click()
    expect(page).to_have_url(re.compile(r"/office/queue/$"))
    expect(page.locator("tr[data-todo]")).to_have_count(2)
    page.locator("select[name=kind]").select_option("application.review")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.locator("tr[data-todo='application.review']")).to_have_count(2)
    page.locator(f"tr[data-todo-case='{first.number}'] td:last-child a").click()
    expect(page).to_have_url(re.compile(rf"/enrollments/{first.pk}/application/$"))

    # The search: at ② the state waits on the office, the open item on the company.
    page.goto("/office/cases/")
    page.locator("select[name=waiting]").select_option("company")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.locator("tr[data-case]")).to_have_count(1)
    expect(page.locator(f"tr[data-case='{dated.number}'] [data-waiting=company]")).to_be_visible()
