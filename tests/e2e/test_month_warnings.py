"""The provider's ④–⑦ month warnings in the browser (#14): the dashboard shows how many cases
break the rule and the first ones; its link leads to every one, a page at a time, and each
warning to its case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.core.calendar import business_day_on_or_after
from dsg.enrollment.models import State
from dsg.provisioning import services as prov
from dsg.provisioning import views, warning_views

from ..factories import SiteFactory
from ..provisioning.test_provider_dashboard import _breaking_cases, at, first_of_next_month
from ..walk import new_case, walk_to
from .conftest import ja, shoot
from .test_enrollment_walk import expect_success, fill, record, submit

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


def test_a_date_proposed_and_declined_on_the_case_page_moves_the_warning(
    actor, company, cast, psa, provider_staff
):
    """The rule is kept on the case (#14): a date of ⑤ proposed on the case page in another month
    than ④'s brings the case onto the provider's dashboard; the PSA asking for another date
    takes it off — each seen on the next view, as a person uses the pages."""
    case = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    prov.appointment_propose(
        enrollment=case,
        actor=cast.staff,
        purpose="construction",
        starts_at=at(first_of_next_month()),
    )
    provider = actor(provider_staff)
    provider.goto("/")
    expect(provider.locator("#provider-tasks")).to_be_visible()  # the provider's dashboard
    expect(provider.locator("#month-warnings")).to_have_count(0)

    provider.goto(f"/enrollments/{case.pk}/")
    later = business_day_on_or_after(first_of_next_month(2)).isoformat()
    record(provider, "appointment-propose", purpose="router", starts_at=f"{later}T10:00")
    expect_success(provider, "The date was proposed to the company.")
    provider.goto("/")
    panel = provider.locator("#month-warnings")
    expect(panel.locator("[data-count]")).to_have_text("1")
    expect(panel.locator(f"[data-warning='{case.number}']")).to_be_visible()

    company_page = actor(psa)
    company_page.goto(f"/enrollments/{case.pk}/")
    row = company_page.locator("tr[data-purpose=router]")
    fill(row.locator("form[data-form=appointment-other-date]"), message="翌月前半を希望します")
    submit(company_page, row.locator("form[data-form=appointment-other-date] button"))
    expect(company_page.locator(".notice--success")).to_be_visible()
    provider.goto("/")
    expect(provider.locator("#month-warnings")).to_have_count(0)
    case.refresh_from_db()
    assert case.month_rule_broken_from is None
