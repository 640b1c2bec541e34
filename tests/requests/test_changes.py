"""加入申請内容の変更 (guideline §4): filing from the registered data, review as at ①, and the
change applied to the registered data only when accepted and its work done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.notifications.models import OutboxMessage
from dsg.orgs.models import Organization, Role, Site, User
from dsg.requests import services
from dsg.requests.models import ChangeRequest, ChangeState, RegisteredChange

from ..factories import SiteFactory
from ..walk import after_commit, today
from .helpers import attach, submitted

LATER = (timezone.localdate() + dt.timedelta(days=30)).isoformat()


def test_a_change_starts_from_the_registered_data_of_the_accepted_application(enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    fields = change.registered["fields"]
    assert fields["site_name"] == enrolled.name
    assert fields["psa_email"] and fields["company_name"]
    assert change.proposed == change.registered and change.state == ChangeState.DRAFT
    assert AuditEvent.objects.filter(action="change.start", object_id=str(change.pk)).exists()


def test_a_site_that_has_not_completed_enrollment_takes_no_change(site, cast):
    with pytest.raises(RuleViolation) as refusal:
        services.change_start(actor=cast.psa, site=site, kind="site_name")
    assert refusal.value.code == "site_not_enrolled"
    assert not ChangeRequest.objects.exists()


def test_a_second_open_change_of_the_same_kind_is_refused(enrolled, cast):
    services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    with pytest.raises(RuleViolation) as refusal:
        services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    assert refusal.value.code == "change_already_open"
    assert ChangeRequest.objects.count() == 1
    services.change_start(actor=cast.psa, site=enrolled, kind="contacts")  # another kind: fine


@pytest.mark.parametrize("who", ["delegate", "reviewer", "staff"])
def test_only_the_psa_files_a_change(enrolled, cast, who):
    with pytest.raises(RuleViolation) as refusal:
        services.change_start(actor=getattr(cast, who), site=enrolled, kind="site_name")
    assert refusal.value.status == 403


def test_another_companys_psa_cannot_file_for_the_site(enrolled, other_psa):
    with pytest.raises(RuleViolation) as refusal:
        services.change_start(actor=other_psa, site=enrolled, kind="site_name")
    assert refusal.value.status == 403


def test_a_change_edits_only_what_its_kind_changes(enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    before = ChangeRequest.objects.get(pk=change.pk).proposed
    with pytest.raises(RuleViolation) as refusal:
        services.change_update(
            change=change, actor=cast.psa, data={"site_name": "新拠点", "company_name": "別会社"}
        )
    assert (refusal.value.code, refusal.value.field) == ("not_changeable", "company_name")
    assert ChangeRequest.objects.get(pk=change.pk).proposed == before


def test_values_are_checked_as_the_application_checks_them(enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    with pytest.raises(RuleViolation) as refusal:
        services.change_update(
            change=change,
            actor=cast.psa,
            data={"site_postal_code": "100-0001", "site_prefecture": "14"},  # 東京都 ≠ 神奈川県
        )
    assert refusal.value.field == "site_postal_code"
    changed = services.change_update(
        change=change,
        actor=cast.psa,
        data={
            "site_postal_code": "２３１－００２３",
            "site_prefecture": "",
            "site_address": "横浜市中区山下町1",
        },
    )
    fields = changed.proposed["fields"]
    assert (fields["site_postal_code"], fields["site_prefecture"]) == ("231-0023", "14")
    with pytest.raises(RuleViolation) as refusal:
        services.change_update(change=change, actor=cast.psa, data={"effective_on": "2000-01-01"})
    assert refusal.value.code == "date_in_past"


def test_an_incomplete_change_is_not_submitted_and_says_what_is_missing(enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    with pytest.raises(RuleViolation) as refusal:
        services.change_submit(change=change, actor=cast.psa)
    message = str(refusal.value.message)
    assert refusal.value.code == "change_incomplete"
    assert "レイアウト図" in message or "layout" in message
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.DRAFT


def test_a_site_name_change_is_reviewed_and_applied_on_acceptance(enrolled, cast):
    old_name = enrolled.name
    change = submitted(
        enrolled,
        cast,
        "site_name",
        {"site_name": "新横浜事業所", "description": "組織改編による名称変更"},
    )
    assert change.state == ChangeState.SUBMITTED and change.receipt_number.startswith("C")
    assert Site.objects.get(pk=enrolled.pk).name == old_name  # unchanged until accepted
    mails = OutboxMessage.objects.filter(kind="change.submit")
    assert mails.exists() and "新横浜" not in mails.get().body  # the mail never carries values

    services.change_comment_add(
        change=change, actor=cast.reviewer, part="site_name", text="根拠資料を"
    )
    services.change_return(change=change, actor=cast.reviewer, comment="補正してください")
    change.refresh_from_db()
    assert change.state == ChangeState.RETURNED
    attach(change, cast.psa, "other")
    services.change_submit(change=change, actor=cast.psa)
    change.refresh_from_db()
    assert change.versions.count() == 2 and change.receipt_number.endswith("0002")

    services.change_accept(change=change, actor=cast.reviewer)
    change.refresh_from_db()
    assert change.state == ChangeState.COMPLETED and change.applied_at is not None
    assert Site.objects.get(pk=enrolled.pk).name == "新横浜事業所"
    history = RegisteredChange.objects.get(site=enrolled)
    assert (history.field, history.before, history.after) == ("site_name", old_name, "新横浜事業所")
    assert history.change == change and history.applied_by == cast.reviewer
    # the next change starts from the applied data
    following = services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    assert following.registered["fields"]["site_name"] == "新横浜事業所"


def test_a_rejection_or_return_needs_a_comment_and_changes_nothing(enrolled, cast):
    change = submitted(enrolled, cast, "site_name", {"site_name": "X", "description": "理由"})
    for service in (services.change_reject, services.change_return):
        with pytest.raises(RuleViolation) as refusal:
            service(change=change, actor=cast.reviewer, comment="  ")
        assert refusal.value.code == "comment_required"
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.SUBMITTED
    services.change_reject(change=change, actor=cast.reviewer, comment="根拠がありません")
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.REJECTED
    assert Site.objects.get(pk=enrolled.pk).name != "X"


def test_a_company_change_applies_to_the_organisation_and_every_sites_registered_data(
    enrolled, cast
):
    change = submitted(
        enrolled,
        cast,
        "company",
        {"company_name": "新社名株式会社", "description": "商号変更"},
    )
    services.change_accept(change=change, actor=cast.reviewer)
    assert Organization.objects.get(pk=enrolled.company_id).name == "新社名株式会社"
    assert services.registered_data(enrolled)["fields"]["company_name"] == "新社名株式会社"


def test_two_changes_of_different_kinds_do_not_undo_each_other(enrolled, cast):
    name = services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    services.change_update(
        change=name, actor=cast.psa, data={"site_name": "A拠点", "description": "x"}
    )
    contacts = submitted(
        enrolled,
        cast,
        "contacts",
        {
            "contacts": [{"name": "連絡 花子", "phone": "03-1234-5678", "email": "h@example.jp"}],
            "description": "担当者の交代",
        },
    )
    services.change_accept(change=contacts, actor=cast.reviewer)
    services.change_submit(change=name, actor=cast.psa)
    services.change_accept(change=name, actor=cast.reviewer)
    registered = services.registered_data(enrolled)
    assert registered["fields"]["site_name"] == "A拠点"
    assert registered["contacts"][0]["name"] == "連絡 花子"


def test_a_change_of_the_psa_moves_the_role_and_ends_the_old_psas_access(enrolled, cast):
    with after_commit():
        change = submitted(
            enrolled,
            cast,
            "psa",
            {
                "psa_name": "新任 管理者",
                "psa_email": "new.psa@example.jp",
                "description": "人事異動",
            },
        )
        services.change_accept(change=change, actor=cast.reviewer)
    new = User.objects.get(email="new.psa@example.jp")
    assert (new.role, new.organization_id, new.is_active) == (Role.PSA, enrolled.company_id, True)
    assert not new.has_usable_password()  # they set it through the password reset
    cast.psa.refresh_from_db()
    assert not cast.psa.is_active
    assert OutboxMessage.objects.filter(
        kind="change.new_psa", recipients=["new.psa@example.jp"]
    ).exists()
    assert AuditEvent.objects.filter(
        action="person.deactivate", object_id=str(cast.psa.pk)
    ).exists()


def test_a_closure_completes_only_when_the_sites_terminals_are_gone(enrolled, cast):
    change = submitted(
        enrolled, cast, "closure", {"description": "事業所閉鎖", "effective_on": LATER}
    )
    services.change_accept(change=change, actor=cast.reviewer)
    change.refresh_from_db()
    assert change.state == ChangeState.ACCEPTED  # the terminals still stand
    with pytest.raises(RuleViolation) as refusal:
        services.change_complete(change=change, actor=cast.reviewer)
    assert refusal.value.code == "work_outstanding" and "PC-01" in str(refusal.value.message)
    assert Site.objects.get(pk=enrolled.pk).closed_on is None


def test_a_closed_site_takes_no_more_changes(enrolled, cast):
    Site.objects.filter(pk=enrolled.pk).update(closed_on=today())
    with pytest.raises(RuleViolation) as refusal:
        services.change_start(
            actor=cast.psa, site=Site.objects.get(pk=enrolled.pk), kind="contacts"
        )
    assert refusal.value.code == "site_closed"


def test_a_relocation_waits_on_the_providers_work_then_moves_the_site(enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    services.change_update(
        change=change,
        actor=cast.psa,
        data={
            "site_postal_code": "231-0023",
            "site_prefecture": "14",
            "site_address": "横浜市中区山下町1",
            "description": "移転",
            "effective_on": LATER,
        },
    )
    attach(change, cast.psa)
    services.change_submit(change=change, actor=cast.psa)
    services.change_accept(
        change=change, actor=cast.reviewer, provider_work=["survey", "line_work"]
    )
    change.refresh_from_db()
    assert change.state == ChangeState.ACCEPTED
    survey, line = change.provider_work.order_by("pk")
    services.provider_work_done(work=survey, actor=cast.staff, done_on=today())
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.ACCEPTED
    assert Site.objects.get(pk=enrolled.pk).prefecture != "14"
    services.provider_work_done(work=line, actor=cast.staff, done_on=today())
    site = Site.objects.get(pk=enrolled.pk)
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.COMPLETED
    assert (site.postal_code, site.prefecture, site.address) == (
        "231-0023",
        "14",
        "横浜市中区山下町1",
    )


def test_the_office_or_the_provider_asks_and_the_psa_answers_on_the_same_request(enrolled, cast):
    change = submitted(enrolled, cast, "site_name", {"site_name": "B拠点", "description": "x"})
    asked = services.action_request_ask(
        change=change, actor=cast.reviewer, text="登記事項証明書を格納してください", due_on=LATER
    )
    assert OutboxMessage.objects.filter(kind="change.ask").exists()
    answered = services.action_request_answer(asked=asked, actor=cast.psa, answer="格納しました")
    assert answered.is_answered and answered.answered_by == cast.psa
    with pytest.raises(RuleViolation) as refusal:
        services.action_request_answer(asked=asked, actor=cast.psa, answer="再度")
    assert refusal.value.code == "already_answered"


def test_the_provider_asks_only_on_changes_that_concern_it(enrolled, cast):
    change = submitted(enrolled, cast, "site_name", {"site_name": "C拠点", "description": "x"})
    with pytest.raises(RuleViolation) as refusal:
        services.action_request_ask(change=change, actor=cast.staff, text="?", due_on=LATER)
    assert refusal.value.status == 403


def test_an_answer_to_a_request_of_another_company_is_refused(enrolled, cast, other_psa):
    change = submitted(enrolled, cast, "site_name", {"site_name": "D拠点", "description": "x"})
    asked = services.action_request_ask(
        change=change, actor=cast.reviewer, text="資料", due_on=LATER
    )
    with pytest.raises(RuleViolation) as refusal:
        services.action_request_answer(asked=asked, actor=other_psa, answer="横取り")
    assert refusal.value.status == 403
    asked.refresh_from_db()
    assert not asked.is_answered


def test_a_site_of_another_company_cannot_be_reached(enrolled, cast, other_company):
    foreign = SiteFactory(company=other_company)
    with pytest.raises(RuleViolation):
        services.change_start(actor=cast.psa, site=foreign, kind="site_name")


def _relocation_with_inspection(enrolled, cast) -> ChangeRequest:
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    services.change_update(
        change=change,
        actor=cast.psa,
        data={
            "site_postal_code": "231-0023",
            "site_prefecture": "14",
            "site_address": "横浜市中区山下町1",
            "description": "移転",
            "effective_on": LATER,
        },
    )
    attach(change, cast.psa)
    services.change_submit(change=change, actor=cast.psa)
    services.change_accept(change=change, actor=cast.reviewer, needs_inspection=True)
    change.refresh_from_db()
    return change


def test_a_relocation_the_office_inspects_applies_when_the_round_is_passed(enrolled, cast):
    from dsg.inspections import services as insp
    from dsg.notices.models import Notice

    from ..inspections.helpers import record

    change = _relocation_with_inspection(enrolled, cast)
    assert (change.state, change.inspection_phase) == (ChangeState.ACCEPTED, "inspecting")
    with after_commit():
        inspection = insp.inspection_open(subject=change, actor=cast.inspector)
        record(inspection, cast)
        insp.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
    change.refresh_from_db()
    assert change.state == ChangeState.COMPLETED
    assert Site.objects.get(pk=enrolled.pk).prefecture == "14"
    notice = Notice.objects.get(subject_id=change.pk, subject_type__model="changerequest")
    assert notice.kind == "inspection_result"
    assert notice.snapshot["site"]["address"].startswith("〒231-0023 神奈川県")


def test_a_deficient_round_waits_for_the_remediation_and_the_offices_decision(enrolled, cast):
    from dsg.inspections import services as insp
    from dsg.requests.inspection import change_remediation_report

    from ..inspections.helpers import record, report_all

    change = _relocation_with_inspection(enrolled, cast)
    with after_commit():
        inspection = insp.inspection_open(subject=change, actor=cast.inspector)
        first = inspection.findings.select_related("item").first().item.code
        record(inspection, cast, {first: "nonconforming"}, due_on=today())
        insp.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
    change.refresh_from_db()
    assert change.inspection_phase == "remediating"
    with pytest.raises(RuleViolation) as refusal:
        change_remediation_report(change=change, actor=cast.psa)
    assert refusal.value.code == "remediation_unreported"
    report_all(inspection, cast)
    change_remediation_report(change=change, actor=cast.psa)
    with after_commit():
        insp.remediation_decide(inspection=inspection, actor=cast.reviewer, decision="accepted")
    change.refresh_from_db()
    assert change.state == ChangeState.COMPLETED
    assert Site.objects.get(pk=enrolled.pk).address == "横浜市中区山下町1"


def test_a_due_date_that_has_passed_is_refused_by_its_own_name(enrolled, cast):
    change = submitted(enrolled, cast, "site_name", {"site_name": "E拠点", "description": "x"})
    with pytest.raises(RuleViolation) as refusal:
        services.action_request_ask(
            change=change, actor=cast.reviewer, text="資料", due_on="2000-01-01"
        )
    assert (refusal.value.code, refusal.value.field) == ("date_in_past", "due_on")
    assert not change.action_requests.exists()


def test_a_closure_applies_when_the_office_confirms_the_last_terminals_disposal(enrolled, cast):
    from dsg.documents.models import Document
    from dsg.registry import services as registry
    from dsg.registry.models import Terminal

    change = submitted(
        enrolled, cast, "closure", {"description": "事業所閉鎖", "effective_on": LATER}
    )
    services.change_accept(change=change, actor=cast.reviewer)
    certificate = Document.objects.filter(company=enrolled.company, kind="layout").first()
    disposals = [
        registry.terminal_disposal_record(
            terminal=terminal,
            actor=cast.psa,
            method="physical_destruction",
            disposed_on=today(),
            performed_by="廃棄 担当",
            performed_by_company="廃棄業者",
            certificate=certificate,
        )
        for terminal in Terminal.objects.filter(site=enrolled)
    ]
    # recorded is not enough: the office has not confirmed the disposal yet
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.ACCEPTED
    for disposal in disposals:
        registry.terminal_disposal_confirm(disposal=disposal, actor=cast.reviewer)
    change.refresh_from_db()
    assert change.state == ChangeState.COMPLETED
    site = Site.objects.get(pk=enrolled.pk)
    assert site.closed_on == dt.date.fromisoformat(LATER) and site.is_closed
    assert RegisteredChange.objects.filter(site=site, field="closed_on").exists()


def test_the_office_adds_a_kind_of_change_in_the_admin_and_the_ledger_records_it(client, db):
    from dsg.requests.models import ChangeKind

    from ..factories import OfficeFactory, UserFactory

    admin = UserFactory(
        organization=OfficeFactory(), role=Role.REVIEWER, is_staff=True, is_superuser=True
    )
    client.force_login(admin)
    response = client.post(
        "/admin/requests/changekind/add/",
        {
            "code": "facility_name",
            "name_ja": "取扱施設等の名称変更",
            "name_en": "Name of the handling facility",
            "category": "registered",
            "groups": ["facility"],
            "order": "80",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    kind = ChangeKind.objects.get(code="facility_name")
    assert kind.groups == ["facility"]
    assert AuditEvent.objects.filter(action="change_kind.add", object_id=str(kind.pk)).exists()
    assert client.get(f"/admin/requests/changekind/{kind.pk}/delete/").status_code == 403


def test_each_roles_home_shows_what_waits_on_them(enrolled, cast, client):
    change = submitted(enrolled, cast, "site_name", {"site_name": "E拠点", "description": "x"})

    def home(user) -> str:
        client.force_login(user)
        return client.get("/").content.decode()

    assert f'data-change="{change.number}"' in home(cast.reviewer)
    assert 'id="changes-waiting"' not in home(cast.psa)  # nothing waits on the company
    asked = services.action_request_ask(
        change=change, actor=cast.reviewer, text="資料", due_on=LATER
    )
    assert f'data-request="{asked.pk}"' in home(cast.psa)
    services.action_request_answer(asked=asked, actor=cast.psa, answer="格納済み")
    assert f'data-request="{asked.pk}"' not in home(cast.psa)
    assert f'data-request="{asked.pk}"' in home(cast.reviewer)  # the answer to read
    assert 'id="changes-waiting"' not in home(cast.staff)  # a site name is not the provider's
