"""A terminal leaves the registry only when its disposal is recorded (基準 第6第6項第3号・第4号):
how, when, by whom, with its proof in the company's folder, confirmed by the office."""

from __future__ import annotations

import datetime as dt

import pytest

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.notifications.models import OutboxMessage
from dsg.registry import selectors, services
from dsg.registry.models import DisposalState

from ..factories import SiteFactory
from ..walk import today
from .disposal import counts, folder_pdf, record, terminal_at


def test_a_recorded_disposal_still_stands_until_the_office_confirms_it(site, psa, reviewer):
    terminal = terminal_at(site, psa)
    disposal = record(terminal, psa)

    assert disposal.state == DisposalState.RECORDED and disposal.recorded_by == psa
    assert list(selectors.terminals_standing(site)) == [terminal]
    assert selectors.site_has_standing_terminals(site)
    assert list(selectors.terminals_of(site)) == [terminal]
    event = AuditEvent.objects.get(action="terminal.disposal_record")
    assert event.company_id == site.company_id and event.after["state"] == "recorded"
    assert event.after["performed_by"] == "廃棄 太郎"
    mail = OutboxMessage.objects.get(kind="terminal.disposal_record")
    assert mail.recipients == [reviewer.email]
    # A mail names the terminal and points to the portal; never the record's content.
    assert "廃棄 太郎" not in mail.body and "株式会社テスト廃棄" not in mail.body
    assert terminal.name in mail.body and f"/terminals/{terminal.pk}/disposal/" in mail.body


def test_a_confirmed_disposal_takes_the_terminal_out_of_the_registry(site, psa, reviewer):
    kept, gone = terminal_at(site, psa, "PC-01"), terminal_at(site, psa, "PC-02")
    disposal = services.terminal_disposal_confirm(disposal=record(gone, psa), actor=reviewer)

    assert disposal.state == DisposalState.CONFIRMED and disposal.confirmed_by == reviewer
    assert disposal.confirmed_at is not None
    assert list(selectors.terminals_standing(site)) == [kept]
    assert list(selectors.terminals_of(site)) == [kept]
    assert list(selectors.terminals_disposed(site)) == [gone]
    services.terminal_disposal_confirm(
        disposal=record(kept, psa, method="other", method_other="溶解処理"), actor=reviewer
    )
    assert not selectors.site_has_standing_terminals(site)
    assert not selectors.terminals_standing(site).exists()
    # Its history stays readable.
    rows = {t.name: t.disposal_state for t in selectors.site_registry_for(user=psa, site=site)}
    assert rows == {"PC-01": "confirmed", "PC-02": "confirmed"}
    event = AuditEvent.objects.filter(action="terminal.disposal_confirm").first()
    assert event.before == {"state": "recorded"} and event.after["state"] == "confirmed"
    mail = OutboxMessage.objects.filter(kind="terminal.disposal_confirm").first()
    assert mail.recipients == [psa.email]


def test_only_the_terminals_own_psa_records_its_disposal(site, psa, everyone):
    terminal = terminal_at(site, psa)
    proof = folder_pdf(site.company, psa)
    before = counts()
    for key in ("delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            record(terminal, everyone[key], certificate=proof)
        assert refusal.value.status == 403, key
    assert counts() == before


def test_a_disposal_is_recorded_once(site, psa):
    terminal = terminal_at(site, psa)
    proof = folder_pdf(site.company, psa)
    record(terminal, psa, certificate=proof)
    before = counts()
    with pytest.raises(RuleViolation) as refusal:
        record(terminal, psa, certificate=proof)
    assert (refusal.value.status, refusal.value.code) == (409, "disposal_already_recorded")
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"disposed_on": "tomorrow"}, "date_in_future", "disposed_on"),
        ({"disposed_on": None}, "date_required", "disposed_on"),
        ({"method": "burnt"}, "invalid_method", "method"),
        ({"method": "other", "method_other": "  "}, "required", "method_other"),
        ({"performed_by": ""}, "required", "performed_by"),
        ({"performed_by_company": "x" * 201}, "too_long", "performed_by_company"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(site, psa, overrides, code, field):
    if overrides.get("disposed_on") == "tomorrow":  # the day is taken when the test runs
        overrides = {"disposed_on": today() + dt.timedelta(days=1)}
    terminal = terminal_at(site, psa)
    proof = folder_pdf(site.company, psa)
    before = counts()
    with pytest.raises(RuleViolation) as refusal:
        record(terminal, psa, certificate=proof, **overrides)
    assert (refusal.value.status, refusal.value.code, refusal.value.field) == (422, code, field)
    assert counts() == before


def test_the_proof_is_a_document_of_the_terminals_company(site, psa, other_psa):
    terminal = terminal_at(site, psa)
    foreign = folder_pdf(other_psa.organization, other_psa)
    notice = folder_pdf(site.company, psa, kind="notice")  # the office's kind, not a proof
    before = counts()
    for certificate in (foreign, notice):
        with pytest.raises(RuleViolation) as refusal:
            record(terminal, psa, certificate=certificate)
        assert refusal.value.code == "certificate_not_found"
        assert refusal.value.field == "certificate_id"
    with pytest.raises(RuleViolation) as refusal:
        record(terminal, psa, certificate=None)
    assert refusal.value.code == "certificate_required"
    assert counts() == before


def test_a_terminal_of_another_site_is_refused(site, psa, company):
    terminal = terminal_at(site, psa)
    other_site, proof = SiteFactory(company=company), folder_pdf(company, psa)
    before = counts()
    with pytest.raises(RuleViolation) as refusal:
        record(terminal, psa, site=other_site, certificate=proof)
    assert refusal.value.code == "wrong_site"
    assert counts() == before


def test_only_a_reviewer_confirms_and_only_once(site, psa, everyone, reviewer):
    disposal = record(terminal_at(site, psa), psa)
    before = counts()
    for key in ("psa", "delegate", "user", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            services.terminal_disposal_confirm(disposal=disposal, actor=everyone[key])
        assert refusal.value.status == 403, key
    assert counts() == before
    services.terminal_disposal_confirm(disposal=disposal, actor=reviewer)
    before = counts()
    with pytest.raises(RuleViolation) as refusal:
        services.terminal_disposal_confirm(disposal=disposal, actor=reviewer)
    assert (refusal.value.status, refusal.value.code) == (409, "disposal_already_confirmed")
    assert counts() == before


def test_a_disposed_terminal_takes_no_more_connection_tests(site, psa, delegate):
    terminal = terminal_at(site, psa)
    record(terminal, psa)
    with pytest.raises(RuleViolation) as refusal:
        services.connection_test_record(
            terminal=terminal, person=delegate, actor=delegate, tested_on=today(), passed=True
        )
    assert refusal.value.code == "terminal_disposed"
