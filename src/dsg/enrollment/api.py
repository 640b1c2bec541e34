from __future__ import annotations

import datetime as dt
import enum
import functools
from typing import Any, cast

from django.db.models import CharField, F, Model, QuerySet, TextField
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import BaseModel, model_validator

from dsg.core.api_enums import NOT_YET, code_labels
from dsg.core.errors import RuleViolation
from dsg.core.pagination import KeptList, KeysetPagination
from dsg.core.prepared import PreparedCache, PreparedQuery, int_sentinels, person_key
from dsg.core.schemas import ERRORS, READ_ERRORS, Error, list_of, row_schema
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.japan import PREFECTURES, CorporateNumberIn, PhoneIn, PostalCodeIn
from dsg.orgs.models import User
from dsg.orgs.permissions import may
from dsg.orgs.selectors import site_get_for
from dsg.schedule.api import PlanOut

from . import application_services, excel, selectors, services
from .application_views import MAX_WORKBOOK_BYTES
from .events import case_events_for
from .excel import XLSX
from .models import (
    STATE_LABELS,
    STEP_OF_STATE,
    WAITING_ON,
    Application,
    ApplicationAccountHolder,
    ApplicationContact,
    ApplicationVersion,
    Enrollment,
    FacilityBasis,
    ReviewComment,
    ReviewDecision,
    State,
    StepRecord,
)
from .parts import COMMENT_PARTS, PARTS, Task, application_tasks
from .schedule import case_schedule_read_by
from .search import (
    QUERY_MAX,
    SORTS,
    WAITING_CHOICES,
    CaseQuery,
    behind_plan_mark,
    enrollment_search_kept,
)

router = Router(tags=["enrollment"])
TransitionName = enum.Enum(  # type: ignore[misc]  # mypy reads Enum members only from a literal; these come from the state machine
    "TransitionName", {name: name for name in sorted(services.ACTION_NAMES)}, type=str
)
# Each transition's label and the fields of its request (True: required), as the state machine
# declares them; labels of the states and the review's decisions, from the models' choices.
_DECLARED = {
    t.name: t.custom for t in Enrollment._meta.get_field("state").get_all_transitions(Enrollment)
}
code_labels(TransitionName, [(name, _DECLARED[name]["label"]) for name in services.ACTION_NAMES])
StateCode = enum.Enum("StateCode", {v: v for v in State.values}, type=str)  # type: ignore[misc]  # members from the model's choices
code_labels(StateCode, State.choices)
ReviewDecisionCode = enum.Enum(  # type: ignore[misc]  # members from the model's choices; "" before the decision
    "ReviewDecisionCode", {"none": "", **{v: v for v in ReviewDecision.values}}, type=str
)
code_labels(ReviewDecisionCode, [NOT_YET, *ReviewDecision.choices])
FIELDS_BY_TRANSITION = {
    name: {
        "required": sorted(f for f, needed in _DECLARED[name]["payload"].items() if needed),
        "optional": sorted(f for f, needed in _DECLARED[name]["payload"].items() if not needed),
    }
    for name in sorted(services.ACTION_NAMES)
}


def _used_by(field: str) -> str:
    required = [n for n, f in FIELDS_BY_TRANSITION.items() if field in f["required"]]
    optional = [n for n, f in FIELDS_BY_TRANSITION.items() if field in f["optional"]]
    return (
        f"Required by: {', '.join(required) or '-'}; taken by: {', '.join(optional) or '-'}; "
        "ignored by the other transitions."
    )


class ContactSchema(Schema):
    name: str = Field(..., max_length=100)
    department: str = Field("", max_length=200)
    phone: PhoneIn
    email: str = Field(..., max_length=254)


class AccountHolderSchema(Schema):
    name: str = Field(..., max_length=100)
    department: str = Field("", max_length=200)
    email: str = Field(..., max_length=254)


class TaskOut(Schema):
    part: str
    label: str
    status: str
    status_label: str
    missing: list[str]


class ApplicationOut(Schema):
    company_corporate_number: str
    company_name: str
    company_postal_code: str
    company_prefecture: str
    company_address: str
    site_name: str
    site_postal_code: str
    site_prefecture: str
    site_address: str
    facility_name: str
    facility_description: str
    psa_name: str
    psa_department: str
    psa_phone: str
    psa_email: str
    contacts: list[ContactSchema]
    account_holders: list[AccountHolderSchema]
    planned_terminals: int | None
    terminal_models: str
    desired_start: dt.date | None
    contract_name: str
    contract_expected_on: dt.date | None
    schedule_request: str
    track_record: str
    facility_basis: str
    equipment_confirmed: bool
    receipt_number: str
    submitted_at: dt.datetime | None
    submission_count: int
    status: str
    status_label: str
    missing: list[str]
    tasks: list[TaskOut]

    @staticmethod
    def resolve_contacts(obj: Application, context: dict[str, Any]) -> list[Model]:
        return _kept_rows_of("contacts", ApplicationContact, obj.pk, context["request"])

    @staticmethod
    def resolve_account_holders(obj: Application, context: dict[str, Any]) -> list[Model]:
        request = context["request"]
        return _kept_rows_of("account_holders", ApplicationAccountHolder, obj.pk, request)

    @staticmethod
    def resolve_missing(obj: Application) -> list[str]:
        return [key for task in _tasks(obj) for key in task.missing_keys]

    @staticmethod
    def resolve_tasks(obj: Application) -> list[TaskOut]:
        return [
            TaskOut(
                part=t.part.key,
                label=str(t.part.label),
                status=t.status,
                status_label=str(t.status_label),
                missing=[str(m) for m in t.missing],
            )
            for t in _tasks(obj)
        ]

    @staticmethod
    def resolve_status(obj: Application, context: dict[str, Any]) -> str:
        return _status(obj, context["request"])

    @staticmethod
    def resolve_status_label(obj: Application, context: dict[str, Any]) -> str:
        return str(selectors.APPLICATION_STATUS[_status(obj, context["request"])])


# The detail's reads kept compiled (issue #14): the application's contacts, account holders
# and latest version, and the case's history as the reader sees it — each a small query whose
# building cost more than its running, compiled once per person, role and organisation (the
# tenancy scope the managers add, restrict()'s filters) with the application's or the case's
# id a parameter. Their building reads no row (tests/enrollment/test_detail_kept.py).
_ONE_ID = int_sentinels(1)
_DETAIL_READS: PreparedCache[PreparedQuery] = PreparedCache(size=512)


def _kept_rows_of(
    name: str, model: type[Model], application_id: int, request: HttpRequest
) -> list[Model]:
    """The rows of ``model`` of one application, in the model's order, as the reader's scope
    reads them (the application was read through its visible case)."""
    user = request_user(request)
    query = _DETAIL_READS.get(
        (name, *person_key(user)),
        lambda: PreparedQuery(model._default_manager.filter(application_id=_ONE_ID[0]), _ONE_ID),
    )
    return query.objects([application_id])


def _latest_version(enrollment: Enrollment, request: HttpRequest) -> ApplicationVersion | None:
    """``current_version`` of the case: its latest submitted version, or None."""
    user = request_user(request)
    query = _DETAIL_READS.get(
        ("latest_version", *person_key(user)),
        lambda: PreparedQuery(
            ApplicationVersion.objects.filter(application__enrollment_id=_ONE_ID[0]).order_by(
                "-number"
            )[:1],
            _ONE_ID,
        ),
    )
    found = query.objects([enrollment.pk])
    return cast(ApplicationVersion, found[0]) if found else None


def _records_of(user: User, enrollment: Enrollment) -> list[Model]:
    """``selectors.step_records_for``: the case's records that ``user`` may read."""
    query = _DETAIL_READS.get(
        ("records", *person_key(user)),
        lambda: PreparedQuery(
            permissions.restrict(
                user, StepRecord.objects.filter(enrollment_id=_ONE_ID[0]).select_related("actor")
            ),
            _ONE_ID,
        ),
    )
    return query.objects([enrollment.pk])


# Where _status keeps an application's status while it is serialised (status and its label:
# one query of the latest version, not two).
_STATUS_CACHE = "_api_status"


def _status(application: Application, request: HttpRequest) -> str:
    cached: str | None = getattr(application, _STATUS_CACHE, None)
    if cached is None:
        enrollment = application.enrollment
        cached = selectors.application_status(enrollment, _latest_version(enrollment, request))
        setattr(application, _STATUS_CACHE, cached)
    return cached


# Where _tasks keeps an application's task list while it is serialised.
_TASKS_CACHE = "_api_tasks"


def _tasks(application: Application) -> list[Task]:
    """The task list, computed once per serialised application."""
    cached: list[Task] | None = getattr(application, _TASKS_CACHE, None)
    if cached is None:
        cached = application_tasks(application)
        setattr(application, _TASKS_CACHE, cached)
    return cached


class ApplicationIn(Schema):
    # 法人番号, 郵便番号, telephone: also typed in 全角 with 〒 and ー (stored normalised).
    company_corporate_number: CorporateNumberIn | None = None
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
    account_holders: list[AccountHolderSchema] | None = Field(None, max_length=20)
    planned_terminals: int | None = Field(None, ge=1, le=999)
    terminal_models: str | None = Field(None, max_length=300)
    desired_start: dt.date | None = None
    contract_name: str | None = Field(None, max_length=200)
    contract_expected_on: dt.date | None = None
    schedule_request: str | None = Field(None, max_length=4000)
    track_record: str | None = Field(None, max_length=4000)
    facility_basis: FacilityBasis | None = None
    equipment_confirmed: bool | None = None


# The application's text fields (null in a PATCH empties them; the columns hold "" for empty).
_TEXT_FIELDS = frozenset(
    field.name
    for field in Application._meta.get_fields()
    if isinstance(field, CharField | TextField) and not field.null
)


class CommentOut(Schema):
    id: int
    part: str
    text: str
    author: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: ReviewComment) -> str:
        return str(obj.author)


class ApplicationVersionOut(Schema):
    id: int
    number: int
    receipt_number: str
    submitted_at: dt.datetime
    submitted_by: str
    review_started_at: dt.datetime | None
    decision: ReviewDecisionCode
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_submitted_by(obj: ApplicationVersion) -> str:
        return str(obj.submitted_by)


class ApplicationVersionDetailOut(ApplicationVersionOut):
    enrollment_id: int
    snapshot: dict
    comments: list[CommentOut]

    @staticmethod
    def resolve_enrollment_id(obj: ApplicationVersion) -> int:
        return obj.application.enrollment_id

    @staticmethod
    def resolve_comments(obj: ApplicationVersion) -> list[ReviewComment]:
        return list(obj.comments.select_related("author"))


CommentPart = enum.Enum(  # type: ignore[misc]  # mypy reads Enum members only from a literal; these come from the parts
    "CommentPart", {name: name for name in COMMENT_PARTS}, type=str
)
code_labels(
    CommentPart,
    [*((p.key, p.label) for p in PARTS), ("general", _("The application as a whole"))],
)


class VersionCommentIn(Schema):
    part: CommentPart
    text: str = Field(..., min_length=1, max_length=4000)


WAITING_ON_HELP = "The first of waiting_parties (the soonest due), or null when none"
WAITING_PARTIES_HELP = (
    "Whom the case waits on, as the reader's home and the office's search say it: the parties "
    "of its open items, soonest due first; with none open, the party its state waits on"
)


class EnrollmentOut(Schema):
    id: int
    number: str
    site_id: int
    site_name: str
    company_id: int
    company_name: str
    state: StateCode
    state_label: str
    step: int
    waiting_on: str | None = Field(description=WAITING_ON_HELP)
    waiting_parties: list[str] = Field(description=WAITING_PARTIES_HELP)
    created_at: dt.datetime
    state_changed_at: dt.datetime
    behind_plan: bool = False

    @staticmethod
    def resolve_site_name(obj: Enrollment) -> str:
        return obj.site.name

    @staticmethod
    def resolve_company_id(obj: Enrollment) -> int:
        return obj.site.company_id

    @staticmethod
    def resolve_company_name(obj: Enrollment) -> str:
        return obj.site.company.name

    @staticmethod
    def resolve_state_label(obj: Enrollment) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_waiting_parties(obj: Enrollment, context: dict[str, Any]) -> list[str]:
        """Whom the case waits on, as the reader's home says it (its open items first); read
        once for both fields."""
        parties: list[str] | None = getattr(obj, "_waiting_parties", None)
        if parties is None:
            user = request_user(context["request"])
            parties = selectors.waiting_parties(user=user, cases=[(obj.pk, obj.state)])[obj.pk]
            obj._waiting_parties = parties  # type: ignore[attr-defined]  # cached for waiting_on
        return parties

    @staticmethod
    def resolve_waiting_on(obj: Enrollment, context: dict[str, Any]) -> str | None:
        parties = EnrollmentOut.resolve_waiting_parties(obj, context)
        return parties[0] if parties else None


class StepRecordOut(Schema):
    transition: str
    step: int
    from_state: str
    to_state: str
    actor: str
    recorded_at: dt.datetime
    performed_on: dt.date | None
    comment: str
    data: dict

    @staticmethod
    def resolve_actor(obj: StepRecord) -> str:
        return str(obj.actor)


# The detail's ?include=: what it adds to the case (set on the request for the resolvers).
_INCLUDE = "dsg_api_include"


class Include(enum.StrEnum):
    tasks = "tasks"


def _included(context: dict[str, Any], what: str) -> bool:
    return what in getattr(context["request"], _INCLUDE, ())


class CaseApplicationOut(ApplicationOut):
    """The application as the case's detail embeds it: its task list (``tasks``, ``missing``)
    only with ``?include=tasks`` — computing it reads the case's documents kind by kind and
    checks every part's rules, most of the detail's time (issue #14). Null otherwise; always
    in ``GET /enrollments/{id}/application``."""

    missing: list[str] | None = Field(description="With ?include=tasks; null otherwise")  # type: ignore[assignment]  # narrowed to nullable on purpose
    tasks: list[TaskOut] | None = Field(description="With ?include=tasks; null otherwise")  # type: ignore[assignment]  # as above

    @staticmethod
    def resolve_missing(obj: Application, context: dict[str, Any]) -> list[str] | None:  # type: ignore[override]  # takes the context
        return ApplicationOut.resolve_missing(obj) if _included(context, "tasks") else None

    @staticmethod
    def resolve_tasks(obj: Application, context: dict[str, Any]) -> list[TaskOut] | None:  # type: ignore[override]  # takes the context
        return ApplicationOut.resolve_tasks(obj) if _included(context, "tasks") else None


class EnrollmentDetailOut(EnrollmentOut):
    application: CaseApplicationOut | None
    records: list[StepRecordOut]

    @staticmethod
    def resolve_application(obj: Enrollment, context: dict[str, Any]) -> Application | None:
        user = request_user(context["request"])
        return obj.application if may(user, "application.view", obj) else None

    @staticmethod
    def resolve_records(obj: Enrollment, context: dict[str, Any]) -> list[Model]:
        return _records_of(request_user(context["request"]), obj)


class EnrollmentIn(Schema):
    site_id: int


def _fields_by_transition(schema: dict[str, Any]) -> None:
    schema["x-fields-by-transition"] = FIELDS_BY_TRANSITION


class TransitionIn(Schema):
    """What a transition takes: each transition's required and optional fields are listed in
    ``x-fields-by-transition`` (a required field missing answers 422 with its ``field``)."""

    model_config = {"json_schema_extra": lambda schema: _fields_by_transition(schema)}

    comment: str = Field("", max_length=4000, description=_used_by("comment"))
    performed_on: dt.date | None = Field(None, description=_used_by("performed_on"))
    router_serial: str = Field("", max_length=100, description=_used_by("router_serial"))


class TransitionOptionOut(Schema):
    name: str
    label: str
    payload: dict[str, bool]
    blocked_by: list[str]


# The search of the case list (#12): the page's parameters, checked by the schema.
Ordering = enum.Enum(  # type: ignore[misc]  # mypy reads Enum members only from a literal; these are the whitelisted sorts
    "Ordering", {key: key for key in (*SORTS, *(f"-{k}" for k in SORTS))}, type=str
)
Waiting = enum.Enum("Waiting", {key: key for key in WAITING_CHOICES}, type=str)  # type: ignore[misc]  # as above
CaseState = enum.Enum("CaseState", {key: key for key in State.values}, type=str)  # type: ignore[misc]  # as above
Prefecture = enum.Enum("Prefecture", {f"p{c}": c for c, _n in PREFECTURES}, type=str)  # type: ignore[misc]  # as above


class CaseSearchQuery(Schema):
    q: str = Field(
        "",
        max_length=QUERY_MAX,
        description="Words found in the company name, 法人番号, site name, case number or "
        "到達番号 (NFKC, partial match; every word must be found).",
    )
    step: int | None = Field(None, ge=0, le=8, description="1–7, 8 completed, 0 ended.")
    state: CaseState | None = None
    waiting: Waiting | None = None
    overdue: bool = Field(False, description="Only the cases behind their plan.")
    prefecture: Prefecture | None = Field(None, description="The site's prefecture (JIS code).")
    ordering: Ordering | None = Field(None, description="A column, '-' first for descending.")

    def case_query(self) -> CaseQuery:
        ordering = self.ordering.value if self.ordering else "-created"
        return CaseQuery(
            q=self.q,
            step=self.step,
            state=self.state.value if self.state else "",
            waiting=self.waiting.value if self.waiting else "",
            overdue=self.overdue,
            prefecture=self.prefecture.value if self.prefecture else "",
            sort=ordering.lstrip("-"),
            descending=ordering.startswith("-"),
        )


@functools.lru_cache(maxsize=256)
def _state_label(language: str | None, state: str) -> str:
    """A state's label in ``language`` (the active one): translated once per language, not per
    row (each row of a list translated its label anew: issue #14)."""
    return str(STATE_LABELS.get(state, state))


def _enrollment_row(row: dict[str, Any]) -> dict[str, Any]:
    """The number, the state's label, step and whom it waits on, as the model says them."""
    if "number" in row:
        return row
    state = row["state"]
    row = {
        **row,
        "number": f"DSG-{row['created_at']:%Y}-{row['id']:05d}",
        "state_label": _state_label(get_language(), state),
        "step": STEP_OF_STATE[state],
    }
    if "waiting_parties" not in row:  # a row not given its page's open items
        fallback = WAITING_ON.get(state)
        row["waiting_parties"] = [fallback] if fallback else []
    row.setdefault("waiting_on", next(iter(row["waiting_parties"]), None))
    return row


EnrollmentRow = row_schema(
    EnrollmentOut,
    name="EnrollmentRow",
    doc="""A case of the list: what ``EnrollmentOut`` says of it, built from its row (``.values()``
    of the search's query) instead of a model instance and per-row resolvers — the list's
    serialisation was most of its time (issue #14, docs/performance.md).""",
    module=__name__,
    derive=_enrollment_row,
    waiting_parties=(
        list[str],
        Field(default_factory=list, description=WAITING_PARTIES_HELP),
    ),
)


_ROW_COLUMNS = ("id", "state", "site_id", "created_at", "state_changed_at", "first_submitted")
_ROW_JOINED = {
    "site_name": F("site__name"),
    "company_id": F("site__company_id"),
    "company_name": F("site__company__name"),
    "planned_terminals": F("application__planned_terminals"),
}


def _list_rows(cases: QuerySet[Enrollment]) -> QuerySet[Any]:
    return cases.values(*_ROW_COLUMNS, **_ROW_JOINED)


def _enrollment_list(request: HttpRequest, filters: Query[CaseSearchQuery]) -> KeptList:
    """The visible cases, newest first, a page at a time (?limit=&offset=, or ?cursor= the
    previous page's ``next``); searched and filtered as the office's search page does
    (?q=&step=&state=&waiting=&overdue=&prefecture=), in the order asked (?ordering=company,
    -since …)."""
    # the search, its page and its count compiled once per person and filters' shape (#14)
    return enrollment_search_kept(
        user=request_user(request),
        query=filters.case_query(),
        rows=_list_rows,
        name="api.enrollments",
    )


def _complete_page(request: HttpRequest, rows: list[dict[str, Any]]) -> None:
    """Of the page's cases only (not the list): whether each is behind its plan, and the
    parties each waits on (one query for the page)."""
    behind_plan_mark(rows)
    waiting = selectors.waiting_parties(
        user=request_user(request), cases=[(row["id"], row["state"]) for row in rows]
    )
    for row in rows:
        row["waiting_parties"] = waiting[row["id"]]


# ninja's paginate wraps the view in a function of its own module, where the annotations of this
# module (strings, under ``from __future__ import annotations``) cannot be resolved: given as
# objects.
_enrollment_list.__annotations__["filters"] = Query[CaseSearchQuery]
enrollment_list = router.get(
    "/enrollments", response={200: list_of(EnrollmentRow), **READ_ERRORS, 422: Error}
)(paginate(KeysetPagination, page_rows=_complete_page)(_enrollment_list))


@router.post("/enrollments", response={201: EnrollmentOut, **ERRORS})
def enrollment_create(request: HttpRequest, payload: EnrollmentIn) -> Status[Enrollment]:
    user = request_user(request)
    site = site_get_for(user=user, pk=payload.site_id)
    return Status(201, services.enrollment_create(site=site, actor=user))


@router.get("/enrollments/{enrollment_id}", response={200: EnrollmentDetailOut, **READ_ERRORS})
def enrollment_detail(
    request: HttpRequest,
    enrollment_id: int,
    include: Query[list[Include]] = None,  # type: ignore[assignment]  # ninja reads the default from here: "| None" would publish a nullable list
) -> Enrollment:
    """The case with its application (to who reads it) and its history. ``?include=tasks``:
    the application's task list too (``tasks``, ``missing``), as
    ``GET /enrollments/{id}/application`` always gives it (since API 1.1: null without)."""
    setattr(request, _INCLUDE, {item.value for item in include or ()})
    return selectors.enrollment_get_for(user=request_user(request), pk=enrollment_id)


def _application_for(request: HttpRequest, enrollment_id: int) -> Application:
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    selectors.application_visible(user=user, enrollment=enrollment)
    return Application.objects.select_related("enrollment__site").get(enrollment=enrollment)


@router.get("/enrollments/{enrollment_id}/application", response={200: ApplicationOut, **ERRORS})
def application_detail(request: HttpRequest, enrollment_id: int) -> Application:
    """Every part of the application, its task list (what is missing) and its status."""
    return _application_for(request, enrollment_id)


@router.patch("/enrollments/{enrollment_id}/application", response={200: ApplicationOut, **ERRORS})
def application_update(
    request: HttpRequest,
    enrollment_id: int,
    payload: ApplicationIn,
) -> Application:
    """Save any fields of any part (a draft); ``contacts`` replaces the contact list and
    ``account_holders`` the account holders (アカウント利用者)."""
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    data = payload.dict(exclude_unset=True)
    for many in ("contacts", "account_holders"):
        if data.get(many) is None:
            data.pop(many, None)
    for name in _TEXT_FIELDS & data.keys():  # null empties a text field: it is never NULL
        data[name] = "" if data[name] is None else data[name]
    services.application_update(enrollment=enrollment, actor=user, data=data)
    return _application_for(request, enrollment_id)


@router.get(
    "/enrollments/{enrollment_id}/application/versions",
    response={200: list[ApplicationVersionOut], **ERRORS},
)
def application_versions(request: HttpRequest, enrollment_id: int) -> list[ApplicationVersion]:
    """Every submitted version, oldest first, each with its receipt number (到達番号)."""
    application = _application_for(request, enrollment_id)
    return list(selectors.versions_of(application.enrollment))


@router.get(
    "/application-versions/{version_id}", response={200: ApplicationVersionDetailOut, **ERRORS}
)
def application_version(request: HttpRequest, version_id: int) -> ApplicationVersion:
    """One submitted version: its frozen snapshot of every part and the review comments."""
    return selectors.version_get_for(user=request_user(request), pk=version_id)


@router.post(
    "/application-versions/{version_id}/review", response={200: ApplicationVersionOut, **ERRORS}
)
def application_review_start(request: HttpRequest, version_id: int) -> ApplicationVersion:
    """The reviewer opens the submitted version: 到達 → 審査中."""
    user = request_user(request)
    version = selectors.version_get_for(user=user, pk=version_id)
    return application_services.application_review_start(version=version, actor=user)


@router.post("/application-versions/{version_id}/comments", response={201: CommentOut, **ERRORS})
def review_comment_add(
    request: HttpRequest, version_id: int, payload: VersionCommentIn
) -> Status[ReviewComment]:
    """The reviewer's comment on one part (or ``general``) of the version under review."""
    user = request_user(request)
    version = selectors.version_get_for(user=user, pk=version_id)
    comment = application_services.review_comment_add(
        version=version, actor=user, part=payload.part.value, text=payload.text
    )
    return Status(201, comment)


@router.get(
    "/enrollments/{enrollment_id}/application/export",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"description": "The application as .xlsx", "content": {XLSX: {}}}}
    },
)
def application_export(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """The application (sheet 1) and its generated schedule (sheet 2) as an Excel workbook."""
    application = _application_for(request, enrollment_id)
    response = HttpResponse(
        excel.application_workbook(enrollment=application.enrollment), content_type=XLSX
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{application.enrollment.number}-application.xlsx"'
    )
    return response


@router.post(
    "/enrollments/{enrollment_id}/application/import", response={200: ApplicationOut, **ERRORS}
)
def application_import(
    request: HttpRequest,
    enrollment_id: int,
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # ninja builds the OpenAPI schema from this annotation at runtime: "| None" would publish the file as nullable
) -> Application:
    """Fill the draft from an exported and filled-in workbook (multipart ``file``)."""
    application = _application_for(request, enrollment_id)
    if file is None:
        raise RuleViolation(_("Choose a file to upload."), code="invalid", status=422, field="file")
    if file.size is not None and file.size > MAX_WORKBOOK_BYTES:
        raise RuleViolation(
            _("The workbook is too large (at most 5 MB)."), code="too_large", status=422
        )
    excel.application_import(
        enrollment=application.enrollment, actor=request_user(request), data=file.read()
    )
    return _application_for(request, enrollment_id)


@router.get(
    "/enrollments/{enrollment_id}/transitions",
    response={200: list[TransitionOptionOut], **READ_ERRORS},
)
def transition_options(request: HttpRequest, enrollment_id: int) -> list[TransitionOptionOut]:
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    return [
        TransitionOptionOut(
            name=o.name,
            label=str(o.label),
            payload=o.payload,
            blocked_by=[str(m) for m in o.blocked_by],
        )
        for o in selectors.transition_options_for(user=user, enrollment=enrollment)
    ]


@router.post(
    "/enrollments/{enrollment_id}/transitions/{name}", response={200: EnrollmentOut, **ERRORS}
)
def enrollment_transition(
    request: HttpRequest,
    enrollment_id: int,
    name: TransitionName,
    payload: TransitionIn,
) -> Enrollment:
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    data = services.TransitionInput(**payload.dict())
    return services.enrollment_transition(
        enrollment=enrollment, name=name.value, actor=user, data=data
    )


class CaseScheduleOut(PlanOut):
    desired_start: dt.date | None
    contract_expected_on: dt.date | None


@router.get(
    "/enrollments/{enrollment_id}/schedule",
    response={200: CaseScheduleOut, **READ_ERRORS},
    tags=["schedule"],
)
def enrollment_schedule(request: HttpRequest, enrollment_id: int) -> dict[str, Any]:
    """The case's plan with its actual dates, warnings and the contract date planned backwards
    (the application's dates only to those who read the application)."""
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    return case_schedule_read_by(user=user, enrollment=enrollment).to_dict()


class CaseEventRow(BaseModel):
    """``CaseEventOut`` built from the event's row (``.values()``), not a model instance and a
    per-row resolver (issue #14)."""

    sequence: int = Field(description="The event's place in the hash-chained ledger")
    occurred_at: dt.datetime
    action: str = Field(description="enrollment.create, or enrollment.<transition name>")
    actor: str = Field(description="The person's name, or who acted when no person did")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str

    @model_validator(mode="before")
    @classmethod
    def _actor(cls, row: Any) -> Any:
        if isinstance(row, dict) and "actor" not in row:
            row = {**row, "actor": row["actor_name"] or row["actor_label"] or "system"}
        return row


_EVENT_COLUMNS = ("sequence", "occurred_at", "action", "actor_name", "actor_label")


@router.get(
    "/enrollments/{enrollment_id}/events",
    response={200: list[CaseEventRow], **READ_ERRORS},
)
@paginate(KeysetPagination)
def enrollment_events(request: HttpRequest, enrollment_id: int) -> QuerySet[Any]:
    """The ledger events of the case, oldest first, a page at a time (?limit=&offset=, or
    ?cursor= the previous page's ``next``): to everyone who sees the case; the provider and a
    利用者 read only the events of the history records they read (③–⑥), never those of the
    review of ① or the inspections of ② and ⑦."""
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    events = case_events_for(user=user, enrollment=enrollment)
    return events.values(*_EVENT_COLUMNS, "before", "after", "hash")
