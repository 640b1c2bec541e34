"""The 年次確認 in the browser, through the one confirmation page (#12): the office opens a round
on its page (the companies asked, who is told, the title and due date; a past date said beside
its field), then the company's PSA answers 「現在の内容に相違ありません」 on its confirmation page
(what is stated, what the portal holds, that the office is told), 「キャンセル」 changing nothing,
and reads what comes next (今後の流れ). axe-core finds nothing serious on either page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from dsg.annual.models import AnnualConfirmation, AnnualRound, ConfirmationState
from dsg.enrollment.models import State

from ..factories import SiteFactory
from ..walk import new_case, today, walk_to
from .conftest import ja, shoot
from .test_accessibility import _violations
from .test_enrollment_walk import submit

pytestmark = pytest.mark.e2e

TITLE = "2026年度 年次確認"


@pytest.fixture
def enrolled_site(company, cast):
    site = SiteFactory(company=company, name="市ヶ谷事業所")
    walk_to(new_case(site, cast), State.COMPLETED, cast)
    return site


def test_a_round_opened_and_answered_through_the_confirmation_pages(
    actor, cast, reviewer, psa, enrolled_site
):
    from axe_playwright_python.sync_playwright import Axe

    office = actor(reviewer)
    office.goto("/annual/")
    submit(office, office.locator("a[data-link=annual-round-new]"))
    expect(office.locator("[data-consequence]")).to_be_visible()
    expect(office.locator("[data-list=companies]")).to_contain_text(enrolled_site.company.name)
    axe = Axe()
    assert not _violations(axe, office), "the round's confirmation page"
    form = office.locator("form[data-form=confirm]")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("input[name=due_on]").fill(today().isoformat())  # today: refused
    submit(office, office.locator("button[data-confirm]"))
    expect(office.locator("[data-error-summary]")).to_be_visible()
    expect(office.locator("#round-due_on_error")).to_be_visible()  # beside its field
    assert not AnnualRound.objects.exists()
    office.locator("#round-due_on").fill((today() + dt.timedelta(days=30)).isoformat())
    submit(office, office.locator("button[data-confirm]"))
    annual_round = AnnualRound.objects.get()
    expect(office.locator(f"[data-round='{annual_round.pk}']")).to_contain_text(TITLE)

    confirmation = AnnualConfirmation.objects.get(round=annual_round)
    page = actor(psa)
    page.goto(f"/annual/confirmations/{confirmation.pk}/")
    submit(page, page.locator("a[data-link=confirm]"))
    expect(page.locator("[data-consequence]")).to_contain_text(enrolled_site.company.name)
    expect(page.locator("[data-told]")).to_contain_text(ja("the office"))
    expect(page.locator("[data-holdings]")).to_contain_text(enrolled_site.name)
    shoot(page, "annual-confirm")
    assert not _violations(axe, page), "the answer's confirmation page"
    submit(page, page.locator("a[data-cancel]"))  # 「キャンセル」: back, nothing recorded
    assert page.url.endswith(f"/annual/confirmations/{confirmation.pk}/")
    confirmation.refresh_from_db()
    assert confirmation.state == ConfirmationState.PENDING

    submit(page, page.locator("a[data-link=confirm]"))
    page.locator("form[data-form=confirm] textarea[name=statement]").fill("異動なし")
    submit(page, page.locator("button[data-confirm]"))
    assert page.url.endswith(f"/annual/confirmations/{confirmation.pk}/")
    expect(page.locator(".notice--success")).to_contain_text("今後の流れ")
    expect(page.locator("[data-confirmation] [data-state]")).to_have_attribute(
        "data-state", "confirmed"
    )
    confirmation.refresh_from_db()
    assert (confirmation.state, confirmation.statement) == (ConfirmationState.CONFIRMED, "異動なし")
