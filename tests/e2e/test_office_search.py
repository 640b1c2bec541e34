"""The office finds any case in two actions (#12), in Chromium: it types a 到達番号 into the
dashboard's search box, presses Enter, and is on the case; the search page filters and sorts,
and the overview draws its charts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import ApplicationVersion, State

from ..factories import SiteFactory
from ..walk import new_case, walk_to
from .conftest import shoot

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_types_a_receipt_number_on_the_dashboard_and_lands_on_the_case(
    actor, company, cast
):
    new_case(SiteFactory(company=company, name="本社"), cast)
    case = walk_to(new_case(SiteFactory(company=company, name="研究所"), cast), State.SURVEY, cast)
    receipt = ApplicationVersion.objects.get(application__enrollment=case).receipt_number
    page = actor(cast.reviewer)
    page.goto("/")
    box = page.locator("form[data-office-search] input[name=q]")
    box.fill(receipt)
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/enrollments/{case.pk}/$"))
    expect(page.locator("h1")).to_contain_text(case.number)

    # The search page: every case, then filtered by step, sorted by site.
    page.goto("/office/cases/")
    expect(page.locator("tr[data-case]")).to_have_count(2)
    page.locator("select[name=step]").select_option("3")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.locator("tr[data-case]")).to_have_count(1)
    expect(page.locator(f"tr[data-case='{case.number}']")).to_be_visible()
    shoot(page, "office-search")

    page.goto("/office/overview/")
    expect(page.locator("svg.chart__svg").first).to_be_visible()
    expect(page.locator("#per-step table")).to_contain_text("③")
    shoot(page, "office-overview")
