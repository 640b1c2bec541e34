"""A round of an inspection: opened by the office, dated with the company, recorded on a tablet,
finished with the outcome its findings give — which the subject is told of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import Appointment, AppointmentState
from dsg.appointments.services import (
    appointment_close_for,
    appointment_confirm,
    appointments_decline,
    appointments_open,
    appointments_propose,
    appointments_withdraw,
)
from dsg.audit.services import audit_record
from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.documents.services import document_store
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..inspected import INSPECTING, inspected
from ..models import (
    ChecklistItem,
    ChecklistVersion,
    Deficiency,
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Outcome,
    Result,
)
from ..selectors import rounds_of
from .checklists import checklist_version_current
from .common import (
    DEFAULT_DUE_DAYS,
    MAX_SLOTS,
    PURPOSE_OF_KIND,
    TEXT_MAX,
    company_psa_emails,
    invalid,
    lock,
    mail,
    office_emails,
    require_not_finished,
    require_stage,
    subject_lock,
)
from .notices import result_notice_issue


# Opening a round ---------------------------------------------------------------------------
def inspection_open(*, subject: Any, actor: User) -> Inspection:
    """The office opens the round its subject awaits now (or gets the one already open)."""
    require_permission(actor=actor, action="inspection.schedule", obj=subject)
    with transaction.atomic():
        locked = subject_lock(subject)
        kind = require_stage(locked, INSPECTING)
        rounds = rounds_of(locked, kind)
        current = rounds.exclude(status=InspectionStatus.FINISHED).first()
        if current is not None:
            return current
        previous = rounds.order_by("-round").first()
        version = (
            previous.checklist_version
            if previous and previous.checklist_version
            else checklist_version_current(kind)
        )
        inspection = Inspection.objects.create(
            company=subjects.subject_type_of(locked).company(locked),
            subject_type=ContentType.objects.get_for_model(locked),
            subject_id=locked.pk,
            kind=kind,
            round=(previous.round + 1) if previous else 1,
            checklist_version=version,
        )
        _add_findings(inspection, version, previous, locked)
        if not version.frozen:
            ChecklistVersion.objects.filter(pk=version.pk).update(frozen=True)
        audit_record(
            actor=actor,
            action="inspection.open",
            obj=inspection,
            company_id=inspection.company_id,
            after={"kind": kind, "round": inspection.round, "checklist": version.pk},
        )
    return inspection


def _add_findings(
    inspection: Inspection, version: ChecklistVersion, previous: Inspection | None, subject: Any
) -> None:
    """A first round checks every item of ``version`` (a final one also what the 現地確認 asks to
    check again and what it left 未確認); a re-inspection re-checks what the previous round
    found in need of remediation or could not check."""
    if previous is not None and previous.outcome == Outcome.REMEDIATION:
        redo = [
            f
            for f in previous.findings.select_related("item")
            if f.needs_remediation or f.result == Result.UNCHECKED
        ]
        items = [(f.item, f.open_at_inspection) for f in redo]
    else:
        items = [(item, False) for item in version.items.all()]
        if inspection.is_final:
            items = _with_site_items(subject, items)
    Finding.objects.bulk_create(
        Finding(inspection=inspection, item=item, order=n, open_at_inspection=carried)
        for n, (item, carried) in enumerate(items, 1)
    )


def _with_site_items(
    subject: Any, items: list[tuple[ChecklistItem, bool]]
) -> list[tuple[ChecklistItem, bool]]:
    """The final round's items: its own checklist's, then the 現地確認 checklist's items marked
    to be checked again at the final inspection (``final_recheck``), then whatever else the
    現地確認 left 未確認 (flagged ``open_at_inspection``, as are marked items it left 未確認)."""
    site_rounds = rounds_of(subject, InspectionKind.SITE)
    held = site_rounds.filter(checklist_version__isnull=False).order_by("-round").first()
    site_version = held.checklist_version if held else _current_or_none(InspectionKind.SITE)
    latest: dict[str, Finding] = {}
    earlier = Finding.objects.filter(
        inspection__in=site_rounds.values("pk"), result__gt=""
    ).select_related("item")
    for finding in earlier.order_by("inspection__round", "pk"):
        latest[finding.item.code] = finding
    left_open = {code: f.item for code, f in latest.items() if f.result == Result.UNCHECKED}
    recheck = list(site_version.items.filter(final_recheck=True)) if site_version else []
    chosen = [(item, item.code in left_open) for item, _carried in items]
    present = {item.code for item, _carried in chosen}
    for item in [*recheck, *left_open.values()]:
        if item.code not in present:
            chosen.append((item, item.code in left_open))
            present.add(item.code)
    return chosen


def _current_or_none(kind: str) -> ChecklistVersion | None:
    try:
        return checklist_version_current(kind)
    except RuleViolation:
        return None


# The round's date -----------------------------------------------------------------------------
def inspection_propose_slots(
    *,
    inspection: Inspection,
    actor: User,
    starts: list[dt.datetime],
    hours: int = 3,
    exception_reason: str = "",
) -> list[Appointment]:
    """The office offers dates; earlier offers (and a date taken before) are withdrawn. A date
    is on a business day between 8:00 and 19:00 Japan time unless the office gives the reason
    for an exception (kept in the ledger)."""
    require_permission(actor=actor, action="inspection.schedule", obj=inspection)
    starts = sorted(set(starts))
    if not starts or len(starts) > MAX_SLOTS:
        raise invalid(_("Propose between one and ten dates."), "starts", "slots_required")
    if any(start <= timezone.now() for start in starts):
        raise invalid(_("Proposed dates must be in the future."), "starts", "slot_in_past")
    if not 1 <= hours <= 12:
        raise invalid(_("The duration must be between 1 and 12 hours."), "hours")
    with transaction.atomic():
        subject, locked = lock(inspection)
        require_not_finished(locked)
        purpose = PURPOSE_OF_KIND[locked.kind]
        appointments_withdraw(subject=locked, purpose=purpose, actor=actor)
        slots = appointments_propose(
            company=locked.company,
            subject=locked,
            purpose=purpose,
            times=[(start, start + dt.timedelta(hours=hours)) for start in starts],
            actor=actor,
            place=subjects.subject_type_of(subject).place(subject),
            exception_reason=exception_reason,
        )
        audit_record(
            actor=actor,
            action="inspection.propose_slots",
            obj=locked,
            company_id=locked.company_id,
            after={"slots": [s.isoformat() for s in starts], "hours": hours},
        )
        mail(
            locked,
            to=company_psa_emails(locked),
            kind="inspection.slots",
            subject=_("proposed dates for the on-site inspection"),
            line=_("The office proposes dates for the on-site inspection."),
        )
    return slots


def inspection_pick_slot(
    *, inspection: Inspection, actor: User, slot_id: int, entry_notes: str = ""
) -> Inspection:
    """The company takes one of the offered dates and tells how to enter the premises."""
    require_permission(actor=actor, action="inspection.pick_slot", obj=inspection)
    if len(entry_notes) > TEXT_MAX:
        raise invalid(_("The text is too long (at most 4000 characters)."), "entry_notes")
    with transaction.atomic():
        _subject, locked = lock(inspection)
        slot = (
            appointments_open(locked, PURPOSE_OF_KIND[locked.kind])
            .filter(pk=slot_id, state=AppointmentState.PROPOSED)
            .first()
        )
        if slot is None:
            raise invalid(_("Choose one of the offered dates."), "slot_id", "unknown_slot")
        require_not_finished(locked)
        slot = appointment_confirm(appointment=slot, actor=actor)
        if entry_notes.strip():
            locked.entry_notes = entry_notes.strip()
            locked.save(update_fields=["entry_notes"])
        audit_record(
            actor=actor,
            action="inspection.pick_slot",
            obj=locked,
            company_id=locked.company_id,
            after={"scheduled_at": slot.starts_at.isoformat()},
        )
        mail(
            locked,
            to=office_emails(),
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
    require_permission(actor=actor, action="inspection.pick_slot", obj=inspection)
    message = message.strip()
    if not message:
        raise invalid(_("Please say which dates would suit you."), "message", "message_required")
    if len(message) > TEXT_MAX:
        raise invalid(_("The text is too long (at most 4000 characters)."), "message")
    with transaction.atomic():
        _subject, locked = lock(inspection)
        require_not_finished(locked)
        offered = list(appointments_open(locked, PURPOSE_OF_KIND[locked.kind]))
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
            company_id=locked.company_id,
            after={"message": message},
        )
        mail(
            locked,
            to=office_emails(),
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
    no_remediation_reason: str = ""


def inspection_record(
    *, inspection: Inspection, actor: User, entries: list[FindingInput]
) -> list[Finding]:
    """The inspector records results (any number of items at a time, e.g. one theme)."""
    require_permission(actor=actor, action="inspection.record", obj=inspection)
    with transaction.atomic():
        subject, locked = lock(inspection)
        require_not_finished(locked)
        require_stage(subject, INSPECTING, locked.kind)
        if locked.paper_checklist_id is not None:
            require_own_round(locked, actor)
        findings = {f.pk: f for f in locked.findings.select_related("item")}
        changed = []
        for entry in entries:
            finding = findings.get(entry.finding_id)
            if finding is None:
                raise invalid(_("Unknown checklist item."), "finding_id", "unknown_finding")
            changed.append(_apply(finding, entry, actor, subject))
        if locked.status == InspectionStatus.SCHEDULED:
            locked.status = InspectionStatus.IN_PROGRESS
            locked.inspector = actor
            locked.save(update_fields=["status", "inspector"])
        audit_record(
            actor=actor,
            action="inspection.record",
            obj=locked,
            company_id=locked.company_id,
            after={"findings": {f.item.code: f.result for f in changed}},
        )
    return changed


def finding_input_check(entry: FindingInput) -> None:
    """One item's entry as the inspector typed it (result, note, due date, reason): the same
    checks for the tablet page (each error beside its item's field), the API and the service."""
    if entry.result not in Result.values:
        raise invalid(_("Choose a result for every item you record."), "result", "result_required")
    if len(entry.note) > TEXT_MAX:
        raise invalid(_("The text is too long (at most 4000 characters)."), "note")
    if entry.due_on is not None and entry.due_on < timezone.localdate():
        raise invalid(_("The due date cannot be in the past."), "due_on", "due_in_past")
    reason = entry.no_remediation_reason.strip()
    if reason and entry.result != Result.NONCONFORMING:
        raise invalid(
            _("Only a 不適合 can be judged to need no remediation."),
            "no_remediation_reason",
            "reason_without_nonconformity",
        )
    if len(reason) > TEXT_MAX:
        raise invalid(_("The text is too long (at most 4000 characters)."), "no_remediation_reason")


def _apply(finding: Finding, entry: FindingInput, actor: User, subject: Any) -> Finding:
    finding_input_check(entry)
    reason = entry.no_remediation_reason.strip()
    finding.result, finding.note = entry.result, entry.note.strip()
    finding.no_remediation_reason = reason
    needs = entry.result == Result.NONCONFORMING and not reason
    finding.due_on = entry.due_on if needs else None
    if entry.photo_data:
        finding.photo = store_document(
            actor=actor,
            subject=subject,
            kind="inspection_photo",
            filename=entry.photo_name or f"{finding.item.code}.jpg",
            data=entry.photo_data,
        )
    finding.recorded_by, finding.recorded_at = actor, timezone.now()
    finding.save()
    return finding


def store_document(*, actor: User, subject: Any, kind: str, filename: str, data: bytes) -> Any:
    """A photo or evidence, stored in the company's folder with the inspected subject."""
    return document_store(
        actor=actor,
        company=subjects.subject_type_of(subject).company(subject),
        subject=subject,
        kind=kind,
        filename=filename,
        data=data,
    )


def inspection_finish(
    *,
    inspection: Inspection,
    actor: User,
    performed_on: dt.date,
    effective_on: dt.date | None = None,
) -> Inspection:
    """Close the round: its findings give the outcome (a 不適合 the office judged to need no
    remediation does not hold it back); the result notice is issued — unless a passed round
    with nothing to report is one the subject answers with its own notice — and the subject
    moves on with the outcome (``InspectedSubject.outcome``), from ``effective_on`` where the
    subject takes a date. A round kept from paper is finished by the inspector who kept it."""
    require_permission(actor=actor, action="inspection.record", obj=inspection)
    with transaction.atomic():
        subject, locked = lock(inspection)
        require_not_finished(locked)
        require_stage(subject, INSPECTING, locked.kind)
        if locked.paper_checklist_id is not None:
            require_own_round(locked, actor)
        _close_round(locked, actor, performed_on)
        _tell_the_outcome(subject, locked, actor, effective_on)
    return locked


def _close_round(inspection: Inspection, actor: User, performed_on: dt.date) -> None:
    """The round is closed with the outcome its findings give; each 不適合 in need of
    remediation becomes a deficiency."""
    if performed_on > timezone.localdate():
        raise invalid(_("The date cannot be in the future."), "performed_on", "date_in_future")
    findings = list(inspection.findings.select_related("item"))
    open_items = [f.item.code for f in findings if not f.result]
    if open_items:
        raise RuleViolation(
            _("Record every item before finishing; still open: {items}.").format(
                items=", ".join(open_items)
            ),
            code="findings_open",
        )
    bad = [f for f in findings if f.needs_remediation]
    appointment_close_for(
        subject=inspection,
        purpose=PURPOSE_OF_KIND[inspection.kind],
        performed_on=performed_on,
        actor=actor,
    )
    inspection.status, inspection.performed_on = InspectionStatus.FINISHED, performed_on
    inspection.outcome = Outcome.REMEDIATION if bad else Outcome.PASSED
    inspection.inspector, inspection.finished_at = inspection.inspector or actor, timezone.now()
    inspection.save(update_fields=["status", "performed_on", "outcome", "inspector", "finished_at"])
    default_due = timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS)
    Deficiency.objects.bulk_create(
        Deficiency(finding=f, inspection=inspection, due_on=f.due_on or default_due) for f in bad
    )
    audit_record(
        actor=actor,
        action="inspection.finish",
        obj=inspection,
        company_id=inspection.company_id,
        after={
            "outcome": inspection.outcome,
            "performed_on": performed_on.isoformat(),
            "deficiencies": [f.item.code for f in bad],
            "no_remediation": {
                f.item.code: f.no_remediation_reason for f in findings if f.no_remediation_reason
            },
            "paper_checklist": inspection.paper_checklist_id,
        },
    )


def _tell_the_outcome(
    subject: Any, inspection: Inspection, actor: User, effective_on: dt.date | None
) -> None:
    """Issue the round's result notice (where due) and move the subject with the outcome."""
    registered = inspected(subject)
    nonconforming = list(
        inspection.findings.filter(result=Result.NONCONFORMING).select_related("item")
    )
    answered_by_subject = (
        inspection.outcome == Outcome.PASSED
        and not nonconforming
        and inspection.kind in registered.own_notice_on_pass
    )
    if not answered_by_subject:
        result_notice_issue(inspection, actor)
    summary = "\n".join(
        f"{f.item.code} {f.note}".strip() for f in nonconforming if f.needs_remediation
    )
    registered.outcome(
        inspection,
        actor,
        comment=summary or gettext("No deficiency (不適合) requiring remediation."),
        effective_on=effective_on,
    )


def inspection_record_on_paper(
    *,
    inspection: Inspection,
    actor: User,
    performed_on: dt.date,
    entries: list[FindingInput],
    scan_name: str = "",
    scan_data: bytes = b"",
    finish: bool = False,
    effective_on: dt.date | None = None,
) -> Inspection:
    """A round held with the paper checklist, first step: the result of every item as written on
    the paper, the day of the visit and the scan are kept with the round — it is not finished,
    nothing is issued, nobody is told. Kept again, a corrected entry or scan replaces the kept
    one (a scan already kept stays when none is given; the ledger names the one replaced). The
    round is then finished as any other (``inspection_finish``, through its confirmation page);
    ``finish`` does both at once (the API's call, which is its confirmation)."""
    require_permission(actor=actor, action="inspection.record", obj=inspection)
    if performed_on > timezone.localdate():
        raise invalid(_("The date cannot be in the future."), "performed_on", "date_in_future")
    with transaction.atomic():
        subject, locked = lock(inspection)
        require_not_finished(locked)
        require_stage(subject, INSPECTING, locked.kind)
        require_own_round(locked, actor)
        if not scan_data and locked.paper_checklist_id is None:
            raise invalid(
                _("Attach the scan of the checklist filled in on paper."), "scan", "scan_required"
            )
        findings = _transcribed(locked, entries)
        for entry in entries:
            _apply(findings[entry.finding_id], entry, actor, subject)
        replaced = _keep_scan(locked, actor, scan_name, scan_data)
        locked.performed_on, locked.inspector = performed_on, actor
        locked.status = InspectionStatus.IN_PROGRESS
        locked.save(update_fields=["paper_checklist", "performed_on", "inspector", "status"])
        audit_record(
            actor=actor,
            action="inspection.record_on_paper",
            obj=locked,
            company_id=locked.company_id,
            after={
                "findings": {f.item.code: f.result for f in findings.values()},
                "performed_on": performed_on.isoformat(),
                "scan": locked.paper_checklist_id,
                "replaced_scan": replaced,
            },
        )
        if finish:
            _close_round(locked, actor, performed_on)
            _tell_the_outcome(subject, locked, actor, effective_on)
    return locked


def require_own_round(inspection: Inspection, actor: User) -> None:
    """A round held on paper is the transcribing inspector's: another inspector neither changes
    what was entered (on paper or on the tablet) nor finishes what was kept from paper."""
    if inspection.inspector_id not in (None, actor.pk):
        raise RuleViolation(
            _(
                "This round is recorded by another inspector ({name}): only they can change "
                "what was entered or finish it."
            ).format(name=inspection.inspector),
            code="other_inspector",
        )


def _transcribed(inspection: Inspection, entries: list[FindingInput]) -> dict[int, Finding]:
    """The round's findings by id, once every item has its transcribed result."""
    findings = {f.pk: f for f in inspection.findings.select_related("item")}
    given = {entry.finding_id for entry in entries}
    if given - set(findings):
        raise invalid(_("Unknown checklist item."), "finding_id", "unknown_finding")
    missing = [f.item.code for pk, f in findings.items() if pk not in given]
    if missing:
        raise invalid(
            _(
                "Transcribe the result of every item of the paper checklist; missing: {items}."
            ).format(items=", ".join(missing)),
            "result",
            "findings_open",
        )
    return findings


def _keep_scan(inspection: Inspection, actor: User, name: str, data: bytes) -> int | None:
    """The scan given (if any) stored with the round in the company's folder, in place of the
    one kept before; the id of the one it replaced."""
    if not data:
        return None
    replaced = inspection.paper_checklist_id
    inspection.paper_checklist = store_document(
        actor=actor,
        subject=inspection,
        kind="inspection_checklist",
        filename=name or f"checklist-{inspection.round}.pdf",
        data=data,
    )
    return replaced
