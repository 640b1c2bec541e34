"""Nothing irreversible by one click (#12), in Chromium: the PSA's 取下げ goes through its
confirmation page (what it does, what the office is told; 「キャンセル」 changes nothing), and the
reviewer's 却下 without the reason is refused with the error summary focused, its link moving the
focus to the field, the error beside it — no browser bubble stopped the form on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import State

from ..walk import new_case, walk_to
from .conftest import ja, shoot
from .test_enrollment_walk import submit

pytestmark = pytest.mark.e2e


def test_withdrawal_goes_through_its_confirmation_page(actor, site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    page = actor(cast.psa)
    page.goto(f"/enrollments/{case.pk}/")
    link = page.locator("[data-transition=withdraw] a[data-confirm-page]")
    expect(page.locator("form[data-transition=withdraw]")).to_have_count(0)  # no one-click form

    submit(page, link)
    assert page.url.endswith(f"/enrollments/{case.pk}/withdraw/")
    expect(page.locator("[data-consequence]")).to_be_visible()
    expect(page.locator("[data-told]")).to_contain_text(
        ja("the Information Systems Management Office")
    )
    shoot(page, "confirm-withdraw")
    case.refresh_from_db()
    assert case.state == State.SUBMITTED  # the page changed nothing

    submit(page, page.locator("a[data-cancel]"))  # 「キャンセル」: back to the case, unchanged
    assert page.url.endswith(f"/enrollments/{case.pk}/")
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    submit(page, link)
    page.locator("form[data-form=confirm] textarea[name=comment]").fill("計画変更のため")
    submit(page, page.locator("button[data-confirm]"))
    expect(page.locator(".state")).to_have_attribute("data-state", State.WITHDRAWN)
    expect(page.locator(".notice--success")).to_contain_text(ja("The case was withdrawn (取下げ)."))
    expect(page.locator("#history")).to_contain_text("計画変更のため")


def test_a_refusal_focuses_the_error_summary_and_its_link_the_field(actor, site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    page = actor(cast.reviewer)
    page.goto(f"/enrollments/{case.pk}/reject/")
    submit(page, page.locator("button[data-confirm]"))  # no reason: the server answers
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text(ja("There is a problem"))
    expect(summary).to_be_focused()
    expect(page.locator("#id_comment_error")).to_be_visible()  # the error beside the field
    shoot(page, "confirm-reject_error")
    summary.locator("a[href='#id_comment']").click()
    expect(page.locator("#id_comment")).to_be_focused()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    page.locator("#id_comment").fill("要件を満たしていません。")
    submit(page, page.locator("button[data-confirm]"))
    expect(page.locator(".state")).to_have_attribute("data-state", State.REJECTED)
