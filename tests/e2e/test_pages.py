"""The pages each role starts from: login (Japanese first, English on request) and dashboards.

The data is demo-like: one company with a site at each stage of the procedure, built through the
services with tests/walk.py, and a second company whose case nobody else's PSA may see.
Full-page screenshots go to DSG_SHOTS_DIR (default /tmp/dsg-shots), outside the repository.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dsg.enrollment import rules
from dsg.enrollment.models import Enrollment, State
from dsg.orgs.models import Role
from dsg.provisioning import services as prov

from ..factories import SiteFactory, UserFactory
from ..walk import Cast, new_case, walk_to
from .conftest import ja, shoot

pytestmark = pytest.mark.e2e

# Site name -> the state its case is in.
STAGES = {
    "第1工場": State.DRAFT,
    "第2工場": State.SUBMITTED,
    "第3工場": State.INSPECTION_REMEDIATION,
    "第4工場": State.SURVEY,
    "第5工場": State.ROUTER_INSTALLATION,
    "第6工場": State.TERMINAL_SETUP,
    "第7工場": State.FINAL_INSPECTION,
    "第8工場": State.COMPLETED,
}


@dataclass
class Demo:
    cases: dict[str, Enrollment]
    other_case: Enrollment


@pytest.fixture
def demo(company, cast, other_company, other_psa) -> Demo:
    cases = {}
    for name, state in STAGES.items():
        site = SiteFactory(company=company, name=name, facility="第1取扱施設")
        cases[name] = walk_to(new_case(site, cast, complete=state != State.DRAFT), state, cast)
    # At ⑥: two terminals, one passed and one still waiting for its test.
    at_six = cases["第6工場"]
    today = timezone.localdate()
    holder = at_six.account_holders.get()  # the application's (the PSA), taken over at ⑥
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username="dsg-e2e-1", password="Init-Pw-1"
    )
    prov.account_delivery_open(token=token, actor=cast.psa)  # received: vein registration next
    prov.vein_registration_record(
        holder=holder, actor=cast.staff, registered_on=today, method="remote"
    )
    for name in ("PC-01", "PC-02"):
        terminal = prov.terminal_register(
            enrollment=at_six,
            actor=cast.psa,
            name=name,
            model_name="指定端末A",
            serial_number=f"SN-{name}",
        )
    prov.connection_test_record(
        terminal=terminal, holder=holder, actor=cast.delegate, tested_on=today, passed=True
    )
    other_cast = Cast(
        psa=other_psa,
        delegate=UserFactory(organization=other_company, role=Role.DELEGATE),
        reviewer=cast.reviewer,
        inspector=cast.inspector,
        staff=cast.staff,
    )
    other_site = SiteFactory(company=other_company, name="他社の拠点")
    other_case = walk_to(new_case(other_site, other_cast), State.SURVEY, other_cast)
    return Demo(cases=cases, other_case=other_case)


def html_lang(page: Page) -> str:
    return page.locator("html").get_attribute("lang")


def test_login_page_is_japanese_by_default_and_switches_to_english(new_page):
    page = new_page(locale="ja-JP")
    page.goto("/accounts/login/")
    assert html_lang(page) == "ja"
    expect(page.locator("h1")).to_have_text(ja("Log in"))
    # The portal's stylesheet is served (it once was not: no finder looked in src/dsg/static).
    expect(page.locator(".site-header")).to_have_css("border-bottom-width", "4px")
    expect(page.locator(".lang-switch button[aria-current]")).to_have_text("日本語")

    page.locator(".lang-switch button[value=en]").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("form[data-form=login] label[for=id_login]")).to_have_text("Email address")
    expect(page.locator(".lang-switch button[aria-current]")).to_have_text("English")


def test_a_failed_login_shows_an_error_and_stays_on_the_login_page(new_page, psa):
    page = new_page()
    login_form = page.locator("form[data-form=login]")
    page.goto("/accounts/login/")
    login_form.locator("input[name=login]").fill(psa.email)
    login_form.locator("input[name=password]").fill("not the password")
    login_form.locator("button[type=submit]").click()
    expect(page.locator(".form-errors[role=alert]")).to_be_visible()
    assert page.url.endswith("/accounts/login/")
    expect(login_form.locator("input[name=login]")).to_have_value(psa.email)
    expect(page.locator(".site-header__nav a")).to_have_count(0)  # still not logged in
    shoot(page, "login-failed")


def test_company_dashboard_shows_its_sites_with_the_step_tracker(actor, psa, demo):
    page = actor(psa)
    cards = page.locator("article.site-card")
    expect(cards).to_have_count(len(STAGES))
    expect(page.get_by_text("他社の拠点")).to_have_count(0)
    for name, state in STAGES.items():
        card = page.locator(f"[data-site='{name}']")
        step = Enrollment.step_of(state)
        expect(card.locator("ol.tracker > li")).to_have_count(8)
        expect(card.locator("li.tracker__step--done")).to_have_count(step - 1 if step <= 7 else 8)
        current = card.locator("li[aria-current=step]")
        if step <= 7:
            expect(current).to_have_count(1)
            expect(current.locator(".tracker__num")).to_have_text("①②③④⑤⑥⑦"[step - 1])
        expect(card).to_contain_text(demo.cases[name].number)
    shoot(page, "dashboard-company-psa")

    # The case at ⑥ as the PSA sees it: one terminal passed, one waiting; ⑦ is blocked.
    page.locator(f"a[href='/enrollments/{demo.cases['第6工場'].pk}/']").click()
    expect(page.locator(".state")).to_have_attribute("data-state", "terminal_setup")
    expect(page.locator("tr[data-terminal='PC-02'] .badge--ok")).to_be_visible()
    expect(page.locator("tr[data-terminal='PC-01'] .badge--todo")).to_be_visible()
    expect(
        page.locator("tr[data-terminal='PC-01'] form[data-form=connection-test]")
    ).to_be_visible()
    blocked = page.locator("form[data-transition=request_final_inspection] .blocked")
    expect(blocked).to_contain_text(ja(rules.EVERY_TERMINAL_PASSED.message))
    shoot(page, "case-step6-psa")

    # The draft's application: its task list, one part's form, and the confirmation page.
    draft = demo.cases["第1工場"]
    page.goto(f"/enrollments/{draft.pk}/application/")
    # 会社 and 拠点 are prefilled from the company and the site, the PSA is the first account
    # holder; the rest is still to do.
    expect(page.locator(".task-list li[data-status=complete]")).to_have_count(3)
    expect(page.locator(".task-list li[data-status=incomplete]")).to_have_count(5)
    expect(page.locator("li[data-part=documents] .task__missing")).to_contain_text("レイアウト図")
    shoot(page, "application-tasks")
    page.locator(f"a[href='/enrollments/{draft.pk}/application/requirements/']").click()
    form = page.locator("form[data-form=application]")
    expect(form.locator(".req")).to_have_count(3)
    expect(form.locator("input[name=facility_basis]")).to_have_count(2)  # no "---------" choice
    expect(page.locator("form[data-form=application-upload]")).to_have_count(1)
    shoot(page, "application-form")
    page.goto(f"/enrollments/{draft.pk}/application/confirm/")
    expect(page.locator("section.app-part")).to_have_count(8)
    expect(page.locator("form[data-form=application-submit]")).to_have_count(1)
    expect(page.locator("#missing li").first).to_be_visible()  # what stops submission
    shoot(page, "application-confirm")


def test_office_dashboard_groups_every_case_by_step(actor, reviewer, demo):
    page = actor(reviewer)
    for number in range(1, 8):
        expect(page.locator(f"section[data-step='{number}']")).to_have_count(1)
    for name, case in demo.cases.items():
        step = case.step
        section = page.locator(f"section[data-step='{step if step <= 7 else 'completed'}']")
        expect(section.locator(f"tr[data-case='{case.number}']")).to_contain_text(name)
    other = demo.other_case
    expect(page.locator(f"section[data-step='3'] tr[data-case='{other.number}']")).to_have_count(1)
    expect(page.locator("section[data-step='1'] .count")).to_have_text("2")  # draft + submitted
    shoot(page, "dashboard-office-reviewer")


def test_provider_dashboard_lists_the_cases_from_the_survey_on(actor, provider_staff, demo):
    page = actor(provider_staff)
    for number in (1, 2):
        expect(page.locator(f"section[data-step='{number}']")).to_have_count(0)
    for number in (3, 4, 5, 6):
        expect(page.locator(f"section[data-step='{number}']")).to_have_count(1)
    for case in demo.cases.values():
        row = page.locator(f"tr[data-case='{case.number}']")
        expect(row).to_have_count(1 if case.step >= 3 else 0)
    expect(
        page.locator(f"section[data-step='3'] tr[data-case='{demo.other_case.number}']")
    ).to_be_visible()
    shoot(page, "dashboard-provider-staff")

    # The provider's view of the case at ⑥: provisioning, not the application.
    page.locator(f"tr[data-case='{demo.cases['第6工場'].number}'] a").click()
    expect(page.locator(".state")).to_have_attribute("data-state", "terminal_setup")
    expect(page.locator("#provisioning")).to_be_visible()
    expect(page.locator("#application")).to_have_count(0)
    shoot(page, "case-step6-provider")
