"""The provider's ④–⑦ month warnings in the browser (#14): the dashboard shows how many cases
break the rule and the first ones; its link leads to every one, a page at a time, and each
warning to its case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.provisioning import views, warning_views

from ..provisioning.test_provider_dashboard import _breaking_cases
from .conftest import ja, shoot

pytestmark = pytest.mark.e2e


def test_the_provider_goes_from_the_dashboard_to_every_warning(
    actor, company, cast, provider_staff, monkeypatch
):
    monkeypatch.setattr(views, "MONTH_WARNINGS_SHOWN", 2)
    monkeypatch.setattr(warning_views, "MONTH_WARNINGS_PAGE", 2)
    cases = _breaking_cases(company, cast, 3)
    page = actor(provider_staff)
    panel = page.locator("#month-warnings")
    expect(panel.locator("[data-count]")).to_have_text("3")
    expect(panel.locator("[data-warning]")).to_have_count(2)
    expect(panel.locator(f"[data-warning='{cases[0].number}']")).to_be_visible()
    shoot(page, "provider-month-warnings-dashboard")

    panel.locator("a[data-more-warnings]").click()
    expect(page.locator("h1")).to_contain_text(ja("④–⑦ no longer fit one calendar month"))
    expect(page.locator("[data-warning]")).to_have_count(2)
    page.locator(".pager a").click()  # the second page: the last one
    expect(page.locator("[data-warning]")).to_have_count(1)
    last = page.locator(f"[data-warning='{cases[2].number}']")
    expect(last).to_be_visible()
    shoot(page, "provider-month-warnings-page-2")

    last.locator("a").click()
    expect(page.locator(".state")).to_be_visible()
    assert page.url.endswith(f"/enrollments/{cases[2].pk}/#appointments")
