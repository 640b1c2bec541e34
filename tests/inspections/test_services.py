"""② 現地確認 and ⑦ 最終現地確認 through the services: rules, loops, rounds and notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.appointments.models import ACTIVE_STATES
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.core.subjects import attached_to
from dsg.documents.selectors import documents_of
from dsg.enrollment.models import State, StepRecord
from dsg.inspections import services
from dsg.inspections.models import (
    ChecklistTemplate,
    ChecklistVersion,
    Decision,
    Deficiency,
    InspectionKind,
    InspectionStatus,
    Outcome,
    Result,
)
from dsg.inspections.sample_checklist import SAMPLE_ITEMS
from dsg.inspections.selectors import rounds_of
from dsg.notices.models import Notice, NoticeKind
from dsg.notifications.models import OutboxMessage
from tests.walk import act, attach_documents, new_case, today, walk_to

from .helpers import inspect, record, report_all, tomorrow_at, walk_from_survey_to_final

pytestmark = pytest.mark.django_db

NC, UNCHECKED = Result.NONCONFORMING, Result.UNCHECKED


@pytest.fixture
def at_inspection(site, cast):
    return walk_to(new_case(site, cast), State.INSPECTION, cast)


def _state(enrollment):
    enrollment.refresh_from_db()
    return enrollment.state


# Checklists ------------------------------------------------------------------------------
def test_the_sample_checklist_is_shipped_as_a_published_sample():
    template = ChecklistTemplate.objects.get(is_sample=True)
    assert template.is_default
    version = services.checklist_version_current()
    assert version.template == template and version.published_at is not None
    codes = list(version.items.values_list("code", flat=True))
    assert codes == [row[0] for row in SAMPLE_ITEMS]
    themes = set(version.items.values_list("theme", flat=True))
    assert themes == {"施設", "機器", "媒体", "組織"}
    d01 = version.items.get(code="D-01")
    assert d01.final_recheck and "3.4.1" in d01.nist_tags and d01.evidence


def test_editing_a_used_version_creates_a_new_version_and_inspections_keep_theirs(
    at_inspection, cast
):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    used = inspection.checklist_version
    used.refresh_from_db()
    assert used.frozen
    template = used.template
    services.checklist_item_save(
        actor=cast.reviewer,
        template=template,
        code="F-05",
        data={"text": "入退室記録を1年間保存している"},
    )
    services.checklist_item_save(
        actor=cast.reviewer,
        template=template,
        data={"code": "O-03", "theme": "組織", "text": "教育の記録がある"},
    )
    draft = template.latest_version()
    assert draft.number == used.number + 1 and draft.published_at is None
    assert draft.items.get(code="F-05").text == "入退室記録を1年間保存している"
    assert used.items.get(code="F-05").text != draft.items.get(code="F-05").text
    assert not used.items.filter(code="O-03").exists()
    # Until published, new inspections keep using the published version.
    assert services.checklist_version_current() == used
    services.checklist_version_publish(actor=cast.reviewer, template=template)
    assert services.checklist_version_current() == draft
    inspection.refresh_from_db()
    assert inspection.checklist_version == used
    codes = set(inspection.findings.values_list("item__code", flat=True))
    assert "O-03" not in codes and len(codes) == len(SAMPLE_ITEMS)


def test_only_the_reviewer_manages_checklists(cast):
    template = ChecklistTemplate.objects.get(is_sample=True)
    for person in (cast.inspector, cast.psa, cast.staff):
        with pytest.raises(RuleViolation) as refusal:
            services.checklist_item_delete(actor=person, template=template, code="F-01")
        assert refusal.value.status == 403
    assert ChecklistVersion.objects.filter(template=template).count() == 1


# ② passes, or needs remediation ----------------------------------------------------------
def test_an_inspection_without_nonconformity_passes_and_moves_the_case(at_inspection, cast):
    inspection = inspect(at_inspection, cast, {"F-09": Result.NOT_APPLICABLE})
    assert (inspection.status, inspection.outcome) == (InspectionStatus.FINISHED, Outcome.PASSED)
    assert _state(at_inspection) == State.SURVEY
    record_ = StepRecord.objects.get(enrollment=at_inspection, transition="pass_inspection")
    assert record_.performed_on == today() and record_.actor == cast.inspector
    notice = attached_to(
        Notice.objects.filter(kind=NoticeKind.INSPECTION_RESULT), at_inspection
    ).get()
    printed = notice.snapshot["inspection"]
    assert printed["outcome"] == "passed" and printed["round"] == 1 and printed["kind"] == 2
    assert {"code": "F-09", "result": "not_applicable"}.items() <= printed["items"][8].items()
    assert notice.snapshot["case_number"] == at_inspection.number
    assert notice.snapshot["company"]["name"] == at_inspection.site.company.name
    assert audit_verify().ok


def test_finishing_is_refused_until_every_item_is_recorded(at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    first = inspection.findings.first()
    services.inspection_record(
        inspection=inspection,
        actor=cast.inspector,
        entries=[services.FindingInput(finding_id=first.pk, result=Result.CONFORMING)],
    )
    with pytest.raises(RuleViolation) as refusal:
        services.inspection_finish(
            inspection=inspection, actor=cast.inspector, performed_on=today()
        )
    assert refusal.value.code == "findings_open" and "F-02" in str(refusal.value)
    assert _state(at_inspection) == State.INSPECTION
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS and not inspection.outcome


def test_the_case_page_buttons_cannot_bypass_an_inspection_recorded_in_the_portal(
    at_inspection, cast
):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    record(inspection, cast, {"F-05": NC})
    for name, data in (
        ("pass_inspection", {"performed_on": today()}),
        ("require_remediation", {"performed_on": today(), "comment": "x"}),
    ):
        with pytest.raises(RuleViolation) as refusal:
            act(at_inspection, name, cast.inspector, **data)
        assert refusal.value.code in {"inspection_not_passed", "inspection_without_deficiency"}
    assert _state(at_inspection) == State.INSPECTION


def test_remediation_and_reinspection_at_step_2_over_two_rounds(at_inspection, cast):
    due = today() + dt.timedelta(days=10)
    first = inspect(at_inspection, cast, {"F-05": NC, "M-02": NC}, due_on=due)
    assert first.outcome == Outcome.REMEDIATION
    assert _state(at_inspection) == State.INSPECTION_REMEDIATION
    deficiencies = list(first.deficiencies.order_by("finding__order"))
    assert [d.finding.item.code for d in deficiencies] == ["F-05", "M-02"]
    assert {d.due_on for d in deficiencies} == {due}
    notice = attached_to(
        Notice.objects.filter(kind=NoticeKind.INSPECTION_RESULT), at_inspection
    ).get()
    assert notice.snapshot["inspection"]["outcome"] == "deficiencies"
    assert [d["due_date"] for d in notice.snapshot["inspection"]["deficiencies"]] == [
        due.isoformat()
    ] * 2

    # report_remediation waits for a report on every deficiency.
    services.remediation_report_file(deficiency=deficiencies[0], actor=cast.psa, text="整備した")
    with pytest.raises(RuleViolation) as refusal:
        act(at_inspection, "report_remediation", cast.psa, comment="報告します")
    assert refusal.value.code == "deficiency_not_reported"
    services.remediation_report_file(deficiency=deficiencies[1], actor=cast.psa, text="施錠した")
    act(at_inspection, "report_remediation", cast.psa, comment="報告します")
    assert _state(at_inspection) == State.INSPECTION_REMEDIATION_REPORTED

    services.remediation_decide(inspection=first, actor=cast.reviewer, decision="reinspection")
    assert _state(at_inspection) == State.INSPECTION
    second = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    assert second.round == 2 and second.checklist_version == first.checklist_version
    assert set(second.findings.values_list("item__code", flat=True)) == {"F-05", "M-02"}
    record(second, cast)
    services.inspection_finish(inspection=second, actor=cast.inspector, performed_on=today())
    assert _state(at_inspection) == State.SURVEY

    rounds = rounds_of(at_inspection, InspectionKind.SITE).order_by("round")
    assert [(r.round, r.outcome, r.decision) for r in rounds] == [
        (1, Outcome.REMEDIATION, Decision.REINSPECTION),
        (2, Outcome.PASSED, ""),
    ]
    assert not Deficiency.objects.filter(inspection=first, resolved_at__isnull=True).exists()
    assert attached_to(Notice.objects.all(), at_inspection).count() == 2
    assert audit_verify().ok


def test_remediation_accepted_without_reinspection_at_step_2(at_inspection, cast):
    first = inspect(at_inspection, cast, {"O-02": NC})
    report_all(first, cast)
    act(at_inspection, "report_remediation", cast.psa, comment="報告します")
    services.remediation_decide(inspection=first, actor=cast.reviewer, decision="accepted")
    assert _state(at_inspection) == State.SURVEY
    assert rounds_of(at_inspection).count() == 1


def test_only_the_latest_round_is_decided_and_only_once(at_inspection, cast):
    first = inspect(at_inspection, cast, {"O-02": NC})
    report_all(first, cast)
    act(at_inspection, "report_remediation", cast.psa, comment="報告します")
    with pytest.raises(RuleViolation) as refusal:
        services.remediation_decide(inspection=first, actor=cast.inspector, decision="accepted")
    assert refusal.value.status == 403
    services.remediation_decide(inspection=first, actor=cast.reviewer, decision="reinspection")
    with pytest.raises(RuleViolation):
        services.remediation_decide(inspection=first, actor=cast.reviewer, decision="accepted")


# ⑦ ------------------------------------------------------------------------------------
def test_final_inspection_rechecks_the_items_left_unchecked_at_step_2(at_inspection, cast):
    inspect(at_inspection, cast, {"M-04": UNCHECKED, "D-01": UNCHECKED})
    enrollment = walk_from_survey_to_final(at_inspection, cast)
    final = services.inspection_open(subject=enrollment, actor=cast.inspector)
    flagged = set(
        final.findings.filter(open_at_inspection=True).values_list("item__code", flat=True)
    )
    assert flagged == {"M-04", "D-01"}
    assert final.kind == InspectionKind.FINAL and final.round == 1


def test_final_inspection_adds_open_items_missing_from_its_checklist(at_inspection, cast):
    inspect(at_inspection, cast, {"M-04": UNCHECKED})
    template = ChecklistTemplate.objects.get(is_default=True)
    services.checklist_item_delete(actor=cast.reviewer, template=template, code="M-04")
    services.checklist_version_publish(actor=cast.reviewer, template=template)
    enrollment = walk_from_survey_to_final(at_inspection, cast)
    final = services.inspection_open(subject=enrollment, actor=cast.inspector)
    assert final.checklist_version.number == 2
    carried = final.findings.get(open_at_inspection=True)
    assert carried.item.code == "M-04" and carried.item.version.number == 1


def test_final_inspection_is_refused_while_a_terminal_has_not_passed(site, cast):
    from dsg.provisioning import services as prov

    enrollment = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    terminal = prov.terminal_register(
        enrollment=enrollment, actor=cast.psa, name="PC-1", model_name="m", serial_number="s"
    )
    with pytest.raises(RuleViolation) as refusal:
        act(enrollment, "request_final_inspection", cast.psa)
    assert refusal.value.code == "connection_test_open"
    assert terminal.pk and _state(enrollment) == State.TERMINAL_SETUP
    with pytest.raises(RuleViolation):
        services.inspection_open(subject=enrollment, actor=cast.inspector)


def test_final_remediation_then_reinspection_completes_with_a_completion_notice(site, cast):
    enrollment = walk_to(new_case(site, cast), State.FINAL_INSPECTION, cast)
    first = inspect(enrollment, cast, {"D-03": NC})
    assert _state(enrollment) == State.FINAL_REMEDIATION
    report_all(first, cast)
    act(enrollment, "report_remediation", cast.psa, comment="不要ソフトを削除")
    assert _state(enrollment) == State.FINAL_REMEDIATION_REPORTED
    services.remediation_decide(inspection=first, actor=cast.reviewer, decision="reinspection")
    assert _state(enrollment) == State.FINAL_INSPECTION
    second = inspect(enrollment, cast)
    assert (second.round, second.outcome) == (2, Outcome.PASSED)
    assert _state(enrollment) == State.COMPLETED
    completion = attached_to(Notice.objects.filter(kind=NoticeKind.COMPLETION), enrollment).get()
    terminals = completion.snapshot["completion"]["terminals"]
    assert [t["name"] for t in terminals] == ["PC-01"]
    assert completion.snapshot["completion"]["started_on"] == today().isoformat()


def test_final_remediation_accepted_completes_with_a_completion_notice(site, cast):
    enrollment = walk_to(new_case(site, cast), State.FINAL_INSPECTION, cast)
    first = inspect(enrollment, cast, {"M-01": NC})
    report_all(first, cast)
    act(enrollment, "report_remediation", cast.psa, comment="登録しました")
    services.remediation_decide(inspection=first, actor=cast.reviewer, decision="accepted")
    assert _state(enrollment) == State.COMPLETED
    assert attached_to(Notice.objects.filter(kind=NoticeKind.COMPLETION), enrollment).count() == 1


# Deemed by audit ---------------------------------------------------------------------------
def test_deemed_by_audit_records_the_document_that_stood_in(at_inspection, cast):
    with pytest.raises(RuleViolation) as refusal:
        services.inspection_deem_by_audit(
            subject=at_inspection, actor=cast.reviewer, comment="監査結果による"
        )
    assert refusal.value.code == "audit_result_missing"
    with pytest.raises(RuleViolation) as refusal:
        act(at_inspection, "deem_inspection_by_audit", cast.reviewer, comment="監査結果による")
    assert refusal.value.code == "audit_result_missing"
    attach_documents(at_inspection, cast.psa, kinds=("audit_result", "audit_result"))
    older, current = documents_of(at_inspection, "audit_result").order_by("pk")
    inspection = services.inspection_deem_by_audit(
        subject=at_inspection, actor=cast.reviewer, comment="監査結果による"
    )
    assert _state(at_inspection) == State.SURVEY
    assert inspection.outcome == Outcome.DEEMED_BY_AUDIT
    assert inspection.audit_document == current


def test_the_reviewer_may_choose_another_audit_result(at_inspection, cast):
    attach_documents(at_inspection, cast.psa, kinds=("audit_result", "audit_result"))
    older = documents_of(at_inspection, "audit_result").order_by("pk").first()
    with pytest.raises(RuleViolation) as refusal:
        services.inspection_deem_by_audit(
            subject=at_inspection, actor=cast.psa, comment="x", document_id=older.pk
        )
    assert refusal.value.status == 403
    inspection = services.inspection_deem_by_audit(
        subject=at_inspection, actor=cast.reviewer, comment="x", document_id=older.pk
    )
    assert inspection.audit_document == older


# Appointment and reminders ----------------------------------------------------------------
def test_slots_are_proposed_picked_and_exported(at_inspection, cast):
    from dsg.inspections.calendar import appointment_ics

    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    with pytest.raises(RuleViolation) as refusal:
        services.inspection_propose_slots(
            inspection=inspection, actor=cast.reviewer, starts=[timezone.now()]
        )
    assert refusal.value.code == "slot_in_past"
    slots = services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at(10), tomorrow_at(14)]
    )
    assert OutboxMessage.objects.filter(kind="inspection.slots", recipients=[cast.psa.email])
    services.inspection_ask_other_slots(
        inspection=inspection, actor=cast.psa, message="翌週を希望します"
    )
    inspection.refresh_from_db()
    assert inspection.slot_request == "翌週を希望します"
    assert not inspection.appointments.filter(state__in=ACTIVE_STATES).exists()
    slots = services.inspection_propose_slots(
        inspection=inspection, actor=cast.inspector, starts=[tomorrow_at(9)]
    )
    with pytest.raises(RuleViolation):
        services.inspection_pick_slot(
            inspection=inspection, actor=cast.reviewer, slot_id=slots[0].pk
        )
    picked = services.inspection_pick_slot(
        inspection=inspection,
        actor=cast.psa,
        slot_id=slots[0].pk,
        entry_notes="正門で受付、身分証を持参、駐車場あり",
    )
    assert picked.scheduled_at == tomorrow_at(9)
    ics = appointment_ics(picked, picked.appointment).decode()
    assert "BEGIN:VEVENT" in ics and "DTSTART" in ics and at_inspection.number in ics
    assert "身分証" in ics


def test_the_reminder_is_queued_the_day_before_and_only_once(at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    slot = services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at(10)]
    )[0]
    services.inspection_pick_slot(inspection=inspection, actor=cast.psa, slot_id=slot.pk)
    assert services.inspections_remind(today=today() - dt.timedelta(days=1)) == (0, 0)
    assert services.inspections_remind() == (1, 0)
    mail = OutboxMessage.objects.get(kind="inspection.reminder")
    assert cast.psa.email in mail.recipients and cast.reviewer.email in mail.recipients
    assert services.inspections_remind() == (0, 0)


def test_overdue_deficiencies_are_flagged_and_mailed_once(at_inspection, cast):
    from dsg.inspections.selectors import overdue_deficiencies_for

    first = inspect(at_inspection, cast, {"F-05": NC, "F-06": NC}, due_on=today())
    later = today() + dt.timedelta(days=1)
    assert not overdue_deficiencies_for(user=cast.psa).exists()  # due today: not yet late
    assert services.inspections_remind(today=later) == (0, 2)
    mails = OutboxMessage.objects.filter(kind="inspection.overdue")
    assert mails.count() == 2
    assert all(
        cast.psa.email in m.recipients and cast.reviewer.email in m.recipients for m in mails
    )
    assert services.inspections_remind(today=later) == (0, 0)
    # A day later (moved back here rather than waiting), both sides see both flagged.
    first.deficiencies.update(due_on=today() - dt.timedelta(days=1))
    ids = set(first.deficiencies.values_list("pk", flat=True))
    for person in (cast.psa, cast.reviewer, cast.inspector):
        assert set(overdue_deficiencies_for(user=person).values_list("pk", flat=True)) == ids
    assert not overdue_deficiencies_for(user=cast.staff).exists()
    # A report takes a deficiency off the list.
    reported = first.deficiencies.order_by("pk").first()
    services.remediation_report_file(deficiency=reported, actor=cast.psa, text="対応済み")
    assert set(overdue_deficiencies_for(user=cast.psa).values_list("pk", flat=True)) == ids - {
        reported.pk
    }


def test_a_photo_is_stored_through_the_documents_service(at_inspection, cast):
    from .helpers import jpeg

    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    finding = inspection.findings.first()
    services.inspection_record(
        inspection=inspection,
        actor=cast.inspector,
        entries=[
            services.FindingInput(
                finding_id=finding.pk,
                result=NC,
                note="施錠なし",
                photo_name="door.jpg",
                photo_data=jpeg(),
            )
        ],
    )
    finding.refresh_from_db()
    assert finding.photo is not None and finding.photo.kind == "inspection_photo"
    assert finding.photo.subject == at_inspection


def test_the_remind_command_queues_mail_that_the_outbox_delivers(at_inspection, cast, settings):
    import io

    from django.core import mail
    from django.core.management import call_command
    from django_scopes import scope

    from dsg.notifications.services import outbox_deliver_pending

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    slot = services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at(13)]
    )[0]
    services.inspection_pick_slot(inspection=inspection, actor=cast.psa, slot_id=slot.pk)
    out = io.StringIO()
    with scope(company=None):  # as from cron: the command opens its own view of every company
        call_command("inspections", "remind", stdout=out)
    assert "1 reminders, 0 overdue" in out.getvalue()
    mail.outbox.clear()
    outbox_deliver_pending()
    reminder = [m for m in mail.outbox if "現地確認" in m.body or "inspection" in m.subject]
    assert any(cast.psa.email in m.to for m in reminder)
