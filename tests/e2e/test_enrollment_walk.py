"""One 加入案件 from the first draft to 加入完了, done entirely through the pages.

Every actor works in their own browser context, logged in through the login form, and does only
their own part; every step is checked by what the page shows (state, flash message, tracker).
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dsg.audit.services import audit_verify
from dsg.enrollment import rules
from dsg.enrollment.models import Enrollment

from .conftest import ja, shoot

pytestmark = pytest.mark.e2e

DONE = "Done: the case was updated."


def submit(page: Page, button, *, force: bool = False) -> None:
    """Click a submit button and wait until the next document (after the redirect) is loaded.

    ``force`` clicks a button marked aria-disabled (it still submits: the server explains why).
    """
    page.evaluate("document.documentElement.dataset.e2eStale = '1'")
    button.click(force=force)
    page.locator("html:not([data-e2e-stale])").wait_for(state="attached")
    page.wait_for_load_state()


def fill(form, **values: object) -> None:
    for name, value in values.items():
        field = form.locator(f"[name={name}]")
        tag = field.first.evaluate("e => e.tagName + ':' + (e.type || '')")
        if tag.startswith("SELECT"):
            field.select_option(str(value))
        elif tag.endswith(":radio"):
            form.locator(f"[name={name}][value='{value}']").check()
        elif tag.endswith(":checkbox"):
            field.set_checked(bool(value))
        else:
            field.fill(str(value))


def act(page: Page, transition: str, *, force: bool = False, **values: object) -> None:
    """Take a transition with the form the case page offers for it."""
    form = page.locator(f"form[data-transition={transition}]")
    fill(form, **values)
    submit(page, form.locator("button[type=submit]"), force=force)


def record(page: Page, data_form: str, **values: object):
    """Fill and send one of the case page's record forms (data-form=...)."""
    form = page.locator(f"form[data-form={data_form}]")
    expect(form).to_have_count(1)
    fill(form, **values)
    submit(page, form.locator("button[type=submit]"))


def expect_state(page: Page, state: str) -> None:
    expect(page.locator(".state")).to_have_attribute("data-state", state)


def expect_success(page: Page, msgid: str) -> None:
    expect(page.locator(".notice--success")).to_contain_text(ja(msgid))


def open_case(page: Page, number: str) -> None:
    """From the dashboard, follow the case's link (office and provider dashboards list cases)."""
    page.goto("/")
    page.locator(f"tr[data-case='{number}'] a").click()
    expect(page.locator("h1")).to_contain_text(number)


def test_one_case_from_draft_to_enrollment_completed(
    actor, psa, delegate, reviewer, inspector, provider_staff
):
    today = timezone.localdate().isoformat()
    company = actor(psa)
    office = actor(reviewer)
    field_office = actor(inspector)
    provider = actor(provider_staff)
    designated = actor(delegate)

    # ① The PSA registers the site, opens a case and fills the application.
    company.locator("a[href='/sites/new/']").first.click()
    expect(company.locator("form[data-form=site] .req")).to_have_count(4)
    shoot(company, "site-form")
    record(
        company,
        "site",
        name="市ヶ谷事業所",
        postal_code="162-8870",
        prefecture="13",
        address="新宿区市谷本村町5-1",
        facility="第1取扱施設（3階）",
    )
    expect_success(company, "The site was registered.")
    expect(company.locator("h1")).to_have_text("市ヶ谷事業所")

    submit(company, company.locator("form[data-form=open-case] button"))
    expect_success(company, "The enrollment case was opened. Fill in the application.")
    expect(company.locator(".notice--warning li")).to_have_count(6)
    record(
        company,
        "application",
        track_record="部品製造契約（令和7年度）に従事中",
        facility_basis="standard",
        equipment_confirmed=True,
        planned_terminals=1,
        desired_start="2027-04-01",
        contract_name="試験装置の部品製造",
    )
    expect_success(company, "The application was saved.")
    expect_state(company, "draft")
    enrollment = Enrollment.objects.get(site__name="市ヶ谷事業所")
    number = enrollment.number
    case_url = f"/enrollments/{enrollment.pk}/"

    act(company, "submit")
    expect_success(company, DONE)
    expect_state(company, "submitted")

    # The reviewer returns it for correction with a comment.
    open_case(office, number)
    act(office, "return_for_correction", comment="配置図に取扱施設の範囲を記入してください。")
    expect_success(office, DONE)
    expect_state(office, "returned")

    # The PSA reads the comment, edits and resubmits.
    company.goto(case_url)
    expect_state(company, "returned")
    expect(company.locator("#history")).to_contain_text(
        "配置図に取扱施設の範囲を記入してください。"
    )
    company.locator(f"a[href='{case_url}application/']").click()
    record(company, "application", schedule_request="5月の連休中は現地確認を避けてください。")
    expect_success(company, "The application was saved.")
    act(company, "submit")
    expect_state(company, "submitted")
    expect(company.locator("#application")).to_contain_text(
        "5月の連休中は現地確認を避けてください。"
    )

    # The reviewer accepts; ② the inspector finds deficiencies.
    office.reload()
    act(office, "accept")
    expect_success(office, DONE)
    expect_state(office, "inspection")

    open_case(field_office, number)
    act(
        field_office,
        "require_remediation",
        performed_on=today,
        comment="F-05 入退室記録が整備されていない。",
    )
    expect_success(field_office, DONE)
    expect_state(field_office, "inspection_remediation")

    company.reload()
    act(company, "report_remediation", comment="入退室記録簿を整備し、運用を開始しました。")
    expect_success(company, DONE)
    expect_state(company, "inspection_remediation_reported")

    office.reload()
    act(office, "accept_remediation")
    expect_success(office, DONE)
    expect_state(office, "survey")

    # ③ The provider records the survey and asks for ancillary work, which blocks ④.
    open_case(provider, number)
    record(provider, "survey", surveyed_on=today, route_notes="既設の管路を利用")
    expect_success(provider, "The survey was recorded.")
    record(provider, "work-add", description="EPS内の配管（会社側工事）")
    expect_success(provider, "The ancillary work was added.")
    expect(provider.locator("form[data-transition=complete_survey] .blocked")).to_contain_text(
        ja(rules.ANCILLARY_WORK_DONE.message)
    )

    company.reload()
    record(company, "work-done", done_on=today)
    expect_success(company, "The ancillary work was marked as done.")

    # ③–⑤ The provider finishes the survey, the line construction and the router.
    provider.reload()
    act(provider, "complete_survey")
    expect_state(provider, "construction")
    act(provider, "complete_construction", performed_on=today)
    expect_state(provider, "router_installation")
    act(provider, "install_router", performed_on=today, router_serial="RTR-0001")
    expect_success(provider, DONE)
    expect_state(provider, "terminal_setup")
    expect(provider.locator("#provisioning")).to_contain_text("RTR-0001")

    # ⑥ The PSA registers a terminal and the delegate as account holder.
    company.reload()
    record(company, "terminal", name="PC-01", model_name="指定端末A", serial_number="SN-0001")
    expect_success(company, "The terminal was registered.")
    record(company, "holder", person_id=delegate.pk)
    expect_success(company, "The account holder was added.")

    # Refused: ⑦ cannot be requested before every terminal passed its connection test.
    rule_text = ja(rules.EVERY_TERMINAL_PASSED.message)
    expect(
        company.locator("form[data-transition=request_final_inspection] .blocked")
    ).to_contain_text(rule_text)
    act(company, "request_final_inspection", force=True)
    expect(company.locator(".notice--error")).to_contain_text(rule_text)
    expect_state(company, "terminal_setup")

    provider.reload()
    record(provider, "account-issued", issued_on=today)
    expect_success(provider, "The account was recorded as issued.")
    record(provider, "vein", registered_on=today, method="remote")
    expect_success(provider, "The vein registration was recorded.")

    designated.goto(case_url)
    record(designated, "connection-test", tested_on=today, passed="1")
    expect_success(designated, "The connection test was recorded.")
    expect(designated.locator("tr[data-terminal='PC-01'] .badge--ok")).to_be_visible()

    # ⑦ The PSA requests the final inspection; the inspector passes it.
    company.reload()
    expect(
        company.locator("form[data-transition=request_final_inspection] .blocked")
    ).to_have_count(0)
    act(company, "request_final_inspection")
    expect_success(company, DONE)
    expect_state(company, "final_inspection")

    field_office.reload()
    act(field_office, "pass_inspection", performed_on=today)
    expect_success(field_office, DONE)
    expect_state(field_office, "completed")

    # 加入完了: the case page and the company's dashboard show every step done.
    company.reload()
    expect_state(company, "completed")
    expect(company.locator(".state")).to_contain_text("加入完了")
    tracker = company.locator("ol.tracker li")
    expect(tracker).to_have_count(8)
    expect(company.locator("ol.tracker li.tracker__step--done")).to_have_count(8)
    shoot(company, "case-completed")
    company.goto("/")
    card = company.locator("[data-site='市ヶ谷事業所']")
    expect(card.locator("ol.tracker li.tracker__step--done")).to_have_count(8)
    assert audit_verify().ok
