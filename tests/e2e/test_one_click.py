"""Nothing irreversible by one click, in Chromium (#12): a POST that did not come from the
confirmation page (a one-click button, a crafted form) acts on nothing — it draws the page to
confirm on, with what it carried — and only the page's own button acts. And a refusal of a whole
form (no field to name): the error summary, focused, links to the form and its link moves the
focus there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.services import enrollment_create

from ..walk import new_case, walk_to
from .conftest import ja, shoot
from .test_enrollment_walk import submit

pytestmark = pytest.mark.e2e

# A one-click form of the kind the confirmation page replaces: posts the action straight away.
ONE_CLICK = """([url, token]) => {
  const form = document.createElement("form");
  form.method = "post"; form.action = url; form.dataset.form = "one-click";
  for (const [name, value] of [["csrfmiddlewaretoken", token], ["comment", "一度押しただけ"]]) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value; form.appendChild(input);
  }
  const button = document.createElement("button");
  button.type = "submit"; button.textContent = "go";
  form.appendChild(button); document.body.appendChild(form);
}"""


def test_a_one_click_post_draws_the_confirmation_page_and_changes_nothing(actor, site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    page = actor(cast.psa)
    page.goto(f"/enrollments/{case.pk}/")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    page.evaluate(ONE_CLICK, [f"/enrollments/{case.pk}/withdraw/", token])
    submit(page, page.locator("form[data-form=one-click] button"))

    assert page.url.endswith(f"/enrollments/{case.pk}/withdraw/")
    expect(page.locator("form[data-form=confirm]")).to_be_visible()
    expect(page.locator("[data-consequence]")).to_be_visible()
    expect(page.locator(".notice--warning").first).to_contain_text(
        ja("Nothing has been done yet: check what it does, then confirm on this page.")
    )
    expect(page.locator("form[data-form=confirm] textarea[name=comment]")).to_have_value(
        "一度押しただけ"
    )
    shoot(page, "confirm-one-click")
    case.refresh_from_db()
    assert case.state == State.SUBMITTED  # the one-click POST changed nothing

    submit(page, page.locator("button[data-confirm]"))  # the page's own button acts
    expect(page.locator(".state")).to_have_attribute("data-state", State.WITHDRAWN)


def test_a_refusal_of_a_whole_form_is_linked_to_that_form(actor, site, cast):
    page = actor(cast.psa)
    page.goto(f"/sites/{site.pk}/")
    button = page.locator("form[data-form=open-case] button[type=submit]")
    expect(button).to_be_visible()
    enrollment_create(site=site, actor=cast.psa)  # meanwhile, a case was opened elsewhere
    submit(page, button)

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    link = summary.locator("a[href='#open-case']")
    expect(link).to_be_visible()
    expect(page.locator("#open-case [data-form-error]")).to_be_visible()  # beside the button
    shoot(page, "refusal-open-case")
    link.click()
    expect(page.locator("form#open-case")).to_be_focused()
    assert Enrollment.objects.filter(site=site).count() == 1
