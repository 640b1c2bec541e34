"""② 現地確認 and ⑦ 最終現地確認 through the services: rules, loops, rounds and notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.appointments.models import ACTIVE_STATES
from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.core.subjects import attached_to
from dsg.documents.selectors import documents_of
from dsg.enrollment import rules
from dsg.enrollment.models import Enrollment, State, StepRecord
from dsg.enrollment.selectors import transition_options_for
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
from tests.walk import act, attach_documents, new_case, small_pdf, today, walk_to

from ..db_rows import table_rows
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
    template = ChecklistTemplate.objects.get(is_sample=True, kind="site")
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
    template = ChecklistTemplate.objects.get(is_sample=True, kind="site")
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


OUTCOME_TRANSITIONS = (
    ("pass_inspection", {"performed_on": "today"}),
    ("require_remediation", {"performed_on": "today", "comment": "x"}),
    ("deem_inspection_by_audit", {"comment": "x"}),
    ("accept_remediation", {}),
    ("require_reinspection", {}),
)


@pytest.mark.parametrize("recorded", [False, True], ids=["nothing-recorded", "round-recorded"])
def test_no_outcome_of_2_or_7_is_taken_by_name_from_a_page_or_the_api(
    at_inspection, cast, everyone, recorded
):
    """With or without a round in the portal, no button passes ② (or ⑦) around its round and
    its notice: the outcome transitions are taken only when a round ends."""
    if recorded:
        inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
        record(inspection, cast, {"F-05": NC})
    for name, data in OUTCOME_TRANSITIONS:
        values = {k: today() if v == "today" else v for k, v in data.items()}
        for actor in everyone.values():
            with pytest.raises(RuleViolation) as refusal:
                act(at_inspection, name, actor, **values)
            assert refusal.value.code == "recorded_by_inspection", (name, actor)
    assert _state(at_inspection) == State.INSPECTION
    assert (
        not Notice.objects.exists()
        and not StepRecord.objects.filter(enrollment=at_inspection, step=2).exists()
    )
    options = transition_options_for(user=cast.inspector, enrollment=at_inspection)
    assert not {o.name for o in options} & {name for name, _data in OUTCOME_TRANSITIONS}


def test_the_outcome_rules_ask_for_a_finished_round_of_the_step(at_inspection, cast):
    """Taken from an inspection, the outcome still needs a finished round that gave it."""
    assert not rules.INSPECTION_PASSED(at_inspection)
    assert not rules.INSPECTION_FOUND_DEFICIENCIES(at_inspection)
    inspect(at_inspection, cast, {"F-05": NC})
    at_inspection.refresh_from_db()
    assert rules.portal_outcome(at_inspection) is None  # the case moved on: a new state


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
    template = ChecklistTemplate.objects.get(is_default=True, kind="site")
    services.checklist_item_delete(actor=cast.reviewer, template=template, code="M-04")
    services.checklist_version_publish(actor=cast.reviewer, template=template)
    enrollment = walk_from_survey_to_final(at_inspection, cast)
    final = services.inspection_open(subject=enrollment, actor=cast.inspector)
    assert final.checklist_version.template.kind == "final"
    carried = final.findings.get(open_at_inspection=True)
    assert carried.item.code == "M-04" and carried.item.version.number == 1


def test_the_final_inspection_has_its_own_checklist_and_the_flagged_items_of_2(at_inspection, cast):
    """⑦ checks what §3⑦ lists (its own checklist: 回線, ルータ, 取扱施設等, hardware, software,
    connection), the ② items marked to be checked again, and what ② left 未確認 — not the
    whole ② checklist again."""
    site_round = inspect(at_inspection, cast, {"O-01": UNCHECKED})
    enrollment = walk_from_survey_to_final(at_inspection, cast)
    final = services.inspection_open(subject=enrollment, actor=cast.inspector)
    final_items = set(final.checklist_version.items.values_list("code", flat=True))
    assert {"W-01", "W-02", "W-03", "H-01", "S-01", "N-01"} <= final_items
    codes = list(final.findings.order_by("order").values_list("item__code", flat=True))
    flagged = set(
        site_round.checklist_version.items.filter(final_recheck=True).values_list("code", flat=True)
    )
    assert flagged == {"D-01", "D-02", "D-03", "D-04", "M-01"}
    assert set(codes) == final_items | flagged | {"O-01"}
    assert len(codes) == len(set(codes))
    assert "F-01" not in codes  # a ② item neither flagged nor left open does not come back
    assert final.findings.get(item__code="O-01").open_at_inspection


def test_the_final_recheck_flag_decides_which_items_of_2_come_back(at_inspection, cast):
    template = ChecklistTemplate.objects.get(is_default=True, kind="site")
    services.checklist_item_save(
        actor=cast.reviewer, template=template, code="F-02", data={"final_recheck": True}
    )
    services.checklist_item_save(
        actor=cast.reviewer, template=template, code="D-01", data={"final_recheck": False}
    )
    services.checklist_version_publish(actor=cast.reviewer, template=template)
    inspect(at_inspection, cast)
    enrollment = walk_from_survey_to_final(at_inspection, cast)
    final = services.inspection_open(subject=enrollment, actor=cast.inspector)
    codes = set(final.findings.values_list("item__code", flat=True))
    assert "F-02" in codes and "D-01" not in codes


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
    assert _result_notices(enrollment) == ["deficiencies"]
    second = inspect(enrollment, cast)
    assert (second.round, second.outcome) == (2, Outcome.PASSED)
    assert _state(enrollment) == State.COMPLETED
    completion = attached_to(Notice.objects.filter(kind=NoticeKind.COMPLETION), enrollment).get()
    terminals = completion.snapshot["completion"]["terminals"]
    assert [t["name"] for t in terminals] == ["PC-01"]
    # The 利用開始日: by default the later of the completion day and the start applied for.
    desired = Enrollment.objects.get(pk=enrollment.pk).application.desired_start
    assert completion.snapshot["completion"]["started_on"] == max(today(), desired).isoformat()
    assert _result_notices(enrollment) == ["deficiencies"]  # the passed re-inspection: none


def _result_notices(enrollment) -> list[str]:
    notices = attached_to(Notice.objects.filter(kind=NoticeKind.INSPECTION_RESULT), enrollment)
    step7 = [n for n in notices.order_by("pk") if n.snapshot["inspection"]["kind"] == 7]
    return [n.snapshot["inspection"]["outcome"] for n in step7]


def test_a_passed_final_inspection_issues_the_completion_notice_only(site, cast):
    enrollment = walk_to(new_case(site, cast), State.FINAL_INSPECTION, cast)
    inspect(enrollment, cast)
    assert _state(enrollment) == State.COMPLETED
    assert _result_notices(enrollment) == []
    assert attached_to(Notice.objects.filter(kind=NoticeKind.COMPLETION), enrollment).count() == 1


def test_the_office_sets_the_start_of_use_when_it_completes_the_case(site, cast):
    enrollment = walk_to(new_case(site, cast), State.FINAL_INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    record(inspection, cast)
    with pytest.raises(RuleViolation) as refusal:
        services.inspection_finish(
            inspection=inspection,
            actor=cast.inspector,
            performed_on=today(),
            effective_on=today() - dt.timedelta(days=1),
        )
    assert (refusal.value.code, refusal.value.field) == ("start_of_use_in_past", "effective_on")
    assert (
        _state(enrollment) == State.FINAL_INSPECTION
        and not Notice.objects.filter(kind=NoticeKind.COMPLETION).exists()
    )
    chosen = today() + dt.timedelta(days=3)
    services.inspection_finish(
        inspection=inspection, actor=cast.inspector, performed_on=today(), effective_on=chosen
    )
    completed = Enrollment.objects.get(pk=enrollment.pk)
    assert completed.state == State.COMPLETED and completed.use_starts_on == chosen
    completion = attached_to(Notice.objects.filter(kind=NoticeKind.COMPLETION), enrollment).get()
    assert completion.snapshot["completion"]["started_on"] == chosen.isoformat()
    record_ = StepRecord.objects.get(enrollment=enrollment, transition="pass_inspection", step=7)
    assert record_.data["use_starts_on"] == chosen.isoformat()


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
    attach_documents(at_inspection, cast.psa, kinds=("audit_result", "audit_result"))
    older, current = documents_of(at_inspection, "audit_result").order_by("pk")
    inspection = services.inspection_deem_by_audit(
        subject=at_inspection, actor=cast.reviewer, comment="監査結果による"
    )
    assert _state(at_inspection) == State.SURVEY
    assert inspection.outcome == Outcome.DEEMED_BY_AUDIT
    assert inspection.audit_document == current
    # §3② ※: the 現地確認結果通知書 says so and names the audit result that stood in.
    notice = attached_to(
        Notice.objects.filter(kind=NoticeKind.INSPECTION_RESULT), at_inspection
    ).get()
    printed = notice.snapshot["inspection"]
    assert printed["outcome"] == "deemed_by_audit"
    assert printed["audit_result"]["filename"] == current.filename
    assert printed["audit_result"]["title"] == "情報セキュリティ監査の結果通知書"
    assert printed["audit_result"]["dated_on"] == current.dated_on.isoformat()


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
    eve = tomorrow_at(10).date() - dt.timedelta(days=1)  # the next business day's eve
    assert services.inspections_remind(today=eve - dt.timedelta(days=1)) == (0, 0)
    assert services.inspections_remind(today=eve) == (1, 0)
    mail = OutboxMessage.objects.get(kind="inspection.reminder")
    assert cast.psa.email in mail.recipients and cast.reviewer.email in mail.recipients
    assert services.inspections_remind(today=eve) == (0, 0)


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


# 「改善が必要と判断された場合」: the office's judgement -------------------------------------------
def test_a_nonconformity_judged_to_need_no_remediation_does_not_hold_the_round_back(
    at_inspection, cast
):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    record(inspection, cast, {"F-07": NC})
    f07 = inspection.findings.get(item__code="F-07")
    services.inspection_record(
        inspection=inspection,
        actor=cast.inspector,
        entries=[
            services.FindingInput(
                finding_id=f07.pk,
                result=NC,
                note="警報装置の点検記録が1か月分欠落",
                no_remediation_reason="点検業者の記録で補完済みのため",
            )
        ],
    )
    finished = services.inspection_finish(
        inspection=inspection, actor=cast.inspector, performed_on=today()
    )
    assert finished.outcome == Outcome.PASSED and _state(at_inspection) == State.SURVEY
    assert not Deficiency.objects.filter(inspection=inspection).exists()
    notice = attached_to(
        Notice.objects.filter(kind=NoticeKind.INSPECTION_RESULT), at_inspection
    ).get()
    item = next(i for i in notice.snapshot["inspection"]["items"] if i["code"] == "F-07")
    assert item["result"] == "nonconforming"
    assert item["no_remediation_reason"] == "点検業者の記録で補完済みのため"


def test_the_judgement_is_for_a_nonconformity_only(at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    first = inspection.findings.first()
    with pytest.raises(RuleViolation) as refusal:
        services.inspection_record(
            inspection=inspection,
            actor=cast.inspector,
            entries=[
                services.FindingInput(
                    finding_id=first.pk, result=Result.CONFORMING, no_remediation_reason="x"
                )
            ],
        )
    assert (refusal.value.code, refusal.value.field) == (
        "reason_without_nonconformity",
        "no_remediation_reason",
    )
    first.refresh_from_db()
    assert not first.result and not first.no_remediation_reason


def test_a_final_round_with_a_judged_nonconformity_tells_it_and_completes(site, cast):
    """⑦ passed, but with a 不適合 the office judged to need no remediation: the company is
    told (現地確認結果通知書) and the case completes (加入完了通知書)."""
    enrollment = walk_to(new_case(site, cast), State.FINAL_INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    record(inspection, cast)
    s01 = inspection.findings.get(item__code="S-01")
    services.inspection_record(
        inspection=inspection,
        actor=cast.inspector,
        entries=[
            services.FindingInput(
                finding_id=s01.pk, result=NC, no_remediation_reason="試用版の期限切れのみ"
            )
        ],
    )
    services.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
    assert _state(enrollment) == State.COMPLETED
    assert _result_notices(enrollment) == ["passed"]
    assert attached_to(Notice.objects.filter(kind=NoticeKind.COMPLETION), enrollment).count() == 1


# A round held on paper ---------------------------------------------------------------------
def _paper_entries(inspection, results=None):
    results = results or {}
    return [
        services.FindingInput(finding_id=f.pk, result=results.get(f.item.code, Result.CONFORMING))
        for f in inspection.findings.select_related("item")
    ]


def _keep_on_paper(inspection, cast, *, actor=None, scan=b"", results=None, **kwargs):
    """The first step of a paper round (``finish`` also finishes it: the API's call)."""
    return services.inspection_record_on_paper(
        inspection=inspection,
        actor=actor or cast.inspector,
        performed_on=kwargs.pop("performed_on", today()),
        scan_name=kwargs.pop("scan_name", "checklist-scan.pdf"),
        scan_data=scan,
        entries=kwargs.pop("entries", None) or _paper_entries(inspection, results),
        **kwargs,
    )


def test_a_round_held_on_paper_is_kept_and_issues_its_notice_only_when_finished(
    at_inspection, cast
):
    """First step: the transcription, the date and the scan are kept — the round is not
    finished, nothing is issued, nobody is mailed. The round then finishes as any other."""
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    mails = OutboxMessage.objects.count()
    visit = today() - dt.timedelta(days=2)
    kept = _keep_on_paper(
        inspection, cast, scan=small_pdf(), results={"F-05": NC}, performed_on=visit
    )
    assert kept.status == InspectionStatus.IN_PROGRESS and not kept.outcome
    assert (kept.performed_on, kept.inspector) == (visit, cast.inspector)
    scan = kept.paper_checklist
    assert (scan.kind, scan.filename, scan.company_id, scan.subject) == (
        "inspection_checklist",
        "checklist-scan.pdf",
        at_inspection.site.company_id,
        kept,
    )
    assert kept.findings.get(item__code="F-05").result == NC
    assert not Notice.objects.exists() and not Deficiency.objects.exists()
    assert OutboxMessage.objects.count() == mails  # nobody is told yet
    assert _state(at_inspection) == State.INSPECTION
    event = AuditEvent.objects.filter(action="inspection.record_on_paper").get()
    assert event.after["scan"] == scan.pk and event.after["replaced_scan"] is None
    assert event.after["performed_on"] == visit.isoformat()

    finished = services.inspection_finish(
        inspection=kept, actor=cast.inspector, performed_on=kept.performed_on
    )
    assert finished.outcome == Outcome.REMEDIATION and finished.performed_on == visit
    assert _state(at_inspection) == State.INSPECTION_REMEDIATION
    notice = attached_to(
        Notice.objects.filter(kind=NoticeKind.INSPECTION_RESULT), at_inspection
    ).get()
    assert notice.snapshot["inspection"]["on_paper"] is True
    assert [d.finding.item.code for d in finished.deficiencies.all()] == ["F-05"]
    assert audit_verify().ok


def test_keeping_again_replaces_what_was_kept_and_the_ledger_names_the_scan_replaced(
    at_inspection, cast
):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    first = _keep_on_paper(inspection, cast, scan=small_pdf(), results={"F-05": NC})
    old_scan = first.paper_checklist_id
    corrected = _keep_on_paper(inspection, cast, scan=small_pdf(), scan_name="corrected.pdf")
    assert corrected.paper_checklist_id != old_scan
    assert corrected.paper_checklist.filename == "corrected.pdf"
    assert corrected.findings.get(item__code="F-05").result == Result.CONFORMING
    events = AuditEvent.objects.filter(action="inspection.record_on_paper").order_by("sequence")
    assert [e.after["replaced_scan"] for e in events] == [None, old_scan]
    # Kept once more without a scan: the corrected scan stays.
    again = _keep_on_paper(inspection, cast, results={"F-01": UNCHECKED})
    assert again.paper_checklist_id == corrected.paper_checklist_id
    assert again.findings.get(item__code="F-01").result == UNCHECKED
    assert not Notice.objects.exists() and again.status == InspectionStatus.IN_PROGRESS


@pytest.mark.parametrize("missing", ["scan", "an item", "the day"])
def test_a_round_held_on_paper_needs_its_scan_every_item_and_no_future_date(
    at_inspection, cast, missing
):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    entries = _paper_entries(inspection)
    before = table_rows()
    with pytest.raises(RuleViolation) as refusal:
        _keep_on_paper(
            inspection,
            cast,
            scan=b"" if missing == "scan" else small_pdf(),
            entries=entries[1:] if missing == "an item" else entries,
            performed_on=today() + dt.timedelta(days=1 if missing == "the day" else 0),
        )
    codes = {"scan": "scan_required", "an item": "findings_open", "the day": "date_in_future"}
    assert refusal.value.code == codes[missing]
    assert table_rows() == before


def test_only_the_office_records_a_round_held_on_paper(at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    for person in (cast.psa, cast.delegate, cast.staff, cast.reviewer):
        with pytest.raises(RuleViolation) as refusal:
            _keep_on_paper(inspection, cast, actor=person, scan=small_pdf())
        assert refusal.value.status == 403


def test_a_round_kept_from_paper_is_the_transcribing_inspectors(at_inspection, cast, office):
    """Another inspector neither changes what was kept nor finishes the round."""
    from tests.factories import UserFactory

    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    _keep_on_paper(inspection, cast, scan=small_pdf())
    other = UserFactory(organization=office, role="inspector")
    before = table_rows()
    calls = {
        "keep": lambda: _keep_on_paper(inspection, cast, actor=other, scan=small_pdf()),
        "finish": lambda: services.inspection_finish(
            inspection=inspection, actor=other, performed_on=today()
        ),
        "tablet": lambda: services.inspection_record(
            inspection=inspection, actor=other, entries=_paper_entries(inspection)[:1]
        ),
    }
    for name, call in calls.items():
        with pytest.raises(RuleViolation) as refusal:
            call()
        assert refusal.value.code == "other_inspector", name
    assert table_rows() == before


def test_a_finished_round_keeps_nothing_more_from_paper(at_inspection, cast):
    inspection = inspect(at_inspection, cast)
    before = table_rows()
    with pytest.raises(RuleViolation) as refusal:
        _keep_on_paper(inspection, cast, scan=small_pdf())
    assert refusal.value.code == "inspection_finished"
    assert table_rows() == before


def test_finish_keeps_and_finishes_a_paper_round_in_one_transaction(at_inspection, cast):
    """``finish``: the API's call, which is its own confirmation."""
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    kept = _keep_on_paper(inspection, cast, scan=small_pdf(), finish=False)
    assert kept.status == InspectionStatus.IN_PROGRESS and not Notice.objects.exists()
    done = _keep_on_paper(inspection, cast, finish=True)
    assert done.status == InspectionStatus.FINISHED and done.outcome == Outcome.PASSED
    assert _state(at_inspection) == State.SURVEY


# Dates and records agree ----------------------------------------------------------------------
def _next_saturday() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() != 5:
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.mark.parametrize(
    ("when", "code"),
    [
        ("saturday", "not_business_day"),
        ("early", "outside_office_hours"),
        ("late", "outside_office_hours"),
    ],
)
def test_the_office_proposes_dates_on_business_days_in_office_hours(
    at_inspection, cast, when, code
):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    weekday = tomorrow_at(10).date()
    start = {
        "saturday": _at(_next_saturday(), 10),
        "early": _at(weekday, 7, 30),
        "late": _at(weekday, 17),  # three hours: ends at 20:00
    }[when]
    with pytest.raises(RuleViolation) as refusal:
        services.inspection_propose_slots(
            inspection=inspection, actor=cast.reviewer, starts=[start]
        )
    assert refusal.value.code == code
    assert not inspection.appointments.exists()
    # The office may make an exception, with its reason, kept in the ledger.
    slots = services.inspection_propose_slots(
        inspection=inspection,
        actor=cast.reviewer,
        starts=[start],
        exception_reason="企業の休日稼働日に合わせるため",
    )
    event = AuditEvent.objects.filter(action="appointment.propose").latest("sequence")
    assert event.after["exception_reason"] == "企業の休日稼働日に合わせるため"
    assert slots[0].starts_at == start


def test_finishing_a_round_closes_its_date_with_the_day_it_took_place(at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    slot = services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at(10)]
    )[0]
    services.inspection_pick_slot(inspection=inspection, actor=cast.psa, slot_id=slot.pk)
    record(inspection, cast)
    # The visit took place today, earlier than agreed: the date moves to today, then is done.
    services.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
    slot.refresh_from_db()
    assert slot.state == "done" and timezone.localtime(slot.starts_at).date() == today()
    moved = AuditEvent.objects.filter(action="appointment.move", object_id=str(slot.pk))
    assert moved.count() == 1
    assert not inspection.appointments.filter(state__in=ACTIVE_STATES).exists()


def test_deeming_2_done_withdraws_the_dates_of_its_round(at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at(10)]
    )
    attach_documents(at_inspection, cast.psa, kinds=("audit_result",))
    services.inspection_deem_by_audit(subject=at_inspection, actor=cast.reviewer, comment="監査")
    assert set(inspection.appointments.values_list("state", flat=True)) == {"withdrawn"}
