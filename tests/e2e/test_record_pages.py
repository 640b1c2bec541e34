"""The confirmation pages of ③–⑥'s records and of the company's request for ⑦ in the browser
(#12): each reached from the case page's own form, at 1280 px and at 390 px (no sideways scroll),
with what it does and who is told, 「キャンセル」 back to the case with nothing changed, and no
serious or critical axe-core violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..enrollment.test_record_pages import RECORDS
from ..factories import SiteFactory
from ..walk import new_case, prepare_for, walk_to
from .conftest import shoot
from .test_accessibility import _violations

pytestmark = pytest.mark.e2e

NARROW = {"width": 390, "height": 844}


def test_each_record_page_is_reached_from_the_case_page_and_reads_at_390_px(actor, company, cast):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for name, (slug, state, who, _values, _after) in RECORDS.items():
        case = walk_to(new_case(SiteFactory(company=company), cast), state, cast)
        prepare_for(case, name, cast)
        page = actor(getattr(cast, who))
        page.goto(f"/enrollments/{case.pk}/")
        form = page.locator(f'form[action="/enrollments/{case.pk}/{slug}/"]')
        form.locator("button[type=submit]").first.click()
        page.wait_for_url(f"**/enrollments/{case.pk}/{slug}/")
        expect(page.locator("form[data-form=confirm]")).to_be_visible()
        expect(page.locator("[data-consequence]")).to_be_visible()
        expect(page.locator("[data-told]")).to_be_visible()
        assert _violations(axe, page) == [], name

        page.set_viewport_size(NARROW)
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], name
        shoot(page, f"record-{slug}-390")

        page.get_by_role("link", name="キャンセル").click()
        page.wait_for_url(f"**/enrollments/{case.pk}/")
        case.refresh_from_db()
        assert case.state == state, name  # nothing was done
        page.context.close()
