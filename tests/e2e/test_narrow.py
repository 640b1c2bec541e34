"""At 390 px (a phone) every main page of each role fits the screen: no sideways scroll
(document.documentElement.scrollWidth <= 390), the header menu folded behind 「メニュー」 and
opening on a tap, tables stacked as labelled rows; at 1024 px (the inspector's tablet) the menu
is laid out in full, no button (#12)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.orgs.models import Role

from ..factories import SiteFactory, UserFactory
from ..walk import new_case, walk_to
from .conftest import TIMEOUT_MS, login, shoot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def world(company, cast):
    cases = {}
    for name, state in (
        ("第1工場", State.DRAFT),
        ("第2工場", State.SUBMITTED),
        ("第3工場", State.SURVEY),
    ):
        site = SiteFactory(company=company, name=name, facility="第1取扱施設")
        cases[state] = walk_to(new_case(site, cast, complete=state != State.DRAFT), state, cast)
    return cases


def pages_of(role: str, cases) -> list[str]:
    draft, submitted, survey = cases[State.DRAFT], cases[State.SUBMITTED], cases[State.SURVEY]
    version = submitted.application.versions.get()
    common = [
        "/",
        "/sites/",
        f"/sites/{survey.site_id}/",
        f"/enrollments/{survey.pk}/",
        "/contacts/",
    ]
    return (
        common
        + {
            "psa": [
                f"/enrollments/{draft.pk}/",
                f"/enrollments/{draft.pk}/application/",
                f"/enrollments/{draft.pk}/application/confirm/",
                f"/enrollments/{draft.pk}/application/company/",
                f"/enrollments/{submitted.pk}/withdraw/",
                "/folder/",
                "/account/api-tokens/",
                "/sites/new/",
                "/changes/",
                "/equipment-requests/",
            ],
            "delegate": ["/folder/", "/equipment-requests/"],
            "user": [],
            "reviewer": [
                f"/enrollments/{submitted.pk}/",
                f"/application-versions/{version.pk}/",
                f"/enrollments/{submitted.pk}/reject/",
                "/enrollments/?step=1",
                "/folder/",
                "/changes/",
            ],
            "inspector": ["/inspections/", f"/enrollments/{submitted.pk}/"],
            "staff": [f"/enrollments/{survey.pk}/account-sheet/"],
        }[role]
    )


def people(cast, company) -> dict[str, object]:
    return {
        "psa": cast.psa,
        "delegate": cast.delegate,
        "user": UserFactory(organization=company, role=Role.USER),
        "reviewer": cast.reviewer,
        "inspector": cast.inspector,
        "staff": cast.staff,
    }


def test_the_main_pages_of_each_role_fit_a_phone(browser, live_server, world, cast, company):
    for role, person in people(cast, company).items():
        context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport=PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        login(page, person)
        for url in pages_of(role, world):
            response = page.goto(url)
            assert response is not None and response.status < 400, (role, url, response)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{url} as the {role}: {width} px wide"
            # the menu is folded: the toggle shows, the main menu does not until tapped
            toggle = page.locator("[data-menu-toggle]")
            expect(toggle).to_be_visible()
            expect(page.locator(".site-header__nav")).to_be_hidden()
        toggle.click()
        expect(page.locator(".site-header__nav a").first).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shoot(page, f"narrow-{role}")
        context.close()


def test_tables_stack_on_a_phone_and_stay_tables_on_a_tablet(browser, live_server, world, cast):
    for viewport, stacked in ((PHONE, True), (TABLET, False)):
        context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport=viewport)
        page = context.new_page()
        login(page, cast.reviewer)
        page.goto("/enrollments/?step=1")
        cell = page.locator("table.table tbody td").first
        expect(cell).to_have_attribute(
            "data-label", page.locator("table.table thead th").first.inner_text()
        )
        display = cell.evaluate("td => getComputedStyle(td).display")
        assert (display == "block") == stacked, (viewport, display)
        if not stacked:  # the tablet keeps its full header: no menu button
            expect(page.locator("[data-menu-toggle]")).to_be_hidden()
            expect(page.locator(".site-header__nav a").first).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        context.close()
