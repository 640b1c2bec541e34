"""Use cases of ② 現地確認 and ⑦ 最終現地確認: one function each, one transaction each.

Checklists: the office edits a template; a version that an inspection used is frozen and the edit
goes to the next version. Inspections: the office opens a round, proposes dates, the company
picks one (or asks for others) and the inspector records each item on a tablet; finishing the
round sets its outcome from the findings and moves the case through
``dsg.enrollment.services.enrollment_transition`` in the same transaction. Every 不適合 becomes a
deficiency; the company reports on each; the office accepts or requires a re-inspection.

Notices (issued by ``dsg.notices.services.notice_issue``) print a snapshot built here:
``inspection_result_snapshot`` after ② or ⑦ is finished, ``completion_snapshot`` when ⑦ passes.
Shape (the one the notices part documents):

    {"company": {"name", "corporate_number", "address"}, "site": {"name", "address"},
     "case_number": str, "psa": {"name", "email"},
     "inspection": {"kind": 2 | 7, "round": int, "performed_on": "YYYY-MM-DD",
                    "inspector": {"name"}, "outcome": "passed" | "deficiencies",
                    "checklist": "name vN",
                    "items": [{"code", "theme", "text", "result", "note"}],
                    "deficiencies": [{"item", "due_date"}]},
     "completion": {"started_on": "YYYY-MM-DD",
                    "terminals": [{"name", "model_name", "serial_number"}]}}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import Appointment, AppointmentState
from dsg.appointments.services import (
    appointment_confirm,
    appointments_decline,
    appointments_open,
    appointments_propose,
    appointments_remind,
    appointments_withdraw,
)
from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.documents.services import document_store
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state, site_terminals
from dsg.enrollment.services import TransitionInput, enrollment_lock, enrollment_transition
from dsg.notices.models import NoticeKind
from dsg.notices.services import notice_issue
from dsg.notifications.services import mail_queue
from dsg.orgs.models import Role, User
from dsg.orgs.permissions import require_permission
from dsg.orgs.selectors import emails_of, psa_emails

from .models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Decision,
    Deficiency,
    Finding,
    Inspection,
    InspectionStatus,
    Outcome,
    RemediationReport,
    Result,
)

DEFAULT_DUE_DAYS = 30
# The purpose of a round's appointments, by step: ② 現地確認, ⑦ 最終現地確認.
PURPOSE_OF_STEP = {2: "site_inspection", 7: "final_inspection"}
MAX_SLOTS = 10
TEXT_MAX = 4000
INSPECTING_STATES = {State.INSPECTION: 2, State.FINAL_INSPECTION: 7}
REMEDIATION_STATES = [State.INSPECTION_REMEDIATION, State.FINAL_REMEDIATION]
REPORTED_STATES = [State.INSPECTION_REMEDIATION_REPORTED, State.FINAL_REMEDIATION_REPORTED]
ITEM_FIELDS = (
    "code",
    "theme",
    "order",
    "text",
    "guidance",
    "evidence",
    "standard_clause",
    "nist_tags",
    "final_recheck",
)


def _invalid(message: Any, field: str, code: str = "invalid") -> RuleViolation:
    return RuleViolation(message, code=code, status=422, field=field)


def _company_id(inspection: Inspection) -> int:
    return inspection.enrollment.site.company_id


# Checklists --------------------------------------------------------------------------------
def checklist_version_current() -> ChecklistVersion:
    """The latest published version of the default template: what a new inspection uses."""
    version = (
        ChecklistVersion.objects.filter(template__is_default=True, published_at__isnull=False)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise RuleViolation(
            _("No checklist is published: the office must publish one first."),
            code="no_checklist",
        )
    return version


def checklist_template_create(*, actor: User, name: str) -> ChecklistTemplate:
    require_permission(actor=actor, action="checklist.manage")
    name = name.strip()
    if not name:
        raise _invalid(_("Please enter a name."), "name", "name_required")
    with transaction.atomic():
        template = ChecklistTemplate.objects.create(name=name[:200])
        ChecklistVersion.objects.create(template=template, number=1)
        audit_record(actor=actor, action="checklist.create", obj=template, after={"name": name})
    return template


def checklist_template_update(
    *, actor: User, template: ChecklistTemplate, name: str | None = None, is_default: bool = False
) -> ChecklistTemplate:
    """Rename a template or make it the one new inspections use (it needs a published version)."""
    require_permission(actor=actor, action="checklist.manage")
    with transaction.atomic():
        template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        if name is not None and name.strip():
            template.name = name.strip()[:200]
        if is_default and not template.is_default:
            if not template.versions.filter(published_at__isnull=False).exists():
                raise RuleViolation(
                    _("Publish a version of this checklist before making it the default."),
                    code="not_published",
                )
            ChecklistTemplate.objects.filter(is_default=True).update(is_default=False)
            template.is_default = True
        template.save(update_fields=["name", "is_default"])
        audit_record(
            actor=actor,
            action="checklist.update",
            obj=template,
            after={"name": template.name, "is_default": template.is_default},
        )
    return template


def _editable_version(template: ChecklistTemplate) -> ChecklistVersion:
    """The version an edit goes to: the latest unless an inspection used it, else a copy."""
    latest = ChecklistVersion.objects.select_for_update().filter(template=template).first()
    if latest is not None and not latest.frozen and latest.published_at is None:
        return latest
    number = (latest.number if latest else 0) + 1
    version = ChecklistVersion.objects.create(template=template, number=number)
    if latest is not None:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(version=version, **{f: getattr(item, f) for f in ITEM_FIELDS})
            for item in latest.items.all()
        )
    return version


def _item_data(data: dict[str, Any]) -> dict[str, Any]:
    clean = {f: data[f] for f in ITEM_FIELDS if f in data}
    for key in ("code", "theme", "text"):
        if key in clean and not str(clean[key]).strip():
            raise _invalid(_("This field is required."), key, "required")
    for key, value in clean.items():
        if isinstance(value, str):
            clean[key] = value.strip()
    return clean


def checklist_item_save(
    *,
    actor: User,
    template: ChecklistTemplate,
    data: dict[str, Any],
    code: str | None = None,
) -> ChecklistItem:
    """Add an item, or change the item ``code``, in the template's editable (draft) version."""
    require_permission(actor=actor, action="checklist.manage")
    clean = _item_data(data)
    with transaction.atomic():
        version = _editable_version(template)
        if code is None:
            for key in ("code", "theme", "text"):
                if not clean.get(key):
                    raise _invalid(_("This field is required."), key, "required")
            item = ChecklistItem(version=version)
        else:
            item = version.items.filter(code=code).first()
            if item is None:
                raise RuleViolation(_("Not found."), code="not_found", status=404)
        for key, value in clean.items():
            setattr(item, key, value)
        if version.items.filter(code=item.code).exclude(pk=item.pk).exists():
            raise _invalid(_("Another item has this ID."), "code", "duplicate_code")
        item.save()
        audit_record(
            actor=actor,
            action="checklist.item_save",
            obj=version,
            after={"version": version.number, "item": item.code, **clean},
        )
    return item


def checklist_item_delete(*, actor: User, template: ChecklistTemplate, code: str) -> None:
    require_permission(actor=actor, action="checklist.manage")
    with transaction.atomic():
        version = _editable_version(template)
        deleted, _rows = version.items.filter(code=code).delete()
        if not deleted:
            raise RuleViolation(_("Not found."), code="not_found", status=404)
        audit_record(
            actor=actor,
            action="checklist.item_delete",
            obj=version,
            after={"version": version.number, "item": code},
        )


def checklist_version_publish(*, actor: User, template: ChecklistTemplate) -> ChecklistVersion:
    """Publish the draft: new inspections use it from now on; earlier ones keep theirs."""
    require_permission(actor=actor, action="checklist.manage")
    with transaction.atomic():
        version = ChecklistVersion.objects.select_for_update().filter(template=template).first()
        if version is None or version.published_at is not None:
            raise RuleViolation(_("There is no draft to publish."), code="nothing_to_publish")
        if not version.items.exists():
            raise RuleViolation(_("A checklist needs at least one item."), code="empty_checklist")
        version.published_at = timezone.now()
        version.save(update_fields=["published_at"])
        audit_record(
            actor=actor, action="checklist.publish", obj=version, after={"number": version.number}
        )
    return version


# Opening a round ---------------------------------------------------------------------------
def inspection_open(*, enrollment: Enrollment, actor: User) -> Inspection:
    """The office opens the current round of ② or ⑦ (or gets the one already open)."""
    require_permission(actor=actor, action="inspection.schedule", obj=enrollment)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=list(INSPECTING_STATES))
        step = INSPECTING_STATES[locked.state]
        rounds = Inspection.objects.filter(enrollment=locked, step=step)
        current = rounds.exclude(status=InspectionStatus.FINISHED).first()
        if current is not None:
            return current
        previous = rounds.order_by("-round").first()
        version = (
            previous.checklist_version
            if previous and previous.checklist_version
            else checklist_version_current()
        )
        inspection = Inspection.objects.create(
            enrollment=locked,
            step=step,
            round=(previous.round + 1) if previous else 1,
            checklist_version=version,
        )
        _add_findings(inspection, previous)
        if not version.frozen:
            ChecklistVersion.objects.filter(pk=version.pk).update(frozen=True)
        audit_record(
            actor=actor,
            action="inspection.open",
            obj=inspection,
            company_id=locked.site.company_id,
            after={"step": step, "round": inspection.round, "checklist": version.pk},
        )
    return inspection


def _add_findings(inspection: Inspection, previous: Inspection | None) -> None:
    """A first round checks every item (⑦ also ②'s 未確認 ones); a re-inspection re-checks
    what the previous round found 不適合 or could not check."""
    if previous is not None and previous.outcome == Outcome.REMEDIATION:
        redo = previous.findings.filter(result__in=[Result.NONCONFORMING, Result.UNCHECKED])
        items = [(f.item, f.open_at_inspection) for f in redo.select_related("item")]
    else:
        items = [(item, False) for item in inspection.checklist_version.items.all()]
        if inspection.step == 7:
            items = _with_open_items_of_step_2(inspection, items)
    Finding.objects.bulk_create(
        Finding(inspection=inspection, item=item, order=n, open_at_inspection=carried)
        for n, (item, carried) in enumerate(items, 1)
    )


def _with_open_items_of_step_2(
    inspection: Inspection, items: list[tuple[ChecklistItem, bool]]
) -> list[tuple[ChecklistItem, bool]]:
    """⑦ re-checks what ② left 未確認: flagged if ⑦'s checklist has it, added if not."""
    latest: dict[str, Finding] = {}
    earlier = Finding.objects.filter(
        inspection__enrollment=inspection.enrollment, inspection__step=2, result__gt=""
    ).select_related("item")
    for finding in earlier.order_by("inspection__round", "pk"):
        latest[finding.item.code] = finding
    open_items = {code: f.item for code, f in latest.items() if f.result == Result.UNCHECKED}
    marked = [(item, item.code in open_items) for item, _carried in items]
    present = {item.code for item, _carried in items}
    extra = [(item, True) for code, item in open_items.items() if code not in present]
    return [*extra, *marked]


# Appointment -------------------------------------------------------------------------------
def _office_emails() -> list[str]:
    return emails_of(roles=[Role.REVIEWER, Role.INSPECTOR])


def _psa_emails(inspection: Inspection) -> list[str]:
    return psa_emails(_company_id(inspection))


def _mail(inspection: Inspection, *, to: list[str], kind: str, subject: Any, line: Any) -> None:
    """A short mail pointing to the inspection's page; the details stay behind the login."""
    enrollment = inspection.enrollment
    mail_queue(
        to=to,
        about=enrollment.number,
        subject=subject,
        lines=[
            format_lazy(
                _("The enrollment case {number} ({site}, {company})."),
                number=enrollment.number,
                site=enrollment.site.name,
                company=enrollment.site.company.name,
            ),
            line,
        ],
        link=f"/inspections/{inspection.pk}/",
        kind=kind,
        company_id=_company_id(inspection),
    )


def _lock(inspection: Inspection) -> tuple[Enrollment, Inspection]:
    enrollment = enrollment_lock(inspection.enrollment)
    fresh = Inspection.objects.select_related("checklist_version").get(pk=inspection.pk)
    fresh.enrollment = enrollment
    return enrollment, fresh


def _purpose(inspection: Inspection) -> str:
    return PURPOSE_OF_STEP[inspection.step]


def inspection_propose_slots(
    *, inspection: Inspection, actor: User, starts: list[dt.datetime], hours: int = 3
) -> list[Appointment]:
    """The office offers dates; earlier offers (and a date taken before) are withdrawn."""
    require_permission(actor=actor, action="inspection.schedule", obj=inspection.enrollment)
    starts = sorted(set(starts))
    if not starts or len(starts) > MAX_SLOTS:
        raise _invalid(_("Propose between one and ten dates."), "starts", "slots_required")
    if any(start <= timezone.now() for start in starts):
        raise _invalid(_("Proposed dates must be in the future."), "starts", "slot_in_past")
    if not 1 <= hours <= 12:
        raise _invalid(_("The duration must be between 1 and 12 hours."), "hours")
    with transaction.atomic():
        enrollment, locked = _lock(inspection)
        _require_not_finished(locked)
        appointments_withdraw(subject=locked, purpose=_purpose(locked), actor=actor)
        slots = appointments_propose(
            company=enrollment.site.company,
            subject=locked,
            purpose=_purpose(locked),
            times=[(start, start + dt.timedelta(hours=hours)) for start in starts],
            actor=actor,
            place=f"{enrollment.site.name} {enrollment.site.full_address}",
        )
        audit_record(
            actor=actor,
            action="inspection.propose_slots",
            obj=locked,
            company_id=_company_id(locked),
            after={"slots": [s.isoformat() for s in starts], "hours": hours},
        )
        _mail(
            locked,
            to=_psa_emails(locked),
            kind="inspection.slots",
            subject=_("proposed dates for the on-site inspection"),
            line=_("The office proposes dates for the on-site inspection."),
        )
    return slots


def _require_not_finished(inspection: Inspection) -> None:
    if inspection.is_finished:
        raise RuleViolation(_("This inspection is finished."), code="inspection_finished")


def inspection_pick_slot(
    *, inspection: Inspection, actor: User, slot_id: int, entry_notes: str = ""
) -> Inspection:
    """The company takes one of the offered dates and tells how to enter the premises."""
    require_permission(actor=actor, action="inspection.pick_slot", obj=inspection.enrollment)
    if len(entry_notes) > TEXT_MAX:
        raise _invalid(_("The text is too long (at most 4000 characters)."), "entry_notes")
    with transaction.atomic():
        _enrollment, locked = _lock(inspection)
        slot = (
            appointments_open(locked, _purpose(locked))
            .filter(pk=slot_id, state=AppointmentState.PROPOSED)
            .first()
        )
        if slot is None:
            raise _invalid(_("Choose one of the offered dates."), "slot_id", "unknown_slot")
        _require_not_finished(locked)
        slot = appointment_confirm(appointment=slot, actor=actor)
        if entry_notes.strip():
            locked.entry_notes = entry_notes.strip()
            locked.save(update_fields=["entry_notes"])
        audit_record(
            actor=actor,
            action="inspection.pick_slot",
            obj=locked,
            company_id=_company_id(locked),
            after={"scheduled_at": slot.starts_at.isoformat()},
        )
        _mail(
            locked,
            to=_office_emails(),
            kind="inspection.slot_picked",
            subject=_("date of the on-site inspection chosen"),
            line=format_lazy(
                _("The company chose {when}."),
                when=f"{timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}",
            ),
        )
    return locked


def inspection_ask_other_slots(*, inspection: Inspection, actor: User, message: str) -> Inspection:
    """None of the dates suits the company: it says why and which dates would."""
    require_permission(actor=actor, action="inspection.pick_slot", obj=inspection.enrollment)
    message = message.strip()
    if not message:
        raise _invalid(_("Please say which dates would suit you."), "message", "message_required")
    if len(message) > TEXT_MAX:
        raise _invalid(_("The text is too long (at most 4000 characters)."), "message")
    with transaction.atomic():
        _enrollment, locked = _lock(inspection)
        _require_not_finished(locked)
        offered = list(appointments_open(locked, _purpose(locked)))
        if not offered:
            raise RuleViolation(
                _("No date is proposed at the moment: wait for the office's proposal."),
                code="no_dates_offered",
            )
        appointments_decline(appointments=offered, actor=actor, message=message)
        audit_record(
            actor=actor,
            action="inspection.ask_other_slots",
            obj=locked,
            company_id=_company_id(locked),
            after={"message": message},
        )
        _mail(
            locked,
            to=_office_emails(),
            kind="inspection.slot_request",
            subject=_("other dates requested"),
            line=_("The company asks for other dates for the on-site inspection."),
        )
    return locked


# Recording ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FindingInput:
    finding_id: int
    result: str
    note: str = ""
    due_on: dt.date | None = None
    photo_name: str = ""
    photo_data: bytes = b""


def inspection_record(
    *, inspection: Inspection, actor: User, entries: list[FindingInput]
) -> list[Finding]:
    """The inspector records results (any number of items at a time, e.g. one theme)."""
    require_permission(actor=actor, action="inspection.record", obj=inspection.enrollment)
    with transaction.atomic():
        enrollment, locked = _lock(inspection)
        _require_not_finished(locked)
        require_state(enrollment=enrollment, states=list(INSPECTING_STATES))
        findings = {f.pk: f for f in locked.findings.select_related("item")}
        changed = []
        for entry in entries:
            finding = findings.get(entry.finding_id)
            if finding is None:
                raise _invalid(_("Unknown checklist item."), "finding_id", "unknown_finding")
            changed.append(_apply(finding, entry, actor, enrollment))
        if locked.status == InspectionStatus.SCHEDULED:
            locked.status = InspectionStatus.IN_PROGRESS
            locked.inspector = actor
            locked.save(update_fields=["status", "inspector"])
        audit_record(
            actor=actor,
            action="inspection.record",
            obj=locked,
            company_id=enrollment.site.company_id,
            after={"findings": {f.item.code: f.result for f in changed}},
        )
    return changed


def _apply(finding: Finding, entry: FindingInput, actor: User, enrollment: Enrollment) -> Finding:
    if entry.result not in Result.values:
        raise _invalid(_("Choose a result for every item you record."), "result", "result_required")
    if len(entry.note) > TEXT_MAX:
        raise _invalid(_("The text is too long (at most 4000 characters)."), "note")
    if entry.due_on is not None and entry.due_on < timezone.localdate():
        raise _invalid(_("The due date cannot be in the past."), "due_on", "due_in_past")
    finding.result, finding.note = entry.result, entry.note.strip()
    finding.due_on = entry.due_on if entry.result == Result.NONCONFORMING else None
    if entry.photo_data:
        finding.photo = _store_document(
            actor=actor,
            enrollment=enrollment,
            kind="inspection_photo",
            filename=entry.photo_name or f"{finding.item.code}.jpg",
            data=entry.photo_data,
        )
    finding.recorded_by, finding.recorded_at = actor, timezone.now()
    finding.save()
    return finding


def _store_document(
    *, actor: User, enrollment: Enrollment, kind: str, filename: str, data: bytes
) -> Any:
    return document_store(
        actor=actor,
        company=enrollment.site.company,
        subject=enrollment,
        kind=kind,
        filename=filename,
        data=data,
    )


def inspection_finish(*, inspection: Inspection, actor: User, performed_on: dt.date) -> Inspection:
    """Close the round: the findings give the outcome, and the case moves on with it."""
    require_permission(actor=actor, action="inspection.record", obj=inspection.enrollment)
    with transaction.atomic():
        enrollment, locked = _lock(inspection)
        _require_not_finished(locked)
        open_items = [f.item.code for f in locked.findings.select_related("item") if not f.result]
        if open_items:
            raise RuleViolation(
                _("Record every item before finishing; still open: {items}.").format(
                    items=", ".join(open_items)
                ),
                code="findings_open",
            )
        bad = list(locked.findings.filter(result=Result.NONCONFORMING).select_related("item"))
        locked.status, locked.performed_on = InspectionStatus.FINISHED, performed_on
        locked.outcome = Outcome.REMEDIATION if bad else Outcome.PASSED
        locked.inspector, locked.finished_at = locked.inspector or actor, timezone.now()
        locked.save(update_fields=["status", "performed_on", "outcome", "inspector", "finished_at"])
        default_due = timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS)
        Deficiency.objects.bulk_create(
            Deficiency(finding=f, inspection=locked, due_on=f.due_on or default_due) for f in bad
        )
        summary = "\n".join(f"{f.item.code} {f.note}".strip() for f in bad)
        enrollment_transition(
            enrollment=enrollment,
            name="require_remediation" if bad else "pass_inspection",
            actor=actor,
            data=TransitionInput(
                performed_on=performed_on,
                comment=summary or gettext_now("No deficiency (不適合) found."),
            ),
        )
        audit_record(
            actor=actor,
            action="inspection.finish",
            obj=locked,
            company_id=enrollment.site.company_id,
            after={"outcome": locked.outcome, "deficiencies": [f.item.code for f in bad]},
        )
        _issue_notices(locked, actor)
    return locked


# Deemed by an audit result -----------------------------------------------------------------
def audit_results_of(enrollment: Enrollment) -> Any:
    """The company's audit-result notices (監査結果通知書), the current ones first."""
    from dsg.documents.models import Document, DocumentKind

    return Document.objects.filter(
        company_id=enrollment.site.company_id, kind=DocumentKind.AUDIT_RESULT
    ).order_by("-is_current", "-uploaded_at", "-pk")


def current_audit_result(enrollment: Enrollment) -> Any:
    from dsg.documents.selectors import current_audit_result as current

    return current(enrollment)


def audit_result_choose(
    *, enrollment: Enrollment, actor: User, document_id: int | None = None
) -> Inspection:
    """Record which audit-result notice stands in for the visit at ② (the current by default)."""
    require_permission(actor=actor, action="inspection.deem_by_audit", obj=enrollment)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=[State.INSPECTION])
        documents = audit_results_of(locked)
        if document_id:
            document = documents.filter(pk=document_id).first()
        else:
            document = current_audit_result(locked) or documents.first()
        if document is None:
            raise _invalid(
                _("The company has no such audit-result notice (監査結果通知書)."),
                "document_id",
                "audit_result_missing",
            )
        rounds = Inspection.objects.filter(enrollment=locked, step=2)
        inspection = rounds.exclude(status=InspectionStatus.FINISHED).first()
        if inspection is None:
            last = rounds.aggregate(n=Max("round"))["n"] or 0
            inspection = Inspection(enrollment=locked, step=2, round=last + 1)
        inspection.status, inspection.outcome = InspectionStatus.FINISHED, Outcome.DEEMED_BY_AUDIT
        inspection.audit_document, inspection.finished_at = document, timezone.now()
        inspection.performed_on = timezone.localdate()
        inspection.save()
        audit_record(
            actor=actor,
            action="inspection.deem_by_audit",
            obj=inspection,
            company_id=locked.site.company_id,
            after={"document": document.pk, "filename": document.filename},
        )
    return inspection


def inspection_deem_by_audit(
    *, enrollment: Enrollment, actor: User, comment: str, document_id: int | None = None
) -> Inspection:
    """② is deemed done by an accepted audit result; the case goes on to the survey (③)."""
    with transaction.atomic():
        inspection = audit_result_choose(
            enrollment=enrollment, actor=actor, document_id=document_id
        )
        enrollment_transition(
            enrollment=enrollment,
            name="deem_inspection_by_audit",
            actor=actor,
            data=TransitionInput(comment=comment),
        )
    return inspection


# Remediation -------------------------------------------------------------------------------
def remediation_report_file(
    *,
    deficiency: Deficiency,
    actor: User,
    text: str,
    evidence_name: str = "",
    evidence_data: bytes = b"",
) -> RemediationReport:
    """The company reports what it did about one deficiency (改善報告), with evidence."""
    enrollment = deficiency.inspection.enrollment
    require_permission(actor=actor, action="remediation.report", obj=enrollment)
    text = text.strip()
    if not text:
        raise _invalid(_("Please describe what was done."), "text", "text_required")
    if len(text) > TEXT_MAX:
        raise _invalid(_("The text is too long (at most 4000 characters)."), "text")
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=REMEDIATION_STATES)
        fresh = Deficiency.objects.select_related("finding__item").get(pk=deficiency.pk)
        if fresh.resolved_at is not None or fresh.inspection.step != locked.step:
            raise RuleViolation(_("This deficiency is closed."), code="deficiency_closed")
        evidence = None
        if evidence_data:
            evidence = _store_document(
                actor=actor,
                enrollment=locked,
                kind="remediation_evidence",
                filename=evidence_name or "evidence",
                data=evidence_data,
            )
        report = RemediationReport.objects.create(
            deficiency=fresh, text=text, evidence=evidence, reported_by=actor
        )
        audit_record(
            actor=actor,
            action="remediation.file",
            obj=report,
            company_id=locked.site.company_id,
            after={"item": fresh.finding.item.code, "evidence": evidence.pk if evidence else None},
        )
    return report


def remediation_decide(*, inspection: Inspection, actor: User, decision: str) -> Inspection:
    """The office accepts the reported remediation or requires a re-inspection (a new round)."""
    require_permission(actor=actor, action="remediation.decide", obj=inspection.enrollment)
    if decision not in Decision.values:
        raise _invalid(_("Choose a decision."), "decision", "decision_required")
    with transaction.atomic():
        enrollment, locked = _lock(inspection)
        require_state(enrollment=enrollment, states=REPORTED_STATES)
        latest = Inspection.objects.filter(enrollment=enrollment, step=enrollment.step).last()
        if latest is None or latest.pk != locked.pk or locked.decision:
            raise RuleViolation(
                _("Only the latest round of this step can be decided."), code="not_latest_round"
            )
        now = timezone.now()
        locked.decision, locked.decided_by, locked.decided_at = decision, actor, now
        locked.save(update_fields=["decision", "decided_by", "decided_at"])
        locked.deficiencies.filter(resolved_at__isnull=True).update(resolved_at=now)
        accepted, step = decision == Decision.ACCEPTED, enrollment.step
        enrollment_transition(
            enrollment=enrollment,
            name="accept_remediation" if accepted else "require_reinspection",
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="remediation.decide",
            obj=locked,
            company_id=enrollment.site.company_id,
            after={"decision": decision},
        )
        if accepted and step == 7:
            _issue_completion(locked, actor)
    return locked


# Notices -----------------------------------------------------------------------------------
def _party(enrollment: Enrollment) -> dict[str, Any]:
    site, company = enrollment.site, enrollment.site.company
    psa = User.objects.filter(organization_id=company.pk, role=Role.PSA).order_by("pk").first()
    return {
        "company": {
            "name": company.name,
            "corporate_number": company.corporate_number or "",
            "address": getattr(company, "address", ""),
        },
        "site": {"name": site.name, "address": site.full_address},
        "case_number": enrollment.number,
        "psa": {"name": str(psa), "email": psa.email} if psa else {},
    }


def inspection_result_snapshot(inspection: Inspection) -> dict[str, Any]:
    """Everything a 現地確認結果通知書 prints, read once at issue."""
    findings = list(inspection.findings.select_related("item"))
    deficiencies = Deficiency.objects.filter(inspection=inspection).select_related("finding__item")
    version = inspection.checklist_version
    return {
        **_party(inspection.enrollment),
        "inspection": {
            "kind": inspection.step,
            "round": inspection.round,
            "performed_on": inspection.performed_on.isoformat() if inspection.performed_on else "",
            "inspector": {"name": str(inspection.inspector) if inspection.inspector else ""},
            "outcome": "passed" if inspection.outcome == Outcome.PASSED else "deficiencies",
            "checklist": f"{version.template.name} v{version.number}" if version else "",
            "items": [
                {
                    "code": f.item.code,
                    "theme": f.item.theme,
                    "text": f.item.text,
                    "result": f.result,
                    "note": f.note,
                }
                for f in findings
            ],
            "deficiencies": [
                {"item": f"{d.finding.item.code} {d.finding.item.text}", "due_date": str(d.due_on)}
                for d in deficiencies
            ],
        },
    }


def completion_snapshot(enrollment: Enrollment) -> dict[str, Any]:
    """Everything a 加入完了通知書 prints: the case, 利用開始 date and the terminals."""
    return {
        **_party(enrollment),
        "completion": {
            "started_on": timezone.localdate().isoformat(),
            "terminals": [
                {"name": t.name, "model_name": t.model_name, "serial_number": t.serial_number}
                for t in site_terminals(enrollment)
            ],
        },
    }


def _issue_notices(inspection: Inspection, actor: User) -> None:
    notice_issue(
        subject=inspection.enrollment,
        kind=NoticeKind.INSPECTION_RESULT,
        snapshot=inspection_result_snapshot(inspection),
        issued_by=actor,
    )
    if inspection.step == 7 and inspection.outcome == Outcome.PASSED:
        _issue_completion(inspection, actor)


def _issue_completion(inspection: Inspection, actor: User) -> None:
    notice_issue(
        subject=inspection.enrollment,
        kind=NoticeKind.COMPLETION,
        snapshot=completion_snapshot(inspection.enrollment),
        issued_by=actor,
    )


# Reminders ---------------------------------------------------------------------------------
def inspections_remind(*, today: dt.date | None = None) -> tuple[int, int]:
    """Queue the day-before reminders and the overdue-deficiency mails (each once)."""
    today = today or timezone.localdate()
    reminded = overdue = 0
    tomorrow = today + dt.timedelta(days=1)
    with transaction.atomic():
        due = appointments_remind(purposes=PURPOSE_OF_STEP.values(), on=tomorrow)
        rounds = Inspection.objects.select_related("enrollment__site__company").in_bulk(
            [appointment.subject_id for appointment in due]
        )
        for appointment in due:
            inspection = rounds[appointment.subject_id]
            if inspection.is_finished:
                continue
            when = f"{timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}"
            _mail(
                inspection,
                to=_psa_emails(inspection) + _office_emails(),
                kind="inspection.reminder",
                subject=_("on-site inspection tomorrow"),
                line=format_lazy(_("Reminder: the on-site inspection is on {when}."), when=when),
            )
            reminded += 1
    late = Deficiency.objects.filter(
        resolved_at__isnull=True,
        due_on__lt=today,
        reports__isnull=True,
        overdue_notified_at__isnull=True,
    ).select_related("inspection__enrollment__site__company", "finding__item")
    for deficiency in late:
        with transaction.atomic():
            _mail(
                deficiency.inspection,
                to=_psa_emails(deficiency.inspection) + _office_emails(),
                kind="inspection.overdue",
                subject=_("remediation overdue"),
                line=format_lazy(
                    _("The remediation of item {item} was due on {due} and is not reported."),
                    item=deficiency.finding.item.code,
                    due=deficiency.due_on.isoformat(),
                ),
            )
            Deficiency.objects.filter(pk=deficiency.pk).update(overdue_notified_at=timezone.now())
            overdue += 1
    return reminded, overdue
