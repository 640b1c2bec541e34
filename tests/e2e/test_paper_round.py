"""A round held on paper, in Chromium, in its two steps (#12: nothing irreversible by one click):
the inspector transcribes the paper checklist and keeps it with its scan (a missing scan is said
beside the scan, nothing kept) — the page then says the round is entered and kept, not finished,
and nothing is issued — and finishes the round on its confirmation page, which names the notice
and who is mailed."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.inspections import services
from dsg.inspections.models import InspectionStatus
from dsg.notices.models import Notice

from ..walk import new_case, small_pdf, today, walk_to
from .conftest import shoot
from .test_accessibility import _violations
from .test_enrollment_walk import expect_success, submit

pytestmark = pytest.mark.e2e


def test_the_inspector_keeps_a_paper_round_then_finishes_it_on_its_confirmation_page(
    actor, site, cast
):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    visit = (today() - dt.timedelta(days=1)).isoformat()
    page = actor(cast.inspector)
    page.goto(f"/inspections/{inspection.pk}/")
    submit(page, page.locator("a[data-link=paper]"))
    steps = page.locator("[data-paper-steps]")
    expect(steps).to_have_attribute("data-paper-step", "enter")

    # Step 1: every item as ticked on the paper, F-05 a 不適合 with its note; first without the
    # scan: said beside the scan, the summary focused, what was entered kept.
    form = page.locator("form[data-form=paper]")
    for item in form.locator("fieldset[data-item]").all():
        code = item.get_attribute("data-item")
        result = "nonconforming" if code == "F-05" else "conforming"
        item.locator(f"label.insp-result--{result}").click()
    form.locator("fieldset[data-item='F-05'] textarea[name^=note-]").fill("入退室記録簿なし")
    form.locator("#paper-date").fill(visit)
    submit(page, form.locator("button[data-keep]"))
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("#paper-scan_error")).to_be_visible()
    expect(page.locator("fieldset[data-item='F-05'] textarea[name^=note-]")).to_have_value(
        "入退室記録簿なし"
    )
    inspection.refresh_from_db()
    assert inspection.paper_checklist_id is None
    axe = Axe()
    assert _violations(axe, page) == []  # the page with its errors

    page.locator("#paper-scan").set_input_files(
        {"name": "紙のチェックリスト.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
    )
    submit(page, page.locator("form[data-form=paper] button[data-keep]"))
    expect_success(
        page,
        "The transcription and the scan were kept. The round is not finished yet: check them, "
        "then finish the round to issue its notice.",
    )
    expect(steps).to_have_attribute("data-paper-step", "kept")
    expect(page.locator("[data-kept]")).to_contain_text("紙のチェックリスト.pdf")
    expect(page.locator("[data-paper-status]")).to_be_visible()
    shoot(page, "inspection-paper-kept")
    assert _violations(axe, page) == []
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scroll
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS and not Notice.objects.exists()

    # Step 2: the confirmation page names the notice and who is mailed; confirming finishes.
    submit(page, page.locator("[data-paper-finish] a[data-confirm-page]"))
    expect(page.locator("[data-consequence]")).to_contain_text("現地確認結果通知書")
    expect(page.locator("[data-told]")).to_contain_text("保護システム管理者")
    expect(page.locator("#id_performed_on")).to_have_value(visit)
    shoot(page, "inspection-paper-confirm")
    assert not Notice.objects.exists()  # the page changed nothing
    submit(page, page.locator("button[data-confirm]"))
    expect_success(page, "The inspection was finished and its notice issued.")
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "remediation_required")
    expect(page.locator("[data-paper]")).to_contain_text("紙のチェックリスト.pdf")
    assert Notice.objects.filter(kind="inspection_result").count() == 1
    page.goto(f"/inspections/{inspection.pk}/paper/")
    expect(page.locator("[data-paper-steps]")).to_have_attribute("data-paper-step", "finished")
    expect(page.locator("form[data-form=paper]")).to_have_count(0)
