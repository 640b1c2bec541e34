from __future__ import annotations

import datetime as dt
import enum

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from dsg.core.schemas import ERRORS, READ_ERRORS
from dsg.orgs.selectors import site_get_for

from . import selectors, services
from .models import FacilityBasis

router = Router(tags=["enrollment"])
TransitionName = enum.Enum(  # type: ignore[misc]
    "TransitionName", {name: name for name in sorted(services.TRANSITION_NAMES)}, type=str
)


class ApplicationOut(Schema):
    track_record: str
    facility_basis: str
    equipment_confirmed: bool
    planned_terminals: int | None
    desired_start: dt.date | None
    contract_name: str
    contract_expected_on: dt.date | None
    schedule_request: str
    receipt_number: str
    submitted_at: dt.datetime | None
    missing: list[str]

    @staticmethod
    def resolve_missing(obj) -> list[str]:  # type: ignore[no-untyped-def]
        return obj.missing_parts()


class ApplicationIn(Schema):
    track_record: str | None = Field(None, max_length=4000)
    facility_basis: FacilityBasis | None = None
    equipment_confirmed: bool | None = None
    planned_terminals: int | None = Field(None, ge=1, le=999)
    desired_start: dt.date | None = None
    contract_name: str | None = Field(None, max_length=200)
    contract_expected_on: dt.date | None = None
    schedule_request: str | None = Field(None, max_length=4000)


class EnrollmentOut(Schema):
    id: int
    number: str
    site_id: int
    site_name: str
    company_id: int
    company_name: str
    state: str
    state_label: str
    step: int
    waiting_on: str | None
    created_at: dt.datetime
    state_changed_at: dt.datetime

    @staticmethod
    def resolve_site_name(obj) -> str:  # type: ignore[no-untyped-def]
        return obj.site.name

    @staticmethod
    def resolve_company_id(obj) -> int:  # type: ignore[no-untyped-def]
        return obj.site.company_id

    @staticmethod
    def resolve_company_name(obj) -> str:  # type: ignore[no-untyped-def]
        return obj.site.company.name

    @staticmethod
    def resolve_state_label(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.get_state_display())


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
    def resolve_actor(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.actor)


class EnrollmentDetailOut(EnrollmentOut):
    application: ApplicationOut | None
    records: list[StepRecordOut]

    @staticmethod
    def resolve_application(obj, context):  # type: ignore[no-untyped-def]
        user = context["request"].user
        from dsg.orgs.permissions import may

        return obj.application if may(user, "application.view", obj) else None

    @staticmethod
    def resolve_records(obj, context) -> list:  # type: ignore[no-untyped-def]
        return list(selectors.step_records_for(user=context["request"].user, enrollment=obj))


class EnrollmentIn(Schema):
    site_id: int


class TransitionIn(Schema):
    comment: str = Field("", max_length=4000)
    performed_on: dt.date | None = None
    router_serial: str = Field("", max_length=100)


class TransitionOptionOut(Schema):
    name: str
    label: str
    payload: dict[str, bool]
    blocked_by: list[str]


@router.get("/enrollments", response={200: list[EnrollmentOut], **READ_ERRORS})
@paginate(LimitOffsetPagination)
def enrollment_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The visible cases, newest first, a page at a time (?limit=&offset=)."""
    return selectors.enrollment_list_for(user=request.user).order_by("-created_at", "-pk")


@router.post("/enrollments", response={201: EnrollmentOut, **ERRORS})
def enrollment_create(request: HttpRequest, payload: EnrollmentIn):  # type: ignore[no-untyped-def]
    site = site_get_for(user=request.user, pk=payload.site_id)
    return Status(201, services.enrollment_create(site=site, actor=request.user))


@router.get("/enrollments/{enrollment_id}", response={200: EnrollmentDetailOut, **READ_ERRORS})
def enrollment_detail(request: HttpRequest, enrollment_id: int):  # type: ignore[no-untyped-def]
    return selectors.enrollment_get_for(user=request.user, pk=enrollment_id)


@router.patch("/enrollments/{enrollment_id}/application", response={200: ApplicationOut, **ERRORS})
def application_update(
    request: HttpRequest,
    enrollment_id: int,  # type: ignore[no-untyped-def]
    payload: ApplicationIn,
):
    enrollment = selectors.enrollment_get_for(user=request.user, pk=enrollment_id)
    data = payload.dict(exclude_unset=True)
    return services.application_update(enrollment=enrollment, actor=request.user, data=data)


@router.get(
    "/enrollments/{enrollment_id}/transitions",
    response={200: list[TransitionOptionOut], **READ_ERRORS},
)
def transition_options(request: HttpRequest, enrollment_id: int):  # type: ignore[no-untyped-def]
    enrollment = selectors.enrollment_get_for(user=request.user, pk=enrollment_id)
    return [
        TransitionOptionOut(
            name=o.name,
            label=str(o.label),
            payload=o.payload,
            blocked_by=[str(m) for m in o.blocked_by],
        )
        for o in selectors.transition_options_for(user=request.user, enrollment=enrollment)
    ]


@router.post(
    "/enrollments/{enrollment_id}/transitions/{name}", response={200: EnrollmentOut, **ERRORS}
)
def enrollment_transition(
    request: HttpRequest,
    enrollment_id: int,  # type: ignore[no-untyped-def]
    name: TransitionName,
    payload: TransitionIn,
):
    enrollment = selectors.enrollment_get_for(user=request.user, pk=enrollment_id)
    data = services.TransitionInput(**payload.dict())
    return services.enrollment_transition(
        enrollment=enrollment, name=name.value, actor=request.user, data=data
    )
