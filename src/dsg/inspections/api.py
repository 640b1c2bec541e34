"""API of ② and ⑦: the same services as the pages, with the same rules and refusals."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from dsg.appointments.models import Appointment
from dsg.core import subjects
from dsg.core.api_enums import NOT_YET, code_labels
from dsg.core.errors import RuleViolation
from dsg.core.schemas import ERRORS, READ_ERRORS
from dsg.orgs.auth import request_user

from . import selectors, services
from .inspected import step_of
from .models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Decision,
    Deficiency,
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Outcome,
    RemediationReport,
    Result,
)
from .printing import checklist_pdf_response

router = Router(tags=["inspections"])

# The codes, from the models' choices; "" where nothing is recorded yet (no result, outcome or
# decision): as the model stores it.
InspectionKindCode = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "InspectionKindCode", {v: v for v in InspectionKind.values}, type=str
)
InspectionStatusCode = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "InspectionStatusCode", {v: v for v in InspectionStatus.values}, type=str
)
InspectionOutcome = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "InspectionOutcome", {"none": "", **{v: v for v in Outcome.values}}, type=str
)
RemediationDecision = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "RemediationDecision", {"none": "", **{v: v for v in Decision.values}}, type=str
)
RemediationDecisionIn = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "RemediationDecisionIn", {v: v for v in Decision.values}, type=str
)
FindingResult = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "FindingResult", {"none": "", **{v: v for v in Result.values}}, type=str
)
FindingResultIn = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "FindingResultIn", {v: v for v in Result.values}, type=str
)
code_labels(InspectionKindCode, InspectionKind.choices)
code_labels(InspectionStatusCode, InspectionStatus.choices)
code_labels(InspectionOutcome, [NOT_YET, *Outcome.choices])
code_labels(RemediationDecision, [NOT_YET, *Decision.choices])
code_labels(RemediationDecisionIn, Decision.choices)
code_labels(FindingResult, [NOT_YET, *Result.choices])
code_labels(FindingResultIn, Result.choices)


class SlotOut(Schema):
    """A date the office proposes (an appointment of the round)."""

    id: int
    starts_at: dt.datetime
    hours: int
    chosen: bool

    @staticmethod
    def resolve_hours(obj: Appointment) -> int:
        return round((obj.end - obj.starts_at).total_seconds() / 3600)

    @staticmethod
    def resolve_chosen(obj: Appointment) -> bool:
        return obj.state == "confirmed"


class DeficiencyOut(Schema):
    id: int
    item: str
    due_on: dt.date
    closed: bool
    overdue: bool
    reports: int

    @staticmethod
    def resolve_item(obj: Deficiency) -> str:
        return obj.finding.item.code

    @staticmethod
    def resolve_closed(obj: Deficiency) -> bool:
        return obj.resolved_at is not None

    @staticmethod
    def resolve_overdue(obj: Deficiency) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_reports(obj: Deficiency) -> int:
        return len(obj.reports.all())


class InspectionOut(Schema):
    id: int
    subject_type: str
    subject_id: int
    enrollment_id: int | None
    kind: InspectionKindCode
    step: int | None
    round: int
    status: InspectionStatusCode
    outcome: InspectionOutcome
    checklist_version_id: int | None
    scheduled_at: dt.datetime | None
    slot_request: str
    entry_notes: str
    performed_on: dt.date | None
    audit_document_id: int | None
    paper_checklist_id: int | None
    decision: RemediationDecision

    @staticmethod
    def resolve_subject_type(obj: Inspection) -> str:
        return subjects.subject_type_of(subjects.linked_subject(obj)).key

    @staticmethod
    def resolve_enrollment_id(obj: Inspection) -> int | None:
        """The case of a round of ② or ⑦ (its ``subject_id``)."""
        subject_type = subjects.subject_type_of(subjects.linked_subject(obj))
        return obj.subject_id if subject_type.key == "enrollment" else None

    @staticmethod
    def resolve_step(obj: Inspection) -> int | None:
        """The step of the subject's procedure the round is (2 or 7 for a case)."""
        return step_of(subjects.linked_subject(obj), obj.kind)


class InspectionDetailOut(InspectionOut):
    slots: list[SlotOut]
    deficiencies: list[DeficiencyOut]

    @staticmethod
    def resolve_slots(obj: Inspection) -> list[Appointment]:
        return [a for a in obj.appointments.all() if a.is_active]

    @staticmethod
    def resolve_deficiencies(obj: Inspection) -> list[Deficiency]:
        return list(obj.deficiencies.all())


class FindingOut(Schema):
    id: int
    code: str
    theme: str
    text: str
    result: FindingResult
    note: str
    no_remediation_reason: str
    due_on: dt.date | None
    open_at_inspection: bool
    photo_id: int | None

    @staticmethod
    def resolve_code(obj: Finding) -> str:
        return obj.item.code

    @staticmethod
    def resolve_theme(obj: Finding) -> str:
        return obj.item.theme

    @staticmethod
    def resolve_text(obj: Finding) -> str:
        return obj.item.text


class SlotsIn(Schema):
    starts: list[dt.datetime] = Field(..., min_length=1, max_length=10)
    hours: int = Field(3, ge=1, le=12)
    exception_reason: str = Field(
        "",
        max_length=4000,
        description="Dates go on business days, 8:00–19:00 Japan time; the office's reason for "
        "an exception (kept in the ledger).",
    )


class PickIn(Schema):
    slot_id: int
    entry_notes: str = Field("", max_length=4000)


class OtherDatesIn(Schema):
    message: str = Field(..., max_length=4000)


class FindingIn(Schema):
    finding_id: int
    result: FindingResultIn
    note: str = Field("", max_length=4000)
    due_on: dt.date | None = None
    photo_name: str = Field("", max_length=200)
    photo_base64: str = ""
    no_remediation_reason: str = Field(
        "",
        max_length=4000,
        description="Only for a 不適合 the office judges to need no remediation: why.",
    )


class FindingsIn(Schema):
    findings: list[FindingIn] = Field(..., max_length=500)


class FinishIn(Schema):
    performed_on: dt.date
    effective_on: dt.date | None = Field(
        None,
        description="Where the round decides the subject's outcome from a date the office sets "
        "(a case's 利用開始日 at ⑦): that date; by default the later of today and the start "
        "applied for.",
    )


class PaperRoundIn(Schema):
    """A round held with the paper checklist: its scan and the result of every item."""

    performed_on: dt.date
    scan_name: str = Field("", max_length=200)
    scan_base64: str = Field(
        "",
        description="The scan (PDF), base64; may be left out when one is already kept with the "
        "round (a scan given replaces it).",
    )
    findings: list[FindingIn] = Field(..., min_length=1, max_length=500)
    finish: bool = Field(
        True,
        description="Finish the round and issue its notice in the same call (the call is the "
        "confirmation); false: only keep the transcription and the scan, to finish later with "
        "``/finish``.",
    )
    effective_on: dt.date | None = None


class InspectionDecideIn(Schema):
    decision: RemediationDecisionIn
    effective_on: dt.date | None = None


class ReportIn(Schema):
    text: str = Field(..., max_length=4000)
    evidence_name: str = Field("", max_length=200)
    evidence_base64: str = ""


class ReportOut(Schema):
    id: int
    deficiency_id: int
    text: str
    evidence_id: int | None
    reported_at: dt.datetime


class DeemIn(Schema):
    comment: str = Field(..., max_length=4000)
    audit_document_id: int | None = None


class TemplateIn(Schema):
    name: str = Field(..., max_length=200)
    kind: InspectionKindCode = Field(
        InspectionKindCode(InspectionKind.SITE), description="site (② 現地確認) or final (⑦)"
    )


class TemplatePatch(Schema):
    name: str | None = Field(None, max_length=200)
    is_default: bool = False


ORDER_MAX = 2**31 - 1  # what the column holds on every database (PositiveIntegerField)


class ItemIn(Schema):
    code: str = Field(..., max_length=20)
    theme: str = Field(..., max_length=50)
    order: int = Field(0, ge=0, le=ORDER_MAX)
    text: str = Field(..., max_length=4000)
    guidance: str = Field("", max_length=4000)
    evidence: str = Field("", max_length=300)
    standard_clause: str = Field("", max_length=100)
    nist_tags: str = Field("", max_length=100)
    final_recheck: bool = False


class ItemOut(ItemIn):
    id: int


class ChecklistVersionOut(Schema):
    id: int
    number: int
    published_at: dt.datetime | None
    frozen: bool
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj: ChecklistVersion) -> list[ChecklistItem]:
        return list(obj.items.all())


class TemplateOut(Schema):
    id: int
    name: str
    kind: InspectionKindCode
    is_sample: bool
    is_default: bool


class TemplateDetailOut(TemplateOut):
    versions: list[ChecklistVersionOut]

    @staticmethod
    def resolve_versions(obj: ChecklistTemplate) -> list[ChecklistVersion]:
        return list(obj.versions.prefetch_related("items"))


def _decode(raw: str, field: str) -> bytes:
    try:
        return base64.b64decode(raw, validate=True) if raw else b""
    except (binascii.Error, ValueError) as error:
        raise RuleViolation(
            _("The file is not valid base64."), code="invalid", status=422, field=field
        ) from error


def _detail(request: HttpRequest, inspection_id: int) -> Inspection:
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    rounds = selectors.inspections_of(user=user, subject=inspection.subject)
    return next(r for r in rounds if r.pk == inspection.pk)


# Inspections ---------------------------------------------------------------------------
@router.get(
    "/enrollments/{enrollment_id}/inspections",
    response={200: list[InspectionOut], **READ_ERRORS},
)
def inspection_list(request: HttpRequest, enrollment_id: int) -> list[Inspection]:
    user = request_user(request)
    case = subjects.subject_get_for("enrollment", user=user, pk=enrollment_id)
    return selectors.inspections_of(user=user, subject=case)


@router.post(
    "/enrollments/{enrollment_id}/inspections",
    response={201: InspectionOut, **ERRORS},
)
def inspection_open(request: HttpRequest, enrollment_id: int) -> Status[Inspection]:
    user = request_user(request)
    case = subjects.subject_get_for("enrollment", user=user, pk=enrollment_id)
    return Status(201, services.inspection_open(subject=case, actor=user))


@router.post(
    "/enrollments/{enrollment_id}/deem-by-audit",
    response={200: InspectionOut, **ERRORS},
)
def inspection_deem_by_audit(
    request: HttpRequest, enrollment_id: int, payload: DeemIn
) -> Inspection:
    user = request_user(request)
    case = subjects.subject_get_for("enrollment", user=user, pk=enrollment_id)
    return services.inspection_deem_by_audit(
        subject=case,
        actor=user,
        comment=payload.comment,
        document_id=payload.audit_document_id,
    )


@router.get("/inspections/{inspection_id}", response={200: InspectionDetailOut, **READ_ERRORS})
def inspection_get(request: HttpRequest, inspection_id: int) -> Inspection:
    return _detail(request, inspection_id)


@router.get(
    "/inspections/{inspection_id}/findings", response={200: list[FindingOut], **READ_ERRORS}
)
def finding_list(request: HttpRequest, inspection_id: int) -> list[Finding]:
    inspection = selectors.inspection_get_for(user=request_user(request), pk=inspection_id)
    return selectors.findings_of(inspection)


@router.get(
    "/inspections/{inspection_id}/checklist.pdf",
    response={200: None, **READ_ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "The checklist sent to the company in advance, as PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def checklist_pdf(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = selectors.inspection_get_for(user=request_user(request), pk=inspection_id)
    return checklist_pdf_response(inspection)


@router.post("/inspections/{inspection_id}/findings", response={200: list[FindingOut], **ERRORS})
def finding_record(request: HttpRequest, inspection_id: int, payload: FindingsIn) -> list[Finding]:
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    entries = _entries(payload.findings)
    return services.inspection_record(inspection=inspection, actor=user, entries=entries)


def _entries(findings: list[FindingIn]) -> list[services.FindingInput]:
    return [
        services.FindingInput(
            finding_id=f.finding_id,
            result=f.result.value,
            note=f.note,
            due_on=f.due_on,
            photo_name=f.photo_name,
            photo_data=_decode(f.photo_base64, "photo_base64"),
            no_remediation_reason=f.no_remediation_reason,
        )
        for f in findings
    ]


@router.post("/inspections/{inspection_id}/paper", response={200: InspectionOut, **ERRORS})
def paper_round(request: HttpRequest, inspection_id: int, payload: PaperRoundIn) -> Inspection:
    """Record a round held with the paper checklist (its scan attached); it finishes the round
    and issues its notice like ``finish`` — or, with ``finish: false``, only keeps what was
    transcribed and the scan (the pages' first step)."""
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    return services.inspection_record_on_paper(
        inspection=inspection,
        actor=user,
        performed_on=payload.performed_on,
        scan_name=payload.scan_name,
        scan_data=_decode(payload.scan_base64, "scan_base64"),
        entries=_entries(payload.findings),
        finish=payload.finish,
        effective_on=payload.effective_on,
    )


@router.post("/inspections/{inspection_id}/slots", response={200: list[SlotOut], **ERRORS})
def slots_propose(request: HttpRequest, inspection_id: int, payload: SlotsIn) -> list[Appointment]:
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    return services.inspection_propose_slots(
        inspection=inspection,
        actor=user,
        starts=payload.starts,
        hours=payload.hours,
        exception_reason=payload.exception_reason,
    )


@router.post("/inspections/{inspection_id}/pick", response={200: InspectionOut, **ERRORS})
def slot_pick(request: HttpRequest, inspection_id: int, payload: PickIn) -> Inspection:
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    return services.inspection_pick_slot(
        inspection=inspection,
        actor=user,
        slot_id=payload.slot_id,
        entry_notes=payload.entry_notes,
    )


@router.post("/inspections/{inspection_id}/other-dates", response={200: InspectionOut, **ERRORS})
def other_dates(request: HttpRequest, inspection_id: int, payload: OtherDatesIn) -> Inspection:
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    return services.inspection_ask_other_slots(
        inspection=inspection, actor=user, message=payload.message
    )


@router.post("/inspections/{inspection_id}/finish", response={200: InspectionOut, **ERRORS})
def finish(request: HttpRequest, inspection_id: int, payload: FinishIn) -> Inspection:
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    return services.inspection_finish(
        inspection=inspection,
        actor=user,
        performed_on=payload.performed_on,
        effective_on=payload.effective_on,
    )


@router.post("/inspections/{inspection_id}/decide", response={200: InspectionOut, **ERRORS})
def decide(request: HttpRequest, inspection_id: int, payload: InspectionDecideIn) -> Inspection:
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    return services.remediation_decide(
        inspection=inspection,
        actor=user,
        decision=payload.decision.value,
        effective_on=payload.effective_on,
    )


@router.post("/deficiencies/{deficiency_id}/reports", response={201: ReportOut, **ERRORS})
def deficiency_report(
    request: HttpRequest, deficiency_id: int, payload: ReportIn
) -> Status[RemediationReport]:
    user = request_user(request)
    deficiency = selectors.deficiency_get_for(user=user, pk=deficiency_id)
    report = services.remediation_report_file(
        deficiency=deficiency,
        actor=user,
        text=payload.text,
        evidence_name=payload.evidence_name,
        evidence_data=_decode(payload.evidence_base64, "evidence_base64"),
    )
    return Status(201, report)


# Checklists (office) -----------------------------------------------------------------------
@router.get("/checklists", response={200: list[TemplateOut], **READ_ERRORS})
def template_list(request: HttpRequest) -> list[ChecklistTemplate]:
    return list(selectors.checklist_template_list_for(user=request_user(request)))


@router.post("/checklists", response={201: TemplateOut, **ERRORS})
def template_create(request: HttpRequest, payload: TemplateIn) -> Status[ChecklistTemplate]:
    return Status(
        201,
        services.checklist_template_create(
            actor=request_user(request), name=payload.name, kind=payload.kind.value
        ),
    )


@router.get("/checklists/{template_id}", response={200: TemplateDetailOut, **READ_ERRORS})
def template_get(request: HttpRequest, template_id: int) -> ChecklistTemplate:
    return selectors.checklist_template_get_for(user=request_user(request), pk=template_id)


@router.patch("/checklists/{template_id}", response={200: TemplateOut, **ERRORS})
def template_update(
    request: HttpRequest, template_id: int, payload: TemplatePatch
) -> ChecklistTemplate:
    user = request_user(request)
    template = selectors.checklist_template_get_for(user=user, pk=template_id)
    return services.checklist_template_update(
        actor=user,
        template=template,
        name=payload.name,
        is_default=payload.is_default,
    )


@router.post("/checklists/{template_id}/items", response={200: ItemOut, **ERRORS})
def item_save(request: HttpRequest, template_id: int, payload: ItemIn) -> ChecklistItem:
    """Add an item, or replace the item with the same ID, in the editable version."""
    user = request_user(request)
    template = selectors.checklist_template_get_for(user=user, pk=template_id)
    latest = template.latest_version()
    exists = latest is not None and latest.items.filter(code=payload.code).exists()
    return services.checklist_item_save(
        actor=user,
        template=template,
        data=payload.dict(),
        code=payload.code if exists else None,
    )


class ItemCodeIn(Schema):
    code: str = Field(..., max_length=20)


@router.post("/checklists/{template_id}/items/delete", response={204: None, **ERRORS})
def item_delete(request: HttpRequest, template_id: int, payload: ItemCodeIn) -> Status[None]:
    user = request_user(request)
    template = selectors.checklist_template_get_for(user=user, pk=template_id)
    services.checklist_item_delete(actor=user, template=template, code=payload.code)
    return Status(204, None)


@router.post("/checklists/{template_id}/publish", response={200: ChecklistVersionOut, **ERRORS})
def publish(request: HttpRequest, template_id: int) -> ChecklistVersion:
    user = request_user(request)
    template = selectors.checklist_template_get_for(user=user, pk=template_id)
    return services.checklist_version_publish(actor=user, template=template)
