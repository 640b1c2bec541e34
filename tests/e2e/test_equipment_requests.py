"""§5 requests in the browser: the PSA files a software installation request for software that
updates online and sees it refused at once with the guideline's reason (留意事項(2)); the PSA files
a USB memory, the reviewer takes it up and approves it through the confirmation step, and the
medium stands in the site's registry with its 媒体番号."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.equipment.models import EquipmentRequest, LineDecision, Outcome, RequestState
from dsg.equipment.services import RULE_ONLINE
from dsg.registry.models import RemovableMedium, Terminal

from ..factories import SiteFactory
from ..walk import new_case, walk_to
from .conftest import shoot
from .test_enrollment_walk import submit

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def enrolled_site(company, cast):
    site = SiteFactory(company=company, name="市ヶ谷事業所")
    walk_to(new_case(site, cast), State.COMPLETED, cast)
    return site


def start(page, site, kind: str):
    page.goto(f"/sites/{site.pk}/")
    submit(page, page.locator("a[data-link=equipment-request-new]"))
    page.locator(f"input[name=kind][value={kind}]").check()
    submit(page, page.locator("form[data-form=request-kind] button[type=submit]"))
    return page.locator("form[data-form=request-lines]")


def file_after_check(page, form):
    submit(page, form.locator("button[name=step][value=check]"))
    shoot(page, "equipment-confirm")
    submit(page, page.locator("form[data-form=request-file] button[data-file]"))


def test_software_that_updates_online_is_refused_at_once(actor, psa, enrolled_site):
    terminal = Terminal.objects.filter(site=enrolled_site).order_by("pk").first()
    page = actor(psa)
    form = start(page, enrolled_site, "software")
    form.locator("textarea[name=purpose]").fill("図面の閲覧のため")
    row = form.locator("fieldset[data-row='1']")
    row.locator("input[name=line-0-name]").fill("CAD Viewer")
    row.locator("input[name=line-0-vendor]").fill("Example KK")
    row.locator("input[name=line-0-version]").fill("3.1")
    row.locator("input[name=line-0-updates_online]").check()
    row.locator("textarea[name=line-0-install_method]").fill("DVD-ROMからインストール")
    row.locator("textarea[name=line-0-update_method]").fill("ベンダーのサーバーから自動更新")
    row.locator(f"input[name=line-0-terminals][value='{terminal.ref}']").check()
    file_after_check(page, form)

    request = EquipmentRequest.objects.get()
    expect(page.locator("[data-receipt]")).to_have_text(request.receipt_number)
    assert request.state == RequestState.DECIDED and request.outcome == Outcome.REJECTED
    line = request.software_lines.get()
    assert (line.decision, line.rule_code) == (LineDecision.REFUSED, RULE_ONLINE)

    page.goto(f"/equipment-requests/{request.pk}/")
    expect(page.locator(f"[data-rule={RULE_ONLINE}]")).to_contain_text("留意事項(2)")
    shoot(page, "equipment-software-refused")


def test_a_usb_memory_is_filed_and_approved(actor, psa, reviewer, enrolled_site):
    terminal = Terminal.objects.filter(site=enrolled_site).order_by("pk").first()
    page = actor(psa)
    form = start(page, enrolled_site, "medium")
    form.locator("textarea[name=purpose]").fill("設計データの受け渡しのため")
    row = form.locator("fieldset[data-row='1']")
    row.locator("input[name=line-0-action][value=add]").check()
    row.locator("select[name=line-0-kind]").select_option("usb_memory")
    row.locator("input[name=line-0-vendor_id]").fill("0781")
    row.locator("input[name=line-0-product_id]").fill("5581")
    row.locator("input[name=line-0-serial_number]").fill("4C530001231122115172")
    row.locator("input[name=line-0-capacity_gb]").fill("32")
    row.locator("input[name=line-0-custodian]").fill("山田 太郎")
    row.locator(f"input[name=line-0-terminals][value='{terminal.ref}']").check()
    file_after_check(page, form)
    request = EquipmentRequest.objects.get()
    expect(page.locator("[data-receipt]")).to_have_text(request.receipt_number)
    assert not RemovableMedium.objects.exists()  # the registry changes only on approval

    office = actor(reviewer)
    office.goto(f"/equipment-requests/{request.pk}/")
    submit(office, office.locator("[data-action=take-up] a[data-confirm-page]"))
    submit(office, office.locator("form[data-form=confirm] button[data-confirm]"))
    submit(office, office.locator("a[data-link=decide]"))
    office.locator("input[name=line-1-verdict][value=approve]").check()
    shoot(office, "equipment-decide-confirm")
    assert not RemovableMedium.objects.exists()  # not before the confirmation
    submit(office, office.locator("form[data-form=confirm] button[data-confirm]"))

    request.refresh_from_db()
    assert request.outcome == Outcome.APPROVED
    medium = RemovableMedium.objects.get()
    assert list(medium.terminals.all()) == [terminal]
    page.goto(f"/sites/{enrolled_site.pk}/terminals/")
    expect(page.locator("body")).to_contain_text(medium.ref)
    shoot(page, "equipment-medium-in-registry")
