"""inspections: the recording page on a tablet (1024×768, touch), without any JavaScript of ours."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.inspections import services
from dsg.inspections.models import Finding

from ..walk import new_case, walk_to
from .conftest import TIMEOUT_MS, login, shoot

pytestmark = pytest.mark.e2e
TOUCH_MIN_PX = 44  # WCAG 2.5.5 target size


def test_the_inspector_records_items_on_a_tablet(browser, live_server, site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    context = browser.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        viewport={"width": 1024, "height": 768},
        has_touch=True,
        java_script_enabled=False,  # works without JavaScript
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        login(page, cast.inspector)
        page.goto(f"/inspections/{inspection.pk}/record/")
        facility = page.locator("form[data-theme='施設']")
        # Large touch targets, nothing wider than the screen.
        for label in facility.locator(".insp-result-choice").all()[:8]:
            box = label.bounding_box()
            assert box["height"] >= TOUCH_MIN_PX and box["width"] >= TOUCH_MIN_PX, box
        save = facility.locator("button[type=submit]")
        assert save.bounding_box()["height"] >= TOUCH_MIN_PX
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
        # Tap the labels (not the tiny radios) for three items, add a note to the 不適合.
        for code, result in (
            ("F-01", "conforming"),
            ("F-02", "nonconforming"),
            ("F-03", "unchecked"),
        ):
            item = facility.locator(f"fieldset[data-item='{code}']")
            item.locator(f"label.insp-result--{result}").tap()
            expect(item.locator(f"input[value={result}]")).to_be_checked()
        facility.locator("fieldset[data-item='F-02'] textarea[name^=note-]").fill(
            "共連れ防止策なし"
        )
        shoot(page, "inspection-tablet")
        save.tap()
        page.wait_for_url("**/record/**")
        expect(page.locator(".notice--success")).to_be_visible()
        expect(page.locator(".insp-progress")).to_have_attribute("data-recorded", "3")
    finally:
        context.close()
    results = dict(
        Finding.objects.filter(
            inspection=inspection, item__code__in=["F-01", "F-02", "F-03"]
        ).values_list("item__code", "result")
    )
    assert results == {"F-01": "conforming", "F-02": "nonconforming", "F-03": "unchecked"}
    assert Finding.objects.get(inspection=inspection, item__code="F-02").note == "共連れ防止策なし"
