"""The inbox in Chromium (#12): the PSA sees the unread count in the header, opens the mail the
portal sent, and it turns read; then chooses English, and the next mail comes in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.notifications.models import Notification

from ..walk import act, new_case
from .conftest import shoot

pytestmark = pytest.mark.e2e


def test_a_notification_read_in_the_inbox_turns_read(actor, site, cast):
    case = act(new_case(site, cast), "submit", cast.psa)  # the 到達 mail to the PSA
    received = Notification.objects.get(user=cast.psa)
    page = actor(cast.psa)
    inbox_link = page.locator("a[data-link=inbox]")
    expect(inbox_link.locator("[data-unread]")).to_have_text("1 未読")
    inbox_link.click()
    row = page.locator(f"tr[data-notification='{received.pk}']")
    expect(row).to_have_attribute("data-read", "no")
    expect(row).to_contain_text(received.message.subject)
    shoot(page, "inbox")
    row.locator("a").click()
    expect(page.locator("h1")).to_have_text(received.message.subject)
    expect(page.locator(".mail-body")).to_contain_text(
        case.application.versions.get().receipt_number
    )
    expect(page.locator(".mail-body a").first).to_have_attribute(
        "href", f"{_portal()}/enrollments/{case.pk}/application/"
    )
    page.locator("a", has_text="通知一覧に戻る").click()
    expect(row).to_have_attribute("data-read", "yes")
    expect(page.locator("a[data-link=inbox] [data-unread]")).to_have_count(0)
    received.refresh_from_db()
    assert received.read_at is not None

    # English from now on: the settings page, then the office's next step mails in English
    page.locator("details[data-user-menu] summary").click()
    page.locator("a[data-link=settings]").click()
    page.locator("input[name=language][value=en]").check()
    page.locator("form[data-form=account-settings] button[type=submit]").click()
    expect(page.locator(".notices")).to_contain_text("Your settings were saved")  # in English now
    act(case, "accept", cast.reviewer)
    page.goto("/notifications/")
    newest = page.locator("tr[data-read=no]")
    expect(newest).to_have_count(1)
    expect(newest).to_contain_text("[DSG Portal]")


def _portal() -> str:
    from django.conf import settings

    return settings.PORTAL_URL
