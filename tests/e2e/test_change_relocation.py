"""加入申請内容の変更 in the browser: a PSA files a relocation of an enrolled site with its layout
diagram, the reviewer accepts it with the provider's survey and line work (through the page that
states the consequence), the provider records its work, and the site shows its new address and
the history row."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.orgs.models import Site
from dsg.requests.after import AFTER_ACTION
from dsg.requests.models import ChangeRequest, ChangeState

from ..factories import SiteFactory
from ..walk import new_case, small_pdf, walk_to
from .conftest import ja, shoot
from .test_enrollment_walk import expect_success, submit

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_a_relocation_from_filing_to_the_new_address(
    actor, company, cast, psa, reviewer, provider_staff
):
    site = SiteFactory(company=company, name="市ヶ谷事業所")
    walk_to(new_case(site, cast), State.COMPLETED, cast)
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()

    # The PSA starts the change from the site page and fills in the new address.
    page = actor(psa)
    page.goto(f"/sites/{site.pk}/")
    submit(page, page.locator("a[data-link=change-new]"))
    page.locator("input[name=kind][value=relocation]").check()
    submit(page, page.locator("form[data-form=change-start] button[type=submit]"))
    change = ChangeRequest.objects.get()
    form = page.locator("form[data-form=change-edit]")
    expect(form.locator("[data-registered=site_address]")).to_contain_text(site.address)
    form.locator("input[name=site_postal_code]").fill("231-0023")
    form.locator("select[name=site_prefecture]").select_option("14")
    form.locator("input[name=site_address]").fill("横浜市中区山下町1")
    form.locator("textarea[name=description]").fill("事業所の移転に伴う拠点の移転")
    form.locator("input[name=effective_on]").fill(later)
    submit(page, form.locator("button[type=submit]").first)
    expect_success(page, "The change was saved.")

    upload = page.locator("form[data-form=change-upload]")
    upload.locator("select[name=kind]").select_option("layout")
    upload.locator("input[name=file]").set_input_files(
        {"name": "レイアウト図.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
    )
    submit(page, upload.locator("button[type=submit]"))
    expect(page.locator("tr[data-kind=layout]")).to_contain_text("レイアウト図.pdf")

    page.goto(f"/changes/{change.pk}/confirm/")
    expect(page.locator("tr[data-changed=site_address]")).to_contain_text("横浜市中区山下町1")
    expect(page.locator("#missing")).to_have_count(0)
    shoot(page, "change-relocation-confirm")
    submit(page, page.locator("form[data-form=change-submit] button"))
    change.refresh_from_db()
    expect(page.locator("[data-submitted] [data-receipt]")).to_have_text(change.receipt_number)
    expect(page.locator("#next")).to_contain_text(ja("What happens next (今後の流れ)"))

    # The reviewer accepts it with the provider's work, through the confirmation page.
    office = actor(reviewer)
    office.goto(f"/changes/{change.pk}/")
    submit(office, office.locator("[data-decision=accept] a[data-confirm-page]"))
    expect(office.locator("[data-consequence]")).to_be_visible()
    accept = office.locator("form[data-form=confirm]")
    accept.locator("input[name=provider_work][value=survey]").check()
    accept.locator("input[name=provider_work][value=line_work]").check()
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.SUBMITTED
    shoot(office, "change-relocation-accept-confirm")
    submit(office, accept.locator("button[data-confirm]"))
    expect(office.locator("[data-state]").first).to_have_attribute("data-state", "accepted")
    assert Site.objects.get(pk=site.pk).address != "横浜市中区山下町1"

    # The provider records its survey and its line work; the change then applies.
    provider = actor(provider_staff)
    provider.goto(f"/changes/{change.pk}/")
    expect(provider.locator("#review")).to_have_count(0)
    for kind, after in (("survey", "work_done"), ("line_work", "complete")):
        row = provider.locator(f"tr[data-work-kind={kind}]")
        day = dt.date.today().isoformat()
        row.locator("input[type=date]").fill(day)
        submit(provider, row.locator("button[type=submit]"))
        # the confirmation page (#12: never by one click), with the date carried to it
        expect(provider.locator("[data-consequence]")).to_be_visible()
        expect(provider.locator("form[data-form=confirm] input[type=date]")).to_have_value(day)
        submit(provider, provider.locator("button[data-confirm]"))
        expect_success(provider, AFTER_ACTION[after].format(number=change.number))
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.COMPLETED

    # The site shows its new address and the history row.
    page.goto(f"/sites/{site.pk}/")
    expect(page.locator("dl.facts").first).to_contain_text("横浜市中区山下町1")
    row = page.locator("tr[data-history-field=site_address]")
    expect(row).to_contain_text("横浜市中区山下町1")
    expect(row).to_contain_text(change.number)
    shoot(page, "change-relocation-site-history")
