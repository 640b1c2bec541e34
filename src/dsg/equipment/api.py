"""The REST API of the §5 requests (利用端末・ソフトウェア・可搬記憶媒体の申請) and the helpdesk
requests for whitelisted software: every action the pages offer.

A refused line answers 422 with ``line`` (1-based, as filed) and ``field`` besides ``detail`` and
``code``; nothing is filed or decided then.
"""

# No "from __future__ import annotations" here: ninja builds the query parameters' model from the
# signature at import time, and a dynamic Enum named only as a string would not resolve.

import datetime as dt
import enum
from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from dsg.core.api_enums import code_labels
from dsg.core.pagination import KeysetPagination, LimitOffsetPagination
from dsg.core.schemas import ERRORS, READ_ERRORS, Error, list_of, row_schema
from dsg.documents.api import DocumentOut, subject_upload_store
from dsg.documents.models import Document
from dsg.documents.selectors import documents_for
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.selectors import site_get_for
from dsg.registry.models import MediumKind

from . import selectors, services
from .checks import TEXT_MAX
from .display import decorate, rule_meaning
from .models import (
    Channel,
    EquipmentRequest,
    HelpdeskRequest,
    HelpdeskState,
    InfoRequest,
    LineAction,
    LineDecision,
    MediumLine,
    Outcome,
    RequestKind,
    RequestState,
    SoftwareLine,
    TerminalLine,
)

router = Router(tags=["equipment requests"])


# The members come from the models' choices (one source for the OpenAPI enums).
RequestKindCode = enum.Enum(  # type: ignore[misc]
    "RequestKindCode", {v: v for v in RequestKind.values}, type=str
)
RequestStateCode = enum.Enum(  # type: ignore[misc]
    "RequestStateCode", {v: v for v in RequestState.values}, type=str
)
OutcomeCode = enum.Enum("OutcomeCode", {v: v for v in Outcome.values}, type=str)  # type: ignore[misc]
ChannelCode = enum.Enum("ChannelCode", {v: v for v in Channel.values}, type=str)  # type: ignore[misc]
LineActionCode = enum.Enum(  # type: ignore[misc]
    "LineActionCode", {v: v for v in LineAction.values}, type=str
)
LineDecisionCode = enum.Enum(  # type: ignore[misc]
    "LineDecisionCode", {v: v for v in LineDecision.values}, type=str
)
MediumKindCode = enum.Enum(  # type: ignore[misc]
    "MediumKindCode", {v: v for v in MediumKind.values}, type=str
)
HelpdeskStateCode = enum.Enum(  # type: ignore[misc]
    "HelpdeskStateCode", {v: v for v in HelpdeskState.values}, type=str
)
for _codes, _choices in (
    (RequestKindCode, RequestKind),
    (RequestStateCode, RequestState),
    (OutcomeCode, Outcome),
    (ChannelCode, Channel),
    (LineActionCode, LineAction),
    (LineDecisionCode, LineDecision),
    (MediumKindCode, MediumKind),
    (HelpdeskStateCode, HelpdeskState),
):
    code_labels(_codes, _choices.choices)  # their Japanese and English labels in the document


# An id past what the databases' integers hold is refused (422), not a 500 (SQLite overflows).
ID_MAX = 2**63 - 1


class LineRefusal(Error):
    """A refusal; for a refused line also the line (1-based) it names."""

    line: int | None = None


LINE_ERRORS = {**ERRORS, 422: LineRefusal}


# Output ------------------------------------------------------------------------------------------
class TerminalRef(Schema):
    id: int
    ref: str
    name: str


class LineOut(Schema):
    """One line and its decision. Which fields are set depends on the request's kind: a
    terminal (action, name, model_name, serial_number, terminal), software (name, vendor,
    version, hashes, signer, preinstalled, online, methods, terminals) or a medium (action, kind,
    IDs, serial_number, capacity_gb, custodian, usbguard_hash, terminals, medium)."""

    line: int
    decision: LineDecisionCode
    decision_label: str
    rule_code: str = Field(..., description="the rule that decided the line, if one did")
    rule: str = Field(..., description="what the rule code means")
    reason: str
    decided_at: dt.datetime | None
    action: LineActionCode | None = None
    name: str | None = None
    model_name: str | None = None
    serial_number: str | None = None
    terminal: TerminalRef | None = None
    vendor: str | None = None
    version: str | None = None
    sha256: str | None = None
    authenticode_sha256: str | None = None
    signer: str | None = None
    preinstalled: bool | None = None
    installs_online: bool | None = None
    updates_online: bool | None = None
    install_method: str | None = None
    update_method: str | None = None
    terminals: list[TerminalRef] | None = None
    kind: MediumKindCode | None = None
    vendor_id: str | None = None
    product_id: str | None = None
    capacity_gb: str | None = None
    custodian: str | None = None
    usbguard_hash: str | None = None
    medium_id: int | None = None
    medium_ref: str | None = None
    not_unique: list[str] = Field(
        default_factory=list,
        description="the office's reviewer only: why a medium is not a unique device",
    )


def _terminal(terminal: Any) -> dict[str, Any] | None:
    if terminal is None:
        return None
    return {"id": terminal.pk, "ref": terminal.ref, "name": terminal.name}


def _line_out(line: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "line": line.position,
        "decision": line.decision,
        "decision_label": str(line.get_decision_display()),
        "rule_code": line.rule_code,
        "rule": rule_meaning(line.rule_code) if line.rule_code else "",
        "reason": line.reason,
        "decided_at": line.decided_at,
        "not_unique": getattr(line, "not_unique", []),
    }
    if isinstance(line, TerminalLine):
        out.update(
            action=line.action,
            name=line.name,
            model_name=line.model_name,
            serial_number=line.serial_number,
            terminal=_terminal(line.terminal),
        )
        return out
    out["terminals"] = [_terminal(t) for t in line.terminals.all()]
    if isinstance(line, SoftwareLine):
        out.update(
            {
                name: getattr(line, name)
                for name in (
                    "name",
                    "vendor",
                    "version",
                    "sha256",
                    "authenticode_sha256",
                    "signer",
                    "preinstalled",
                    "installs_online",
                    "updates_online",
                    "install_method",
                    "update_method",
                )
            }
        )
        return out
    assert isinstance(line, MediumLine)
    out.update(
        action=line.action,
        kind=line.kind or None,
        vendor_id=line.vendor_id,
        product_id=line.product_id,
        serial_number=line.serial_number,
        capacity_gb=str(line.capacity_gb) if line.capacity_gb is not None else None,
        custodian=line.custodian,
        usbguard_hash=line.usbguard_hash,
        medium_id=line.medium_id,
        medium_ref=line.medium.ref if line.medium else None,
    )
    return out


class InfoRequestOut(Schema):
    """A 追加資料依頼 and its answer."""

    id: int
    message: str
    due_on: dt.date | None
    asked_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class EquipmentRequestOut(Schema):
    id: int
    receipt_number: str
    site_id: int
    company_id: int
    kind: RequestKindCode
    kind_label: str
    state: RequestStateCode
    state_label: str
    outcome: OutcomeCode | None
    channel: ChannelCode
    purpose: str
    filed_at: dt.datetime
    filed_by: str
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    comment: str

    @staticmethod
    def resolve_company_id(obj: EquipmentRequest) -> int:
        return obj.site.company_id

    @staticmethod
    def resolve_kind_label(obj: EquipmentRequest) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_state_label(obj: EquipmentRequest) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_outcome(obj: EquipmentRequest) -> str | None:
        return obj.outcome or None

    @staticmethod
    def resolve_filed_by(obj: EquipmentRequest) -> str:
        return str(obj.filed_by)


_KIND_LABELS = dict(RequestKind.choices)
_STATE_LABELS = dict(RequestState.choices)


def _request_row(row: dict[str, Any]) -> dict[str, Any]:
    """The labels, the outcome (null before the decision) and who filed it (their name, or
    their address), as the model says them."""
    if "kind_label" in row:
        return row
    return {
        **row,
        "kind_label": str(_KIND_LABELS.get(row["kind"], row["kind"])),
        "state_label": str(_STATE_LABELS.get(row["state"], row["state"])),
        "outcome": row["outcome"] or None,
        "filed_by": row["filed_by_name"] or row["filed_by_email"],
    }


EquipmentRequestRow = row_schema(
    EquipmentRequestOut,
    name="EquipmentRequestRow",
    doc="""A request of the list: ``EquipmentRequestOut`` built from its row (``.values()``), not
    a model instance through per-row resolvers (issue #14, docs/performance.md).""",
    module=__name__,
    derive=_request_row,
)


_REQUEST_COLUMNS = (
    "id",
    "receipt_number",
    "site_id",
    "kind",
    "state",
    "outcome",
    "channel",
    "purpose",
    "filed_at",
    "accepted_at",
    "decided_at",
    "withdrawn_at",
    "withdraw_reason",
    "comment",
)
_REQUEST_JOINED = {
    "company_id": F("site__company_id"),
    "filed_by_name": F("filed_by__full_name"),
    "filed_by_email": F("filed_by__email"),
}


class EquipmentRequestDetailOut(EquipmentRequestOut):
    lines: list[LineOut]
    info_requests: list[InfoRequestOut]

    @staticmethod
    def resolve_lines(obj: EquipmentRequest, context: dict[str, Any]) -> list[dict[str, Any]]:
        user = request_user(context["request"])
        reviewing = permissions.may(user, "equipment_request.review", obj) and obj.state in (
            RequestState.FILED,
            RequestState.UNDER_REVIEW,
        )
        lines = decorate(selectors.lines_of(user, obj), office=reviewing)
        return [_line_out(line) for line in lines]

    @staticmethod
    def resolve_info_requests(obj: EquipmentRequest, context: dict[str, Any]) -> list[Any]:
        return selectors.info_requests_of(request_user(context["request"]), obj)


class HelpdeskOut(Schema):
    id: int
    number: str
    site_id: int
    company_id: int
    software_name: str
    software_version: str
    catalogue_entry_id: int
    terminals: list[TerminalRef]
    message: str
    state: HelpdeskStateCode
    state_label: str
    filed_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None

    @staticmethod
    def resolve_company_id(obj: HelpdeskRequest) -> int:
        return obj.site.company_id

    @staticmethod
    def resolve_terminals(obj: HelpdeskRequest) -> list[dict[str, Any] | None]:
        return [_terminal(t) for t in obj.terminals.all()]

    @staticmethod
    def resolve_state_label(obj: HelpdeskRequest) -> str:
        return str(obj.get_state_display())


class FilingOut(Schema):
    """What filing gave: the request (null when every line was whitelisted software) and the
    helpdesk requests opened instead of whitelisted lines."""

    request: EquipmentRequestDetailOut | None
    helpdesk: list[HelpdeskOut]


# Input -------------------------------------------------------------------------------------------
TerminalKey = int | str


class LineIn(Schema):
    """One line as the request form's row gives it; a terminal or medium is named by its id, its
    reference (T-000001, M-000001) or, for a terminal, its name.

    terminal: action; to register name, model_name, serial_number; to remove terminal.
    software: name, vendor, version, sha256, authenticode_sha256, signer, preinstalled,
    installs_online, updates_online, install_method, update_method, terminals.
    medium: action; to register kind, vendor_id, product_id, serial_number, capacity_gb,
    custodian, usbguard_hash, terminals; to remove medium.
    """

    action: LineActionCode | None = None
    name: str | None = Field(None, max_length=200)
    model_name: str | None = Field(None, max_length=100)
    serial_number: str | None = Field(None, max_length=126)
    terminal: TerminalKey | None = None
    vendor: str | None = Field(None, max_length=200)
    version: str | None = Field(None, max_length=100)
    sha256: str | None = Field(None, max_length=64)
    authenticode_sha256: str | None = Field(None, max_length=64)
    signer: str | None = Field(None, max_length=200)
    preinstalled: bool | None = None
    installs_online: bool | None = None
    updates_online: bool | None = None
    install_method: str | None = Field(None, max_length=TEXT_MAX)
    update_method: str | None = Field(None, max_length=TEXT_MAX)
    terminals: list[TerminalKey] | None = Field(None, max_length=services.LINES_MAX)
    kind: MediumKindCode | None = None
    vendor_id: str | None = Field(None, max_length=6)
    product_id: str | None = Field(None, max_length=6)
    capacity_gb: float | str | None = Field(None, description="in GB")
    custodian: str | None = Field(None, max_length=100)
    usbguard_hash: str | None = Field(None, max_length=44)
    medium: TerminalKey | None = None


class FileIn(Schema):
    kind: RequestKindCode
    purpose: str = Field(..., max_length=services.PURPOSE_MAX)
    lines: list[LineIn] = Field(..., max_length=services.LINES_MAX)


class EquipmentAskIn(Schema):
    message: str = Field(..., max_length=services.PURPOSE_MAX)
    due_on: dt.date | None = None


class EquipmentAnswerIn(Schema):
    answer: str = Field(..., max_length=services.PURPOSE_MAX)


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=services.PURPOSE_MAX)


class VerdictIn(Schema):
    line: int = Field(..., ge=1, description="the line's number, as filed")
    approve: bool
    reason: str = Field("", max_length=services.PURPOSE_MAX, description="required to refuse")
    not_unique_ok: bool = Field(
        False, description="approve a medium knowing it is not a unique device"
    )


class EquipmentDecideIn(Schema):
    verdicts: list[VerdictIn] = Field(..., max_length=services.LINES_MAX)
    comment: str = Field("", max_length=services.PURPOSE_MAX)


class HelpdeskIn(Schema):
    site_id: int
    name: str = Field(..., max_length=200)
    vendor: str = Field(..., max_length=200)
    version: str = Field(..., max_length=100)
    terminals: list[TerminalKey] = Field(..., max_length=services.LINES_MAX)
    message: str = Field("", max_length=services.PURPOSE_MAX)


# Requests ----------------------------------------------------------------------------------------
def _get(request: HttpRequest, equipment_request_id: int) -> tuple[Any, EquipmentRequest]:
    user = request_user(request)
    return user, selectors.request_get_for(user, equipment_request_id)


@router.get("/equipment-requests", response={200: list_of(EquipmentRequestRow), **READ_ERRORS})
@paginate(KeysetPagination)
def request_list(
    request: HttpRequest,
    site_id: int | None = Query(None, ge=1, le=ID_MAX),
    kind: RequestKindCode | None = None,
    state: RequestStateCode | None = None,
) -> QuerySet[Any]:
    """The requests the caller sees, newest first (filter by site, kind and state), a page at
    a time (?limit=&offset=, or ?cursor= the previous page's ``next``)."""
    rows = selectors.request_list_for(request_user(request))
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if kind is not None:
        rows = rows.filter(kind=kind.value)
    if state is not None:
        rows = rows.filter(state=state.value)
    return rows.order_by("-filed_at", "-pk").values(*_REQUEST_COLUMNS, **_REQUEST_JOINED)


@router.get(
    "/equipment-requests/{equipment_request_id}",
    response={200: EquipmentRequestDetailOut, **READ_ERRORS},
)
def request_detail(request: HttpRequest, equipment_request_id: int) -> EquipmentRequest:
    """One request with its lines, their decisions (the rule's meaning, the reason) and the
    office's 追加資料依頼."""
    return _get(request, equipment_request_id)[1]


@router.post("/sites/{site_id}/equipment-requests", response={201: FilingOut, **LINE_ERRORS})
def request_file(request: HttpRequest, site_id: int, payload: FileIn) -> Status[dict[str, Any]]:
    """The PSA files a request for the site: the answer carries its 受付番号. Software on the
    whitelist opens a helpdesk request instead of a line; software that installs or updates
    online is refused at once (留意事項(2))."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    filing = services.request_file(
        site=site,
        actor=user,
        kind=payload.kind.value,
        purpose=payload.purpose,
        lines=[line.model_dump(mode="json", exclude_none=True) for line in payload.lines],
        channel=Channel.API,
    )
    filed = filing.request
    if filed is not None:
        filed = selectors.request_get_for(user, filed.pk)
    return Status(201, {"request": filed, "helpdesk": filing.helpdesk})


@router.post(
    "/equipment-requests/{equipment_request_id}/take-up",
    response={200: EquipmentRequestDetailOut, **ERRORS},
)
def request_take_up(request: HttpRequest, equipment_request_id: int) -> EquipmentRequest:
    """受理: the office's reviewer takes the request up."""
    user, filed = _get(request, equipment_request_id)
    services.request_take_up(request=filed, actor=user)
    return selectors.request_get_for(user, filed.pk)


@router.post(
    "/equipment-requests/{equipment_request_id}/ask", response={201: InfoRequestOut, **ERRORS}
)
def request_ask(
    request: HttpRequest, equipment_request_id: int, payload: EquipmentAskIn
) -> Status[InfoRequest]:
    """追加資料依頼: the office asks the PSA for more, by a date if it gives one."""
    user, filed = _get(request, equipment_request_id)
    asked = services.request_ask(
        request=filed, actor=user, message=payload.message, due_on=payload.due_on
    )
    return Status(201, asked)


@router.post(
    "/equipment-requests/{equipment_request_id}/answer", response={200: InfoRequestOut, **ERRORS}
)
def request_answer(
    request: HttpRequest, equipment_request_id: int, payload: EquipmentAnswerIn
) -> InfoRequest:
    """The PSA answers the 追加資料依頼 (store the documents first, with the request)."""
    user, filed = _get(request, equipment_request_id)
    return services.request_answer(request=filed, actor=user, answer=payload.answer)


@router.post(
    "/equipment-requests/{equipment_request_id}/decide",
    response={200: EquipmentRequestDetailOut, **LINE_ERRORS},
)
def request_decide(
    request: HttpRequest, equipment_request_id: int, payload: EquipmentDecideIn
) -> EquipmentRequest:
    """The office decides lines (a reason is required to refuse; ``not_unique_ok`` approves a
    medium knowing it is not a unique device). Approved lines change the site's registry."""
    user, filed = _get(request, equipment_request_id)
    services.request_decide(
        request=filed,
        actor=user,
        verdicts=[
            services.LineVerdict(
                line=v.line, approve=v.approve, reason=v.reason, not_unique_ok=v.not_unique_ok
            )
            for v in payload.verdicts
        ],
        comment=payload.comment,
    )
    return selectors.request_get_for(user, filed.pk)


@router.post(
    "/equipment-requests/{equipment_request_id}/withdraw",
    response={200: EquipmentRequestDetailOut, **ERRORS},
)
def request_withdraw(
    request: HttpRequest, equipment_request_id: int, payload: WithdrawIn
) -> EquipmentRequest:
    """取下げ by the PSA while the request is undecided (a reason is required)."""
    user, filed = _get(request, equipment_request_id)
    services.request_withdraw(request=filed, actor=user, reason=payload.reason)
    return selectors.request_get_for(user, filed.pk)


@router.get(
    "/equipment-requests/{equipment_request_id}/documents",
    response={200: list[DocumentOut], **READ_ERRORS},
)
@paginate(LimitOffsetPagination)
def request_documents(request: HttpRequest, equipment_request_id: int) -> QuerySet[Document]:
    """The request's documents the caller may see, newest first."""
    user, filed = _get(request, equipment_request_id)
    return documents_for(user, filed)


@router.post(
    "/equipment-requests/{equipment_request_id}/documents", response={201: DocumentOut, **ERRORS}
)
def request_document_upload(
    request: HttpRequest,
    equipment_request_id: int,
    kind: Form[str] = "",
    password: Form[str] = "",
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # ninja builds the OpenAPI schema from this annotation at runtime: "| None" would publish the file as nullable
) -> Status[Document]:
    """Store a document of the request in the company's folder (multipart: kind —
    ``request_form`` for the request form, ``other`` —, file, password of a protected file).
    The office is told that it was stored."""
    user, filed = _get(request, equipment_request_id)
    document = subject_upload_store(
        actor=user, subject=filed, kind=kind, password=password, dated_on=None, file=file
    )
    return Status(201, document)


# Helpdesk requests -------------------------------------------------------------------------------
@router.get("/helpdesk-requests", response={200: list[HelpdeskOut], **READ_ERRORS})
@paginate(LimitOffsetPagination)
def helpdesk_list(
    request: HttpRequest,
    site_id: int | None = Query(None, ge=1, le=ID_MAX),
    state: HelpdeskStateCode | None = None,
) -> QuerySet[HelpdeskRequest]:
    """The helpdesk requests the caller sees, newest first (the provider: of the sites it
    provisions)."""
    rows = selectors.helpdesk_list_for(request_user(request)).prefetch_related("terminals")
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if state is not None:
        rows = rows.filter(state=state.value)
    return rows.order_by("-filed_at", "-pk")


@router.post("/helpdesk-requests", response={201: HelpdeskOut, **ERRORS})
def helpdesk_file(request: HttpRequest, payload: HelpdeskIn) -> Status[HelpdeskRequest]:
    """The PSA asks the helpdesk to enable whitelisted software on some terminals (refused for
    software not on the whitelist: file a software installation request instead)."""
    user = request_user(request)
    site = site_get_for(user=user, pk=payload.site_id)
    ticket = services.helpdesk_file(
        site=site,
        actor=user,
        name=payload.name,
        vendor=payload.vendor,
        version=payload.version,
        terminals=list(payload.terminals),
        message=payload.message,
    )
    return Status(201, ticket)


@router.get("/helpdesk-requests/{helpdesk_request_id}", response={200: HelpdeskOut, **READ_ERRORS})
def helpdesk_detail(request: HttpRequest, helpdesk_request_id: int) -> HelpdeskRequest:
    return selectors.helpdesk_get_for(request_user(request), helpdesk_request_id)


@router.post(
    "/helpdesk-requests/{helpdesk_request_id}/answer", response={200: HelpdeskOut, **ERRORS}
)
def helpdesk_answer(
    request: HttpRequest, helpdesk_request_id: int, payload: EquipmentAnswerIn
) -> HelpdeskRequest:
    """The provider's helpdesk answers with its instructions (once)."""
    user = request_user(request)
    ticket = selectors.helpdesk_get_for(user, helpdesk_request_id)
    return services.helpdesk_answer(ticket=ticket, actor=user, answer=payload.answer)
