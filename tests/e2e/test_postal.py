"""郵便番号 → 都道府県・市区町村 in a real browser: static/dsg/postal.js under the portal's strict
CSP (no inline script) fills the prefecture and the city/town once a postal code is typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..walk import new_case
from .conftest import shoot

pytestmark = pytest.mark.e2e


def _no_csp_violation(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_the_site_form_fills_the_prefecture_and_the_town_from_the_postal_code(actor, psa):
    page = actor(psa)
    errors = _no_csp_violation(page)
    page.goto("/sites/new/")
    form = page.locator("form[data-form=site]")
    form.locator("input[name=postal_code]").press_sequentially("１６２０８４５")
    expect(form.locator("select[name=prefecture]")).to_have_value("13")
    expect(form.locator("input[name=address]")).to_have_value("新宿区市谷本村町")
    expect(form.locator("input[name=postal_code]")).to_have_value("162-0845")
    expect(page.locator("#id_postal_code_postal_status")).to_have_text("東京都新宿区市谷本村町")
    shoot(page, "postal-site-form")
    # The PSA completes the address and registers the site.
    form.locator("input[name=name]").fill("市ヶ谷事業所")
    form.locator("input[name=address]").fill("新宿区市谷本村町5-1")
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/sites/new/" not in url)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_an_unknown_postal_code_is_noted_and_fills_nothing(actor, psa):
    page = actor(psa)
    page.goto("/sites/new/")
    form = page.locator("form[data-form=site]")
    form.locator("input[name=postal_code]").fill("162-8870")
    form.locator("input[name=postal_code]").dispatch_event("change")
    expect(page.locator("#id_postal_code_postal_status")).to_contain_text("日本郵便")
    expect(form.locator("select[name=prefecture]")).to_have_value("")
    expect(form.locator("input[name=address]")).to_have_value("")


def test_the_application_site_part_fills_its_own_prefecture(actor, site, cast):
    enrollment = new_case(site, cast, complete=False)
    page = actor(cast.psa)
    page.goto(f"/enrollments/{enrollment.pk}/application/site/")
    form = page.locator("form[data-part=site]")
    form.locator("input[name=site_address]").fill("")
    form.locator("input[name=site_postal_code]").fill("")
    form.locator("input[name=site_postal_code]").press_sequentially("〒231-0023")
    expect(form.locator("select[name=site_prefecture]")).to_have_value("14")
    expect(form.locator("input[name=site_address]")).to_have_value("横浜市中区山下町")
