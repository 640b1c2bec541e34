"""Errors beside their fields in the browser (#12): a bad input on the case page's step form, on
③'s inline survey form and on the inspection tablet comes back with the error summary focused;
its link moves the focus to the field, which shows its error beside it. Nothing changed. And the
application's site address filled in from its postal code."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.inspections import services as insp
from dsg.inspections.models import Finding
from dsg.provisioning.models import Provisioning

from ..walk import new_case, today, walk_to
from .conftest import ja, shoot
from .test_enrollment_walk import submit

pytestmark = pytest.mark.e2e


def _summary_leads_to(page, field_id: str) -> None:
    """The summary is focused, names the problem, and its link focuses the field, whose error
    stands beside it."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text(ja("There is a problem"))
    expect(summary).to_be_focused()
    expect(page.locator(f"#{field_id}_error")).to_be_visible()
    summary.locator(f"a[href='#{field_id}']").click()
    expect(page.locator(f"#{field_id}")).to_be_focused()


def test_a_step_without_its_serial_number_shows_the_error_at_the_field(
    actor, site, cast, provider_staff
):
    case = walk_to(new_case(site, cast), State.ROUTER_INSTALLATION, cast)
    page = actor(provider_staff)
    page.goto(f"/enrollments/{case.pk}/")
    form = page.locator("form[data-transition=install_router]")
    form.locator("input[name=performed_on]").fill(today().isoformat())
    submit(page, form.locator("button[type=submit]"))  # carried to its confirmation page (#12)
    confirm = page.locator("form[data-form=confirm]")
    expect(page.locator("#install_router-performed_on")).to_have_value(today().isoformat())
    submit(page, confirm.locator("button[data-confirm]"))  # checked there
    _summary_leads_to(page, "install_router-router_serial")
    shoot(page, "field-error-transition")
    expect(page.locator("#install_router-performed_on")).to_have_value(today().isoformat())
    case.refresh_from_db()
    assert case.state == State.ROUTER_INSTALLATION

    page.locator("#install_router-router_serial").fill("RT-0001")
    submit(page, confirm.locator("button[data-confirm]"))
    expect(page.locator(".state")).to_have_attribute("data-state", State.TERMINAL_SETUP)


def test_the_survey_without_its_date_shows_the_error_in_the_provisioning_panel(
    actor, site, cast, provider_staff
):
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    page = actor(provider_staff)
    page.goto(f"/enrollments/{case.pk}/")
    form = page.locator("form[data-form=survey]")
    form.locator("textarea[name=route_notes]").fill("北側の電柱から引込み")
    submit(page, form.locator("button[type=submit]"))
    _summary_leads_to(page, "survey-surveyed_on")
    expect(page.locator("#survey-route_notes")).to_have_value("北側の電柱から引込み")
    shoot(page, "field-error-survey")
    assert not Provisioning.objects.filter(enrollment=case, surveyed_on__isnull=False).exists()


def test_the_tablet_shows_an_items_error_beside_that_item(actor, site, cast, inspector):
    case = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = insp.inspection_open(subject=case, actor=inspector)
    page = actor(inspector)
    page.goto(f"/inspections/{inspection.pk}/record/")
    form = page.locator("form[data-theme]").first
    items = form.locator("fieldset[data-item]")
    for item in items.all():
        item.locator("input[value=conforming]").check()
    target = items.nth(1)
    finding_id = target.locator("input[name=finding]").get_attribute("value")
    target.locator("input[value=nonconforming]").check()
    target.locator(f"#due-{finding_id}").fill((today() - dt.timedelta(days=2)).isoformat())
    submit(page, form.locator("button[type=submit]"))
    _summary_leads_to(page, f"due-{finding_id}")
    shoot(page, "field-error-tablet")
    assert not Finding.objects.filter(inspection=inspection).exclude(result="").exists()


def test_the_applications_site_address_fills_in_from_the_postal_code(actor, site, cast, psa):
    """郵便番号 → 都道府県・市区町村 on the application's site part (static/dsg/postal.js over the
    portal's /postal-codes/ lookup of Japan Post's data): typed as people type it."""
    case = new_case(site, cast, complete=False)
    page = actor(psa)
    page.goto(f"/enrollments/{case.pk}/application/site/")
    page.locator("#id_site_address").fill("")
    page.locator("#id_site_postal_code").fill("")
    page.locator("#id_site_postal_code").press_sequentially("２３１００２３")
    expect(page.locator("#id_site_prefecture")).to_have_value("14")
    expect(page.locator("#id_site_address")).to_have_value("横浜市中区山下町")
    expect(page.locator("#id_site_postal_code")).to_have_value("231-0023")
    shoot(page, "application-postal-code")
