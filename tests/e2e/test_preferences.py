"""Told in their language, mailed what they chose (#12), in Chromium: the PSA switches the header
to English and their next mail is in English; the office's reviewer makes the reminders required
on its page, and the PSA's settings no longer offer to turn them off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.audit.models import AuditEvent
from dsg.notifications.models import MailOptOut, Notification

from ..walk import act, new_case
from .conftest import shoot

pytestmark = pytest.mark.e2e


def test_the_header_switch_sets_the_language_of_the_person_s_mail(actor, site, cast):
    page = actor(cast.psa)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.locator("form.lang-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    cast.psa.refresh_from_db()
    assert cast.psa.language == "en"
    assert AuditEvent.objects.filter(action="user.preferences", actor_id=cast.psa.pk).exists()
    act(new_case(site, cast), "submit", cast.psa)  # the 到達 mail to the PSA
    mail = Notification.objects.filter(user=cast.psa).latest("pk").message
    assert mail.language == "en" and "Please log in to the portal" in mail.body
    page.goto("/notifications/")
    expect(page.locator("tr[data-read=no]")).to_contain_text("[DSG Portal]")


def test_the_office_makes_the_reminders_required(actor, cast):
    MailOptOut.objects.create(user=cast.psa, category="reminder")
    office = actor(cast.reviewer)
    office.locator("details[data-user-menu] summary").click()
    office.locator("a[data-link=mail-categories]").click()
    form = office.locator("form[data-form=mail-categories]")
    expect(form.locator("input[value=action]")).to_be_checked()
    expect(form.locator("input[value=reminder]")).not_to_be_checked()
    expect(form.locator("input[value=account]")).to_have_count(0)  # always required
    form.locator("input[value=reminder]").check()
    shoot(office, "office-mail-categories")
    form.locator("button[type=submit]").click()
    expect(office.locator(".notices")).to_contain_text("必須とするメールを保存しました")
    expect(form.locator("input[value=reminder]")).to_be_checked()
    assert not MailOptOut.objects.exists()

    psa = actor(cast.psa)
    psa.goto("/account/settings/")
    settings_form = psa.locator("form[data-form=account-settings]")
    expect(settings_form.locator("input[name=receive][value=reminder]")).to_have_count(0)
    expect(settings_form.locator("[data-required]")).to_contain_text("期限のお知らせ")
    expect(settings_form.locator("input[name=receive][value=information]")).to_be_checked()


@pytest.mark.parametrize(
    ("who", "path"),
    [("psa", "/account/settings/"), ("reviewer", "/office/mail/categories/")],
)
def test_the_settings_pages_pass_axe(actor, cast, who, path):
    from axe_playwright_python.sync_playwright import Axe

    page = actor(getattr(cast, who))
    page.goto(path)
    violations = [
        rule["id"]
        for rule in Axe().run(page).response["violations"]
        if rule["impact"] in {"serious", "critical"}
    ]
    assert not violations, f"{path}: {violations}"
