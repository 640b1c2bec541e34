"""③–⑥ in the browser: a date proposed by the provider and confirmed by the PSA, the setup media
shipped and received, account information opened once through its one-time link, then the
holder's vein registration; a lost link asked for again."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dsg.appointments.models import Appointment, AppointmentState
from dsg.enrollment.models import State
from dsg.notifications.models import OutboxMessage
from dsg.provisioning.models import AccountDelivery

from ..appointments.dates import business_day
from ..factories import SiteFactory
from ..walk import new_case, walk_to
from .conftest import ja, shoot
from .test_enrollment_walk import expect_success, record, submit

pytestmark = pytest.mark.e2e


def test_dates_media_and_account_information_through_the_pages(
    actor, company, cast, psa, provider_staff
):
    site = SiteFactory(company=company, name="市ヶ谷工場")
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    url = f"/enrollments/{case.pk}/"
    day = business_day(5).isoformat()  # dates are proposed on business days
    provider = actor(provider_staff)
    company_page = actor(psa)

    # ③ The provider proposes the survey date; the PSA sees who pays what and confirms.
    provider.goto(url)
    expect(provider.locator("[data-note=cost]")).to_contain_text("費用負担なし")
    record(provider, "appointment-propose", purpose="survey", starts_at=f"{day}T10:00")
    expect_success(provider, "The date was proposed to the company.")
    company_page.goto(url)
    row = company_page.locator("tr[data-purpose=survey]")
    expect(row).to_have_attribute("data-appointment-state", "proposed")
    shoot(company_page, "provisioning-appointment-proposed")
    submit(company_page, row.locator("form[data-form=appointment-confirm] button"))
    expect_success(company_page, "The date was confirmed.")
    expect(company_page.locator("tr[data-purpose=survey]")).to_have_attribute(
        "data-appointment-state", "confirmed"
    )
    assert Appointment.objects.get().state == AppointmentState.CONFIRMED
    ics = company_page.request.get(f"/enrollments/{case.pk}/appointments.ics")
    assert ics.ok and b"BEGIN:VEVENT" in ics.body()

    # ⑥ The provider ships the media and delivers the account information of a holder.
    case = walk_to(
        new_case(SiteFactory(company=company, name="横須賀工場"), cast), State.TERMINAL_SETUP, cast
    )
    url = f"/enrollments/{case.pk}/"
    company_page.goto(url)
    row = company_page.locator(f"tr[data-holder='{psa.email}']")  # from the application
    expect(row).to_have_attribute("data-holder-step", "account")
    provider.goto(url)
    sheet = provider.request.get(f"/enrollments/{case.pk}/account-sheet/")
    assert sheet.ok and psa.email in sheet.text()
    record(
        provider,
        "media-ship",
        carrier="日本郵便",
        tracking_number="EMS-0001",
        shipped_on=timezone.localdate().isoformat(),
    )
    expect_success(provider, "The shipment of the setup media was recorded.")
    record(provider, "account-delivery", username="dsg-k-0001", password="Init-Pw-7")
    expect_success(
        provider, "The account information is stored; the PSA was sent a one-time link by mail."
    )
    expect(provider.locator("[data-delivery=waiting]")).to_have_count(1)
    shoot(provider, "provisioning-step6-provider")

    company_page.goto(url)
    record(company_page, "media-received", received_on=timezone.localdate().isoformat())
    expect_success(company_page, "The receipt of the setup media was confirmed.")
    readiness = company_page.locator("tr[data-readiness]")
    expect(readiness).to_have_count(0)  # no terminal yet: the table says so
    body = OutboxMessage.objects.get(kind="account_delivery.create").body
    assert "Init-Pw-7" not in body
    # the code after #: never sent to the server but in the form's body
    link = re.search(r"https?://[^/]+(/account-deliveries/open/#[\w-]+)", body)[1]
    company_page.goto(link)
    expect(company_page.locator("[data-secret]")).to_have_count(0)
    assert "#" not in company_page.url  # the script took the code off the address bar
    submit(company_page, company_page.locator("form[data-form=account-delivery-open] button"))
    expect(company_page.locator("[data-secret=password]")).to_have_text("Init-Pw-7")
    shoot(company_page, "provisioning-account-opened")
    company_page.goto("about:blank")  # else only the #fragment changes: no new page
    company_page.goto(link)
    submit(company_page, company_page.locator("form[data-form=account-delivery-open] button"))
    expect(company_page.locator("[data-refusal]")).to_contain_text(
        ja(
            "This link was already opened. Ask the service provider to issue the account "
            "information again if it was lost."
        )
    )
    assert AccountDelivery.objects.get().secret is None

    # The holder received it: the vein registration, then the connection test.
    company_page.goto(url)
    row = company_page.locator(f"tr[data-holder='{psa.email}']")
    expect(row).to_have_attribute("data-holder-step", "vein")
    expect(row.locator("td[data-received]")).to_have_attribute("data-received", "yes")
    provider.goto(url)
    record(provider, "vein", registered_on=timezone.localdate().isoformat(), method="remote")
    expect_success(provider, "The vein registration was recorded.")
    company_page.goto(url)
    expect(company_page.locator(f"tr[data-holder='{psa.email}']")).to_have_attribute(
        "data-holder-step", "test"
    )
    shoot(company_page, "provisioning-holder-ready-for-test")

    # A PSA who lost a link asks for it again; the provider sees it among its tasks.
    holder = case.account_holders.get()
    company_page.goto(url)
    company_page.locator("details[data-details=reissue] summary").click()
    record(company_page, "reissue-request", reason="メールを誤って削除")
    expect(company_page.locator("[data-reissue=requested]")).to_have_count(1)
    provider.goto("/")
    expect(provider.locator("tr[data-task=account_reissue]")).to_have_count(1)
    holder.refresh_from_db()
    assert holder.reissue_requested_by == psa
