"""The use cases of the 年次確認: opening a round (who is asked, the ledger, the mail), the PSA's
two answers with what was looked at, and every refusal changing nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from dsg.annual import services
from dsg.annual.models import AnnualConfirmation, AnnualRound, ConfirmationState
from dsg.annual.selectors import holdings_of
from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State
from dsg.notifications.models import OutboxMessage
from dsg.orgs.models import Role, Site
from dsg.registry.models import MediumKind, RemovableMedium, SoftwareState, TerminalSoftware

from ..factories import CompanyFactory, SiteFactory, UserFactory
from ..walk import Cast, after_commit, new_case, today, walk_to
from .conftest import TITLE, open_round


def _company(cast: Cast) -> tuple[object, Cast]:
    """Another company with its own PSA and delegate, and the office of ``cast``."""
    company = CompanyFactory()
    own = Cast(
        psa=UserFactory(organization=company, role=Role.PSA),
        delegate=UserFactory(organization=company, role=Role.DELEGATE),
        reviewer=cast.reviewer,
        inspector=cast.inspector,
        staff=cast.staff,
    )
    return company, own


def _enrolled_company(cast: Cast, *, closed: bool = False):
    """Another company with one site through 加入 (closed afterwards when asked)."""
    company, own = _company(cast)
    site = SiteFactory(company=company)
    with after_commit():
        walk_to(new_case(site, own), State.COMPLETED, own)
    if closed:
        Site.objects.filter(pk=site.pk).update(closed_on=today())
    return company, own.psa


# Opening a round -------------------------------------------------------------------------------


def test_a_round_asks_every_company_with_an_enrolled_open_site(enrolled, cast):
    second, second_psa = _enrolled_company(cast)
    _enrolled_company(cast, closed=True)
    drafting, own = _company(cast)  # a company whose only case is still a draft
    new_case(SiteFactory(company=drafting), own)
    OutboxMessage.objects.all().delete()

    annual_round = open_round(cast.reviewer)

    asked = set(annual_round.confirmations.values_list("company_id", flat=True))
    assert asked == {enrolled.company_id, second.pk}
    assert set(annual_round.confirmations.values_list("state", flat=True)) == {"pending"}
    mails = {m.company_id: m for m in OutboxMessage.objects.filter(kind="annual.open")}
    assert set(mails) == asked
    assert mails[second.pk].recipients == [second_psa.email]
    assert mails[enrolled.company_id].recipients == [cast.psa.email]
    assert TITLE in mails[second.pk].subject and "年次確認" in mails[second.pk].body
    events = AuditEvent.objects.filter(action__startswith="annual.")
    assert events.filter(action="annual.open", object_id=str(annual_round.pk)).count() == 1
    assert set(events.filter(action="annual.ask").values_list("company_id", flat=True)) == asked


def test_opening_a_round_queues_the_daily_reminder_run_after_commit(enrolled, cast):
    from django_tasks_db.models import DBTaskResult

    from dsg.annual.tasks import annual_remind

    with after_commit():
        open_round(cast.reviewer)
    assert DBTaskResult.objects.filter(task_path=annual_remind.module_path).count() == 1
    with after_commit():  # a second round: the run already queued serves it too
        open_round(cast.reviewer, title="2027年度 年次確認")
    assert DBTaskResult.objects.filter(task_path=annual_remind.module_path).count() == 1


@pytest.mark.parametrize(
    ("title", "days", "code", "field"),
    [
        ("", 30, "invalid", "title"),
        ("x" * 201, 30, "invalid", "title"),
        (TITLE, 0, "date_in_past", "due_on"),
        (TITLE, -1, "date_in_past", "due_on"),
    ],
)
def test_a_round_needs_a_title_and_a_due_date_after_today(enrolled, cast, title, days, code, field):
    with pytest.raises(RuleViolation) as refused:
        open_round(cast.reviewer, title=title, days=days)
    assert (refused.value.code, refused.value.field, refused.value.status) == (code, field, 422)
    assert not AnnualRound.objects.exists()


def test_a_title_is_taken_once(enrolled, cast):
    open_round(cast.reviewer)
    with pytest.raises(RuleViolation) as refused:
        open_round(cast.reviewer)
    assert refused.value.code == "title_taken"
    assert AnnualRound.objects.count() == 1


def test_a_round_without_any_enrolled_company_is_refused(site, cast):
    new_case(site, cast)  # a draft only
    with pytest.raises(RuleViolation) as refused:
        open_round(cast.reviewer)
    assert refused.value.code == "no_companies"
    assert not AnnualRound.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="annual.").exists()


@pytest.mark.parametrize("who", ["psa", "delegate", "user", "inspector", "provider_staff"])
def test_only_a_reviewer_opens_a_round(enrolled, everyone, who):
    with pytest.raises(RuleViolation) as refused:
        open_round(everyone[who])
    assert refused.value.status == 403
    assert not AnnualRound.objects.exists()


# The PSA's answer ------------------------------------------------------------------------------


def test_confirming_keeps_what_was_looked_at_per_site(confirmation, enrolled, cast):
    OutboxMessage.objects.all().delete()
    answered = services.annual_confirmation_confirm(
        confirmation=confirmation, actor=cast.psa, statement="確認しました"
    )
    assert answered.state == ConfirmationState.CONFIRMED
    assert answered.answered_by == cast.psa and answered.answered_at is not None
    [site] = answered.reviewed["sites"]
    assert site["id"] == enrolled.pk and site["name"] == enrolled.name
    assert site["address"] == enrolled.full_address
    assert [t["name"] for t in site["terminals"]] == ["PC-01"]
    assert answered.reviewed["administrators"][0]["email"] == cast.psa.email
    event = AuditEvent.objects.get(action="annual.confirmed")
    assert event.company_id == enrolled.company_id and event.after["sites"] == [enrolled.pk]
    [mail] = OutboxMessage.objects.filter(kind="annual.confirmed")
    assert cast.reviewer.email in mail.recipients and cast.psa.email not in mail.recipients


def test_what_was_looked_at_stays_as_it_was_when_the_data_changes(confirmation, enrolled, cast):
    services.annual_confirmation_confirm(confirmation=confirmation, actor=cast.psa)
    Site.objects.filter(pk=enrolled.pk).update(name="移転後の拠点")
    confirmation.refresh_from_db()
    assert confirmation.reviewed["sites"][0]["name"] == enrolled.name


def test_changes_filed_needs_a_statement(confirmation, cast):
    with pytest.raises(RuleViolation) as refused:
        services.annual_confirmation_changes_filed(
            confirmation=confirmation, actor=cast.psa, statement="  "
        )
    assert (refused.value.code, refused.value.field) == ("statement_required", "statement")
    confirmation.refresh_from_db()
    assert confirmation.state == ConfirmationState.PENDING
    answered = services.annual_confirmation_changes_filed(
        confirmation=confirmation, actor=cast.psa, statement="連絡先の変更を申請しました"
    )
    assert answered.state == ConfirmationState.CHANGES_FILED
    assert answered.statement == "連絡先の変更を申請しました"
    assert AuditEvent.objects.filter(action="annual.changes_filed").count() == 1


@pytest.mark.parametrize("first", ["confirm", "changes"])
def test_an_answered_confirmation_takes_no_second_answer(confirmation, cast, first):
    if first == "confirm":
        services.annual_confirmation_confirm(confirmation=confirmation, actor=cast.psa)
    else:
        services.annual_confirmation_changes_filed(
            confirmation=confirmation, actor=cast.psa, statement="変更を申請"
        )
    before = AnnualConfirmation.objects.filter(pk=confirmation.pk).values().get()
    for answer in (
        lambda: services.annual_confirmation_confirm(confirmation=confirmation, actor=cast.psa),
        lambda: services.annual_confirmation_changes_filed(
            confirmation=confirmation, actor=cast.psa, statement="x"
        ),
    ):
        with pytest.raises(RuleViolation) as refused:
            answer()
        assert (refused.value.code, refused.value.status) == ("already_answered", 409)
    assert AnnualConfirmation.objects.filter(pk=confirmation.pk).values().get() == before


@pytest.mark.parametrize(
    "who", ["delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"]
)
def test_only_the_companys_psa_answers(confirmation, everyone, who):
    for answer in (
        services.annual_confirmation_confirm,
        services.annual_confirmation_changes_filed,
    ):
        with pytest.raises(RuleViolation) as refused:
            answer(confirmation=confirmation, actor=everyone[who], statement="x")
        assert refused.value.status == 403
    confirmation.refresh_from_db()
    assert confirmation.state == ConfirmationState.PENDING


def test_a_statement_has_a_limit(confirmation, cast):
    with pytest.raises(RuleViolation) as refused:
        services.annual_confirmation_confirm(
            confirmation=confirmation, actor=cast.psa, statement="あ" * 4001
        )
    assert (refused.value.code, refused.value.status) == ("invalid", 422)


# What the portal holds -------------------------------------------------------------------------


def test_the_holdings_list_media_and_the_software_known_on_terminals(enrolled, cast):
    terminal = enrolled.terminals.get()
    medium = RemovableMedium.objects.create(
        site=enrolled,
        kind=MediumKind.USB_MEMORY,
        vendor_id="0781",
        product_id="5581",
        serial_number="SN-USB-1",
        capacity_gb=32,
        custodian="情報 花子",
    )
    approved = TerminalSoftware.objects.create(
        terminal=terminal, name="CAD", vendor="Vendor", version="1.2", state=SoftwareState.APPROVED
    )
    TerminalSoftware.objects.create(
        terminal=terminal, name="Old", vendor="Vendor", version="0.9", state=SoftwareState.REMOVED
    )
    closed = SiteFactory(company=enrolled.company, name="閉鎖済拠点", closed_on=today())
    holdings = holdings_of(enrolled.company)
    assert [row.site for row in holdings.sites] == [enrolled]  # not the closed, not the draft
    [row] = holdings.sites
    assert row.media == [medium] and row.software == [approved]
    assert closed not in [r.site for r in holdings.sites]


def test_the_holdings_are_read_in_a_fixed_number_of_queries(
    enrolled, cast, django_assert_max_num_queries
):
    for n in range(3):
        SiteFactory(company=enrolled.company, name=f"未加入拠点{n}")
    with django_assert_max_num_queries(6):
        holdings_of(enrolled.company)


def test_the_days_left_count_in_the_portal_time_zone(confirmation):
    due = confirmation.round.due_on
    assert confirmation.days_left(due) == 0
    assert confirmation.days_left(due + dt.timedelta(days=1)) == -1
