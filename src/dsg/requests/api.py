"""The REST API of change applications (加入申請内容の変更): every action the pages offer."""

# No "from __future__ import annotations" here: ninja builds the query parameters' model from the
# signature at import time, and a dynamic Enum named only as a string would not resolve.

import datetime as dt
import enum
from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from dsg.core.api_enums import code_labels
from dsg.core.pagination import KeysetPagination, LimitOffsetPagination
from dsg.core.schemas import ERRORS, READ_ERRORS, list_of, row_schema
from dsg.documents import selectors as documents
from dsg.documents.api import DocumentOut, subject_upload_store
from dsg.documents.models import Document
from dsg.enrollment.api import ContactSchema
from dsg.orgs.auth import request_user
from dsg.orgs.japan import PhoneIn, PostalCodeIn
from dsg.orgs.permissions import is_provider, restrict
from dsg.orgs.selectors import site_get_for

from . import inspection, selectors, services
from .checks import change_missing, work_outstanding
from .models import (
    ActionRequest,
    ChangeComment,
    ChangeKind,
    ChangeRequest,
    ChangeState,
    ChangeVersion,
    ProviderWork,
    RegisteredChange,
)
from .registered import GROUP_LABELS, GROUPS, differences

router = Router(tags=["changes"])

ChangeStateCode = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "ChangeStateCode", {s: s for s in ChangeState.values}, type=str
)
ProviderWorkKind = enum.Enum(  # type: ignore[misc]  # members from the model's choices
    "ProviderWorkKind", {k: k for k in ProviderWork.Kind.values}, type=str
)
code_labels(ChangeStateCode, ChangeState.choices)
code_labels(ProviderWorkKind, ProviderWork.Kind.choices)
ChangePart = enum.Enum(  # type: ignore[misc]  # the parts a reviewer comments on
    "ChangePart", {p: p for p in (*GROUPS, "description", "documents")}, type=str
)
code_labels(
    ChangePart,
    [
        *GROUP_LABELS.items(),
        ("description", _("What changes and why")),
        ("documents", _("Documents")),
    ],
)
# What the provider reads of a change's data: where the site is and whom to call.
PROVIDER_GROUPS = ("site_name", "site_address", "facility", "psa")


class ChangeKindOut(Schema):
    code: str
    name: str
    name_ja: str
    name_en: str
    category: str
    groups: list[str]
    requires_layout: bool
    may_need_inspection: bool
    may_need_provider_work: bool
    closes_site: bool


class ChangeOut(Schema):
    id: int
    number: str
    site_id: int
    company_id: int
    kind: str
    state: ChangeStateCode
    state_label: str
    receipt_number: str
    created_at: dt.datetime
    state_changed_at: dt.datetime
    applied_at: dt.datetime | None

    @staticmethod
    def resolve_kind(obj: ChangeRequest) -> str:
        return obj.kind.code

    @staticmethod
    def resolve_state_label(obj: ChangeRequest) -> str:
        return str(obj.get_state_display())


_STATE_LABELS = dict(ChangeState.choices)


def _change_row(row: dict[str, Any]) -> dict[str, Any]:
    """The number, the kind's code and the state's label, as the model says them."""
    if "number" in row:
        return row
    state = row["state"]
    return {
        **row,
        "kind": row["kind_code"],
        "number": f"CHG-{row['created_at']:%Y}-{row['id']:05d}",
        "state_label": str(_STATE_LABELS.get(state, state)),
    }


ChangeRow = row_schema(
    ChangeOut,
    name="ChangeRow",
    doc="""A change of the list: ``ChangeOut`` built from its row (``.values()``), not a model
    instance through per-row resolvers (issue #14, docs/performance.md).""",
    module=__name__,
    derive=_change_row,
)


_CHANGE_COLUMNS = (
    "id",
    "site_id",
    "company_id",
    "state",
    "receipt_number",
    "created_at",
    "state_changed_at",
    "applied_at",
)


class DifferenceOut(Schema):
    group: str
    field: str
    registered: Any
    proposed: Any


class ActionRequestOut(Schema):
    id: int
    text: str
    due_on: dt.date
    asked_at: dt.datetime
    asked_by: str
    answer: str
    answered_at: dt.datetime | None
    is_overdue: bool

    @staticmethod
    def resolve_asked_by(obj: ActionRequest) -> str:
        return str(obj.asked_by)


class ProviderWorkOut(Schema):
    id: int
    kind: ProviderWorkKind
    opened_at: dt.datetime
    done_on: dt.date | None
    note: str


class ChangeDetailOut(ChangeOut):
    """One change: the provider reads only where the site is and whom to call."""

    description: str
    effective_on: dt.date | None
    moves_equipment: bool
    registered: dict[str, Any]
    proposed: dict[str, Any]
    differences: list[DifferenceOut]
    missing: list[str]
    outstanding: list[str]
    needs_inspection: bool
    inspection_phase: str
    action_requests: list[ActionRequestOut]
    provider_work: list[ProviderWorkOut]

    @staticmethod
    def resolve_registered(obj: ChangeRequest, context: dict[str, Any]) -> dict[str, Any]:
        return _seen(obj.registered, context)

    @staticmethod
    def resolve_proposed(obj: ChangeRequest, context: dict[str, Any]) -> dict[str, Any]:
        return _seen(obj.proposed, context)

    @staticmethod
    def resolve_differences(obj: ChangeRequest, context: dict[str, Any]) -> list[dict[str, Any]]:
        provider = is_provider(request_user(context["request"]))
        return [
            {"group": g, "field": f, "registered": old, "proposed": new}
            for g, f, old, new in differences(obj.registered, obj.proposed)
            if not provider or g in PROVIDER_GROUPS
        ]

    @staticmethod
    def resolve_missing(obj: ChangeRequest) -> list[str]:
        return [str(m) for m in change_missing(obj)] if obj.is_editable else []

    @staticmethod
    def resolve_outstanding(obj: ChangeRequest) -> list[str]:
        if obj.state != ChangeState.ACCEPTED:
            return []
        return [str(m) for m in work_outstanding(obj)]

    @staticmethod
    def resolve_action_requests(obj: ChangeRequest) -> list[ActionRequest]:
        return list(obj.action_requests.select_related("asked_by"))

    @staticmethod
    def resolve_provider_work(obj: ChangeRequest) -> list[ProviderWork]:
        return list(obj.provider_work.all())


def _seen(data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    if not is_provider(request_user(context["request"])):
        return data
    names = {n for g in PROVIDER_GROUPS for n in GROUPS[g]}
    return {"fields": {n: v for n, v in data.get("fields", {}).items() if n in names}}


class ChangeIn(Schema):
    """The values a change asks for (only those of its kind's groups), its description and date."""

    company_name: str | None = Field(None, max_length=200)
    company_postal_code: PostalCodeIn | None = None
    company_prefecture: str | None = Field(None, max_length=2)
    company_address: str | None = Field(None, max_length=300)
    site_name: str | None = Field(None, max_length=200)
    site_postal_code: PostalCodeIn | None = None
    site_prefecture: str | None = Field(None, max_length=2)
    site_address: str | None = Field(None, max_length=300)
    facility_name: str | None = Field(None, max_length=200)
    facility_description: str | None = Field(None, max_length=4000)
    psa_name: str | None = Field(None, max_length=100)
    psa_department: str | None = Field(None, max_length=200)
    psa_phone: PhoneIn | None = None
    psa_email: str | None = Field(None, max_length=254)
    contacts: list[ContactSchema] | None = Field(None, max_length=10)
    description: str | None = Field(None, max_length=4000)
    effective_on: dt.date | None = None
    moves_equipment: bool | None = None


class ChangeStartIn(Schema):
    site_id: int
    kind: str = Field(..., max_length=40)


class ChangeCommentIn(Schema):
    part: ChangePart
    text: str = Field(..., max_length=4000)


class ChangeCommentOut(Schema):
    id: int
    part: str
    text: str
    author: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: ChangeComment) -> str:
        return str(obj.author)


class ChangeVersionOut(Schema):
    id: int
    number: int
    receipt_number: str
    submitted_at: dt.datetime
    submitted_by: str
    snapshot: dict[str, Any]
    comments: list[ChangeCommentOut]

    @staticmethod
    def resolve_submitted_by(obj: ChangeVersion) -> str:
        return str(obj.submitted_by)

    @staticmethod
    def resolve_comments(obj: ChangeVersion) -> list[ChangeComment]:
        return list(obj.comments.all())


class DecisionIn(Schema):
    comment: str = Field("", max_length=4000)


class AcceptIn(Schema):
    needs_inspection: bool = False
    provider_work: list[ProviderWorkKind] = Field(default_factory=list, max_length=3)
    comment: str = Field("", max_length=4000)


class ChangeAskIn(Schema):
    text: str = Field(..., max_length=4000)
    due_on: dt.date


class ChangeAnswerIn(Schema):
    answer: str = Field(..., max_length=4000)


class WorkDoneIn(Schema):
    done_on: dt.date
    note: str = Field("", max_length=2000)


class HistoryOut(Schema):
    field: str
    before: Any
    after: Any
    applied_at: dt.datetime
    change_id: int
    change_number: str

    @staticmethod
    def resolve_change_number(obj: RegisteredChange) -> str:
        return obj.change.number


def _get(request: HttpRequest, change_id: int) -> tuple[Any, ChangeRequest]:
    user = request_user(request)
    return user, selectors.change_get_for(user, change_id)


@router.get("/change-kinds", response={200: list[ChangeKindOut], **READ_ERRORS})
def change_kinds(request: HttpRequest) -> QuerySet[ChangeKind]:
    """The kinds of change a company may file (レイアウト変更, 移転, 閉鎖, 会社名…)."""
    return selectors.kinds_offered()


@router.get("/changes", response={200: list_of(ChangeRow), **READ_ERRORS})
@paginate(KeysetPagination)
def change_list(
    request: HttpRequest,
    state: ChangeStateCode | None = None,
    kind: str | None = Query(None, max_length=40),
    site_id: int | None = Query(None, ge=1, le=2**63 - 1),  # past SQLite's integers: 422
) -> QuerySet[Any]:
    """The visible change applications, newest first, a page at a time (?limit=&offset=, or
    ?cursor= the previous page's ``next``; filter by state, kind and site)."""
    changes = selectors.change_list_for(request_user(request))
    if state is not None:
        changes = changes.filter(state=state.value)
    if kind:
        changes = changes.filter(kind__code=kind)
    if site_id is not None:
        changes = changes.filter(site_id=site_id)
    return changes.order_by("-created_at", "-pk").values(
        *_CHANGE_COLUMNS, kind_code=F("kind__code")
    )


@router.post("/changes", response={201: ChangeDetailOut, **ERRORS})
def change_start(request: HttpRequest, payload: ChangeStartIn) -> Status[ChangeRequest]:
    """The PSA starts a change of a site that has completed 加入, from its registered data."""
    user = request_user(request)
    site = site_get_for(user=user, pk=payload.site_id)
    change = services.change_start(actor=user, site=site, kind=payload.kind)
    return Status(201, change)


@router.get("/changes/{change_id}", response={200: ChangeDetailOut, **READ_ERRORS})
def change_detail(request: HttpRequest, change_id: int) -> ChangeRequest:
    return _get(request, change_id)[1]


@router.patch("/changes/{change_id}", response={200: ChangeDetailOut, **ERRORS})
def change_update(request: HttpRequest, change_id: int, payload: ChangeIn) -> ChangeRequest:
    """Save what the change asks for (a draft); ``contacts`` replaces the contact list."""
    user, change = _get(request, change_id)
    data = payload.dict(exclude_unset=True)
    if data.get("contacts") is None:
        data.pop("contacts", None)
    changed = services.change_update(change=change, actor=user, data=data)
    return changed


@router.post("/changes/{change_id}/submit", response={200: ChangeVersionOut, **ERRORS})
def change_submit(request: HttpRequest, change_id: int) -> ChangeVersion:
    """Submit the change: the answer carries its 到達番号."""
    user, change = _get(request, change_id)
    return services.change_submit(change=change, actor=user)


@router.get("/changes/{change_id}/versions", response={200: list[ChangeVersionOut], **ERRORS})
def change_versions(request: HttpRequest, change_id: int) -> list[ChangeVersion]:
    """Every submission with the reviewer's comments (not for the provider)."""
    user, change = _get(request, change_id)

    return list(
        restrict(user, ChangeVersion.objects.filter(change=change))
        .select_related("submitted_by")
        .prefetch_related("comments__author")
    )


@router.post("/changes/{change_id}/comments", response={201: ChangeCommentOut, **ERRORS})
def change_comment(
    request: HttpRequest, change_id: int, payload: ChangeCommentIn
) -> Status[ChangeComment]:
    user, change = _get(request, change_id)
    comment = services.change_comment_add(
        change=change, actor=user, part=payload.part.value, text=payload.text
    )
    return Status(201, comment)


@router.post("/changes/{change_id}/return", response={200: ChangeDetailOut, **ERRORS})
def change_return(request: HttpRequest, change_id: int, payload: DecisionIn) -> ChangeRequest:
    """補正: return the change to the PSA (a comment is required)."""
    user, change = _get(request, change_id)
    return services.change_return(change=change, actor=user, comment=payload.comment)


@router.post("/changes/{change_id}/accept", response={200: ChangeDetailOut, **ERRORS})
def change_accept(request: HttpRequest, change_id: int, payload: AcceptIn) -> ChangeRequest:
    """受理, deciding whether it needs a new inspection and which of the provider's work."""
    user, change = _get(request, change_id)
    accepted = services.change_accept(
        change=change,
        actor=user,
        needs_inspection=payload.needs_inspection,
        provider_work=[w.value for w in payload.provider_work],
        comment=payload.comment,
    )
    return accepted


@router.post("/changes/{change_id}/reject", response={200: ChangeDetailOut, **ERRORS})
def change_reject(request: HttpRequest, change_id: int, payload: DecisionIn) -> ChangeRequest:
    """却下 (a comment is required)."""
    user, change = _get(request, change_id)
    return services.change_reject(change=change, actor=user, comment=payload.comment)


@router.post("/changes/{change_id}/withdraw", response={200: ChangeDetailOut, **ERRORS})
def change_withdraw(request: HttpRequest, change_id: int, payload: DecisionIn) -> ChangeRequest:
    user, change = _get(request, change_id)
    withdrawn = services.change_withdraw(change=change, actor=user, comment=payload.comment)
    return withdrawn


@router.post("/changes/{change_id}/complete", response={200: ChangeDetailOut, **ERRORS})
def change_complete(request: HttpRequest, change_id: int) -> ChangeRequest:
    """Apply the accepted change to the registered data (refused while work stands)."""
    user, change = _get(request, change_id)
    return services.change_complete(change=change, actor=user)


@router.post("/changes/{change_id}/remediation-report", response={200: ChangeDetailOut, **ERRORS})
def change_remediation_report(request: HttpRequest, change_id: int) -> ChangeRequest:
    """The PSA reports the remediation of the change's inspection (every deficiency reported)."""
    user, change = _get(request, change_id)
    return inspection.change_remediation_report(change=change, actor=user)


@router.post("/changes/{change_id}/action-requests", response={201: ActionRequestOut, **ERRORS})
def action_request_ask(
    request: HttpRequest, change_id: int, payload: ChangeAskIn
) -> Status[ActionRequest]:
    """「必要な対応や提出する書類を依頼」: the office or the provider asks the PSA, by a date."""
    user, change = _get(request, change_id)
    asked = services.action_request_ask(
        change=change, actor=user, text=payload.text, due_on=payload.due_on
    )
    return Status(201, asked)


@router.post(
    "/action-requests/{action_request_id}/answer", response={200: ActionRequestOut, **ERRORS}
)
def action_request_answer(
    request: HttpRequest, action_request_id: int, payload: ChangeAnswerIn
) -> ActionRequest:
    user = request_user(request)
    asked = selectors.action_request_get_for(user, action_request_id)
    return services.action_request_answer(asked=asked, actor=user, answer=payload.answer)


@router.post("/provider-work/{provider_work_id}/done", response={200: ProviderWorkOut, **ERRORS})
def provider_work_done(
    request: HttpRequest, provider_work_id: int, payload: WorkDoneIn
) -> ProviderWork:
    """The provider records its work for a change done (the change applies if nothing stands)."""
    user = request_user(request)
    work = selectors.provider_work_get_for(user, provider_work_id)
    return services.provider_work_done(
        work=work, actor=user, done_on=payload.done_on, note=payload.note
    )


@router.get("/sites/{site_id}/history", response={200: list[HistoryOut], **READ_ERRORS})
def site_history(request: HttpRequest, site_id: int) -> list[RegisteredChange]:
    """Each value of the site's registered data an applied change changed, newest first."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    return list(selectors.site_history_for(user, site))


@router.get("/changes/{change_id}/documents", response={200: list[DocumentOut], **READ_ERRORS})
@paginate(LimitOffsetPagination)
def change_documents(request: HttpRequest, change_id: int) -> QuerySet[Document]:
    """The change's documents the caller may see, newest first."""
    user, change = _get(request, change_id)
    return documents.documents_for(user, change)


@router.post("/changes/{change_id}/documents", response={201: DocumentOut, **ERRORS})
def change_document_upload(
    request: HttpRequest,
    change_id: int,
    kind: Form[str] = "",
    password: Form[str] = "",
    dated_on: Form[dt.date | None] = None,
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # ninja builds the OpenAPI schema from this annotation at runtime: "| None" would publish the file as nullable
) -> Status[Document]:
    """Store a document of the change (multipart: kind — ``layout``, ``audit_result`` with
    ``dated_on``, ``other`` for 変更内容を証する書類 —, file, password of a protected file).
    The office is told that it was stored."""
    user, change = _get(request, change_id)
    document = subject_upload_store(
        actor=user, subject=change, kind=kind, password=password, dated_on=dated_on, file=file
    )
    return Status(201, document)
