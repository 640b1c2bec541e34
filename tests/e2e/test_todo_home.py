"""Whose turn it is (#12): each role's home leads to the form of its next action — in Chromium.

The PSA whose ② dates are offered sees 「日程を選択」 on the home and lands on the slot form; the
case page leads with the viewer's next action and is measured (document.body.scrollHeight at
1280 px).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dsg.core.calendar import add_business_days
from dsg.enrollment.models import State
from dsg.inspections import services as insp

from ..walk import new_case, setup_terminal_passed, walk_to
from .conftest import ja, shoot

pytestmark = pytest.mark.e2e
JST = zoneinfo.ZoneInfo("Asia/Tokyo")


def offer_slots(enrollment, cast, count: int = 2):
    """The office opens the round of ② and offers ``count`` dates on coming business days."""
    inspection = insp.inspection_open(subject=enrollment, actor=cast.inspector)
    today = timezone.localdate()
    starts = [
        dt.datetime.combine(add_business_days(today, 3 + n), dt.time(10), tzinfo=JST)
        for n in range(count)
    ]
    insp.inspection_propose_slots(inspection=inspection, actor=cast.reviewer, starts=starts)
    return inspection


def test_the_psa_whose_dates_are_offered_picks_one_from_the_home(actor, site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = offer_slots(enrollment, cast)
    page = actor(cast.psa)
    page.goto("/")
    item = page.locator(f"[data-site='{site.name}'] [data-todo='inspection.pick_slot']")
    expect(item).to_be_visible()
    link = item.get_by_role("link", name="日程を選択")
    expect(link).to_be_visible()
    # The case is waiting on the company, not on the office.
    expect(
        page.locator(f"[data-case='{enrollment.number}'] [data-waiting='company']")
    ).to_be_visible()
    shoot(page, "todo-home-psa")
    link.click()
    page.wait_for_url(f"**/inspections/{inspection.pk}/**")
    form = page.locator("form[data-form=pick]")
    expect(form).to_be_visible()
    form.locator("input[name=slot_id]").first.check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice--success")).to_be_visible()
    page.goto("/")
    expect(page.locator("[data-todo='inspection.pick_slot']")).to_have_count(0)


def test_the_case_page_leads_with_the_next_action(actor, site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    offer_slots(enrollment, cast)
    page = actor(cast.psa)
    page.goto(f"/enrollments/{enrollment.pk}/")
    box = page.locator("[data-next-action]")
    expect(box).to_have_attribute("data-next-action", "inspection.pick_slot")
    expect(box.get_by_role("link", name="日程を選択")).to_be_visible()
    contents = page.locator("nav.contents")
    # The sections of other steps are folded; a link of the contents opens its section.
    history = page.locator("#history")
    expect(history).to_be_hidden()
    contents.get_by_role("link", name=ja("History")).click()
    expect(history).to_be_visible()
    expect(page.locator("#schedule table.gantt")).to_be_hidden()
    contents.get_by_role("link", name=ja("Schedule (スケジュール表)")).click()
    expect(page.locator("#schedule table.gantt")).to_be_visible()
    expect(page.locator("#inspections")).to_be_visible()  # the step the case is at: open


@pytest.mark.parametrize("who", ["psa", "reviewer"])
def test_measure_the_case_page(actor, site, cast, who):
    """Not a check: prints the case page's height at 1280 px (a case at ⑥ with two terminals)."""
    enrollment = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    setup_terminal_passed(enrollment, cast, name="PC-02")
    page = actor(getattr(cast, who))
    page.goto(f"/enrollments/{enrollment.pk}/")
    height = page.evaluate("document.body.scrollHeight")
    print(f"\nCASE PAGE HEIGHT {who}: {height}px")
    shoot(page, f"todo-case-{who}")
