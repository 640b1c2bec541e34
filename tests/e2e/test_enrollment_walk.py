"""One 加入案件 from the first draft to 加入完了, done entirely through the pages.

Every actor works in their own browser context, logged in through the login form, and does only
their own part; every step is checked by what the page shows (state, flash message, tracker).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dsg.audit.services import audit_verify
from dsg.core.subjects import attached_to
from dsg.enrollment import rules
from dsg.enrollment.models import AFTER_TRANSITION, Enrollment
from dsg.notices.models import Notice
from dsg.notifications.models import OutboxMessage
from dsg.provisioning import rules as provisioning_rules

from ..appointments.dates import business_day
from ..walk import DESIRED_START, small_pdf
from .conftest import ja, shoot

pytestmark = pytest.mark.e2e

# What each step says it did and what comes next (今後の流れ).
DONE = {name: message for name, (message, _step) in AFTER_TRANSITION.items()}


def confirm_decision(page: Page, *, effective_on: str = "") -> None:
    """The office's decision on a round reaches its confirmation page (#12: never by one click)
    with the choice carried; confirming it there records it."""
    form = page.locator("form[data-form=confirm]")
    expect(page.locator("[data-consequence]")).to_be_visible()
    expect(form.locator("input[name=decision][value=accepted]")).to_be_checked()
    if effective_on:
        expect(form.locator("input[name=effective_on]")).to_have_value(effective_on)
    submit(page, form.locator("button[data-confirm]"))


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
    """Take a transition with the form the case page offers for it — or, for 取下げ, 却下 and
    補正, through the confirmation page its link opens (#12)."""
    confirm_link = page.locator(f"[data-transition={transition}] a[data-confirm-page]")
    if confirm_link.count():
        submit(page, confirm_link)
        form = page.locator("form[data-form=confirm]")
        fill(form, **values)
        submit(page, form.locator("button[data-confirm]"))
        return
    form = page.locator(f"form[data-transition={transition}]")
    fill(form, **values)
    to_page = form.get_attribute("data-confirm-page") is not None
    submit(page, form.locator("button[type=submit]"), force=force)
    if to_page:  # a step's record: the values carried to its confirmation page (#12)
        confirm = page.locator("form[data-form=confirm]")
        expect(page.locator("[data-consequence]")).to_be_visible()
        submit(page, confirm.locator("button[data-confirm]"))


def record(page: Page, data_form: str, **values: object):
    """Fill and send one of the case page's record forms (data-form=...); a record that cannot
    be taken back lands on its confirmation page with the values carried, and is confirmed there
    (#12). A record the page links to (data-confirm-page) is filled in on that page."""
    link = page.locator(f"a[data-form={data_form}][data-confirm-page]")
    if link.count():
        submit(page, link)
        confirm = page.locator("form[data-form=confirm]")
        fill(confirm, **values)
        submit(page, confirm.locator("button[data-confirm]"))
        return
    form = page.locator(f"form[data-form={data_form}]")
    expect(form).to_have_count(1)
    fill(form, **values)
    submit(page, form.locator("button[type=submit]"))
    confirm = page.locator("form[data-form=confirm]")
    if confirm.count():
        expect(page.locator("[data-consequence]")).to_be_visible()
        submit(page, confirm.locator("button[data-confirm]"))


def expect_state(page: Page, state: str) -> None:
    expect(page.locator(".state")).to_have_attribute("data-state", state)


def expect_success(page: Page, msgid: str) -> None:
    expect(page.locator(".notice--success")).to_contain_text(ja(msgid))


def record_items(page: Page, url: str, results: dict[str, tuple[str, str]]) -> None:
    """inspections: record every item on the tablet page, a theme (form) at a time."""
    page.goto(url + "record/")
    for n in range(page.locator("form[data-theme]").count()):
        form = page.locator("form[data-theme]").nth(n)
        for item in form.locator("fieldset[data-item]").all():
            result, note = results.get(item.get_attribute("data-item"), ("conforming", ""))
            item.locator(f"input[value={result}]").check()
            if note:
                item.locator("textarea[name^=note-]").fill(note)
        submit(page, form.locator("button[type=submit]"))
        expect(page.locator(".notice--success")).to_be_visible()


def open_case(page: Page, number: str) -> None:
    """From the dashboard, follow the case's link (office and provider dashboards list cases)."""
    page.goto("/")
    page.locator(f"tr[data-case='{number}'] a").click()
    expect(page.locator("h1")).to_contain_text(number)


def test_one_case_from_draft_to_enrollment_completed(
    actor, psa, reviewer, inspector, provider_staff
):
    today = timezone.localdate().isoformat()
    company = actor(psa)
    office = actor(reviewer)
    field_office = actor(inspector)
    provider = actor(provider_staff)

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
    enrollment = Enrollment.objects.get(site__name="市ヶ谷事業所")
    number = enrollment.number
    case_url = f"/enrollments/{enrollment.pk}/"
    app_url = f"{case_url}application/"
    # The task list: 会社 and 拠点 come prefilled; parts that depend on others wait.
    expect(company.locator("li[data-part=company]")).to_have_attribute("data-status", "complete")
    expect(company.locator("li[data-part=site]")).to_have_attribute("data-status", "complete")
    expect(company.locator("li[data-part=schedule]")).to_have_attribute("data-status", "incomplete")
    shoot(company, "application-tasks-new")
    parts = {
        "contacts": {"psa_department": "情報セキュリティ部", "psa_phone": "03-3268-3111"},
        "terminals": {"planned_terminals": 1, "terminal_models": "指定端末 DSG-T1"},
        "schedule": {
            "desired_start": DESIRED_START.isoformat(),
            "contract_name": "試験装置の部品製造",
        },
        "requirements": {
            "track_record": "部品製造契約（令和7年度）に従事中",
            "facility_basis": "standard",
            "equipment_confirmed": True,
        },
    }
    for part, values in parts.items():
        company.locator(f"a[href='{app_url}{part}/']").click()
        record(company, "application", **values)
        expect_success(company, "The application was saved.")
        expect(company.locator(f"li[data-part={part}]")).to_have_attribute(
            "data-status", "complete" if part != "requirements" else "incomplete"
        )
    for part, kind in (("requirements", "contract_evidence"), ("documents", "layout")):
        company.goto(f"{app_url}{part}/")
        upload = company.locator("form[data-form=application-upload]")
        upload.locator("select[name=kind]").select_option(kind)
        upload.locator("input[name=file]").set_input_files(
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
        )
        submit(company, upload.locator("button[type=submit]"))
        expect_success(company, "The document was attached.")
    company.goto(app_url)
    expect(company.locator(".task-list li[data-status=complete]")).to_have_count(8)

    # 入力内容の確認, then submission with its 到達番号.
    company.locator(f"a.button[href='{app_url}confirm/']").click()
    expect(company.locator("#missing")).to_have_count(0)
    submit(company, company.locator("form[data-form=application-submit] button"))
    first = enrollment.application.versions.get()
    expect(company.locator("[data-version-receipt]")).to_have_text(first.receipt_number)
    expect(company.locator(".notice--success")).to_contain_text(first.receipt_number)
    expect(company.locator("[data-app-status]")).to_have_attribute("data-app-status", "arrived")

    # The reviewer opens the version (審査中), comments on a part and returns it.
    office.goto(f"/application-versions/{first.pk}/")
    expect(office.locator("[data-app-status]")).to_have_attribute("data-app-status", "under_review")
    comment = office.locator("form[data-form=review-comment][data-part=schedule]")
    fill(comment, text="スケジュールの要望を記入してください。")
    submit(office, comment.locator("button[type=submit]"))
    expect_success(office, "The comment was added.")
    act(office, "return_for_correction", comment="配置図に取扱施設の範囲を記入してください。")
    expect_success(office, "The application was returned for correction (補正).")
    expect_state(office, "returned")

    # The PSA reads the comments on the part, corrects and resubmits: version 2.
    company.goto(case_url)
    expect_state(company, "returned")
    expect(company.locator("#history")).to_contain_text(
        "配置図に取扱施設の範囲を記入してください。"
    )
    company.locator(f"a[href='{app_url}']").first.click()
    expect(company.locator("[data-app-status]")).to_have_attribute("data-app-status", "returned")
    company.locator(f"a[href='{app_url}schedule/']").click()
    expect(company.locator("[data-comments=schedule]")).to_contain_text(
        "スケジュールの要望を記入してください。"
    )
    record(company, "application", schedule_request="5月の連休中は現地確認を避けてください。")
    expect_success(company, "The application was saved.")
    company.goto(f"{app_url}confirm/")
    submit(company, company.locator("form[data-form=application-submit] button"))
    second = enrollment.application.versions.get(number=2)
    expect(company.locator("[data-version-receipt]")).to_have_text(second.receipt_number)
    company.goto(f"{app_url}compare/?a=1&b=2")
    expect(company.locator("tr[data-changed=true]")).to_have_count(1)
    expect(company.locator("tr[data-changed=true] mark")).to_have_text(
        "5月の連休中は現地確認を避けてください。"
    )
    shoot(company, "application-compare")
    company.goto(case_url)
    expect_state(company, "submitted")
    expect(company.locator("#application")).to_contain_text(
        "5月の連休中は現地確認を避けてください。"
    )
    open_case(office, number)

    # The reviewer accepts; ② the inspector finds deficiencies.
    office.reload()
    act(office, "accept")
    expect_success(office, DONE["accept"])
    expect_state(office, "inspection")

    # ② (inspections) The office opens the inspection and proposes a date; the PSA picks it.
    open_case(field_office, number)
    submit(field_office, field_office.locator("form[data-form=inspection-open] button"))
    inspection_url = field_office.url
    slots = field_office.locator("form[data-form=slots]")
    slots.locator("#slot-1").fill(f"{business_day(5)}T10:00")  # a business day, office hours
    submit(field_office, slots.locator("button[type=submit]"))
    expect_success(field_office, "The dates were sent to the company.")

    company.goto(inspection_url)
    pick = company.locator("form[data-form=pick]")
    pick.locator("input[name=slot_id]").first.check()
    pick.locator("textarea[name=entry_notes]").fill("正門受付で身分証を提示。駐車場あり。")
    submit(company, pick.locator("button[type=submit]"))
    expect_success(company, "The date was chosen.")
    expect(company.locator("a[href$='appointment.ics']")).to_be_visible()

    # The inspector records every theme on the tablet page: F-05 is 不適合.
    record_items(field_office, inspection_url, {"F-05": ("nonconforming", "入退室記録なし")})
    field_office.goto(inspection_url)
    submit(field_office, field_office.locator("form[data-form=finish] button[type=submit]"))
    submit(field_office, field_office.locator("button[data-confirm]"))  # its confirmation page
    expect_success(field_office, "The inspection was finished and its notice issued.")
    expect(field_office.locator("[data-outcome]")).to_have_attribute(
        "data-outcome", "remediation_required"
    )

    # The PSA files the remediation report for the deficiency, then reports on the case.
    company.goto(inspection_url)
    report = company.locator("form[data-form=report]")
    report.locator("textarea[name=text]").fill("入退室記録簿を整備し、運用を開始しました。")
    submit(company, report.locator("button[type=submit]"))
    expect_success(company, "The remediation report was filed.")
    company.goto(case_url)
    act(company, "report_remediation", comment="全ての不適合について改善報告を提出しました。")
    expect_success(company, DONE["report_remediation"])
    expect_state(company, "inspection_remediation_reported")

    # The office accepts the remediation without a re-inspection.
    office.goto(inspection_url)
    decide = office.locator("form[data-form=decide]")
    decide.locator("input[value=accepted]").check()
    submit(office, decide.locator("button[type=submit]"))
    confirm_decision(office)
    expect_success(office, "The decision was recorded.")
    office.goto(case_url)
    expect_state(office, "survey")

    # ③ The provider records the survey and asks for ancillary work, which blocks ④.
    open_case(provider, number)
    record(provider, "survey", surveyed_on=today, route_notes="既設の管路を利用")
    expect_success(provider, "The survey was recorded.")
    record(provider, "work-add", description="EPS内の配管（会社側工事）")
    expect_success(provider, "The ancillary work was added.")
    expect(provider.locator("form[data-transition=complete_survey] .blocked")).to_contain_text(
        ja(provisioning_rules.ANCILLARY_WORK_DONE.message)
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
    expect_success(provider, DONE["install_router"])
    expect_state(provider, "terminal_setup")
    expect(provider.locator("#provisioning")).to_contain_text("RTR-0001")

    # ⑥ The PSA registers a terminal; the account holder is the PSA, as the application says.
    company.reload()
    record(company, "terminal", name="PC-01", model_name="指定端末A", serial_number="SN-0001")
    expect_success(company, "The terminal was registered.")
    holder_row = company.locator(f"tr[data-holder='{psa.email}']")
    expect(holder_row).to_have_attribute("data-holder-step", "account")

    # Refused: ⑦ cannot be requested before every terminal passed its connection test.
    rule_text = ja(rules.EVERY_TERMINAL_PASSED.message)
    expect(
        company.locator("form[data-transition=request_final_inspection] .blocked")
    ).to_contain_text(rule_text)
    act(company, "request_final_inspection", force=True)  # confirmed: its page says the rule
    expect(company.locator("[data-error-summary]")).to_contain_text(rule_text)
    expect(company.locator("form[data-form=confirm]")).to_contain_text(rule_text)
    company.goto(case_url)
    expect_state(company, "terminal_setup")

    # In the guideline's order: the PSA receives the account information (one-time link), the
    # provider records the vein registration, then the connection test with that account.
    provider.reload()
    record(provider, "account-delivery", username="dsg-e2e-0001", password="Init-Pw-9")
    body = OutboxMessage.objects.filter(kind="account_delivery.create").latest("pk").body
    link = re.search(r"https?://[^/]+(/account-deliveries/open/#[\w-]+)", body)[1]
    company.goto(link)  # the code after #, put into the form by the page's script
    submit(company, company.locator("form[data-form=account-delivery-open] button"))
    expect(company.locator("[data-secret=password]")).to_have_text("Init-Pw-9")
    provider.reload()
    record(provider, "vein", registered_on=today, method="remote")
    expect_success(provider, "The vein registration was recorded.")

    company.goto(case_url)
    expect(holder_row).to_have_attribute("data-holder-step", "test")
    record(company, "connection-test", tested_on=today, passed="1")
    expect_success(company, "The connection test was recorded.")
    expect(company.locator("tr[data-terminal='PC-01'] .badge--ok")).to_be_visible()

    # ⑦ The PSA requests the final inspection; the inspector finds a 不適合 on the tablet.
    company.reload()
    expect(
        company.locator("form[data-transition=request_final_inspection] .blocked")
    ).to_have_count(0)
    act(company, "request_final_inspection")
    expect_success(company, DONE["request_final_inspection"])
    expect_state(company, "final_inspection")

    field_office.goto(case_url)
    submit(field_office, field_office.locator("form[data-form=inspection-open] button"))
    final_url = field_office.url
    record_items(field_office, final_url, {"S-01": ("nonconforming", "評価版ソフトが導入済み")})
    field_office.goto(final_url)
    submit(field_office, field_office.locator("form[data-form=finish] button[type=submit]"))
    submit(field_office, field_office.locator("button[data-confirm]"))  # its confirmation page
    expect_success(field_office, "The inspection was finished and its notice issued.")
    field_office.goto(case_url)
    expect_state(field_office, "final_remediation")
    # A 現地確認結果通知書 for each round with findings; no 加入完了通知書 yet.
    issued = attached_to(Notice.objects.all(), enrollment).order_by("pk")
    assert [n.kind for n in issued] == ["inspection_result", "inspection_result"]

    # The PSA remedies and reports; the office accepts and sets the 利用開始日.
    company.goto(final_url)
    report = company.locator("form[data-form=report]")
    report.locator("textarea[name=text]").fill("評価版ソフトを削除し、導入一覧を更新しました。")
    submit(company, report.locator("button[type=submit]"))
    expect_success(company, "The remediation report was filed.")
    company.goto(case_url)
    act(company, "report_remediation", comment="最終現地確認の指摘事項を改善しました。")
    expect_state(company, "final_remediation_reported")
    office.goto(final_url)
    decide = office.locator("form[data-form=decide]")
    decide.locator("input[value=accepted]").check()
    starts = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    decide.locator("input[name=effective_on]").fill(starts)
    submit(office, decide.locator("button[type=submit]"))
    confirm_decision(office, effective_on=starts)
    expect_success(office, "The decision was recorded.")
    office.goto(case_url)
    expect_state(office, "completed")
    completion = attached_to(Notice.objects.filter(kind="completion"), enrollment).get()
    assert completion.snapshot["completion"]["started_on"] == starts

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
