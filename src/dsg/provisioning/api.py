from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from dsg.core.schemas import ERRORS, READ_ERRORS
from dsg.enrollment.selectors import enrollment_get_for

from . import selectors, services
from .models import VeinRegistrationMethod

router = Router(tags=["provisioning"])


class SurveyIn(Schema):
    surveyed_on: dt.date
    route_notes: str = Field("", max_length=4000)


class SurveyOut(Schema):
    surveyed_on: dt.date | None
    route_notes: str


class AncillaryWorkIn(Schema):
    description: str = Field(max_length=300)


class DoneIn(Schema):
    done_on: dt.date


class AncillaryWorkOut(Schema):
    id: int
    description: str
    done_on: dt.date | None


class TerminalIn(Schema):
    name: str = Field(max_length=100)
    model_name: str = Field(max_length=100)
    serial_number: str = Field(max_length=100)


class TerminalOut(Schema):
    id: int
    name: str
    model_name: str
    serial_number: str
    connection_passed: bool

    @staticmethod
    def resolve_connection_passed(obj) -> bool:  # type: ignore[no-untyped-def]
        """Whether the terminal's latest connection test passed."""
        if hasattr(obj, "latest_passed"):
            return bool(obj.latest_passed)
        latest = obj.connection_tests.order_by("-tested_on", "-recorded_at", "-pk").first()
        return bool(latest and latest.passed)


class AccountHolderIn(Schema):
    person_id: int


class AccountHolderOut(Schema):
    id: int
    person_id: int
    person_name: str
    account_issued_on: dt.date | None
    vein_registered_on: dt.date | None
    vein_method: str

    @staticmethod
    def resolve_person_name(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.person)


class IssuedIn(Schema):
    issued_on: dt.date


class VeinIn(Schema):
    registered_on: dt.date
    method: VeinRegistrationMethod


class ConnectionTestIn(Schema):
    holder_id: int
    tested_on: dt.date
    passed: bool
    note: str = Field("", max_length=2000)


class ConnectionTestOut(Schema):
    id: int
    terminal_id: int
    holder_id: int
    tested_on: dt.date
    passed: bool
    note: str


@router.post("/enrollments/{enrollment_id}/survey", response={200: SurveyOut, **ERRORS})
def survey_record(
    request: HttpRequest,
    enrollment_id: int,  # type: ignore[no-untyped-def]
    payload: SurveyIn,
):
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return services.survey_record(enrollment=enrollment, actor=request.user, **payload.dict())


@router.get(
    "/enrollments/{enrollment_id}/ancillary-works",
    response={200: list[AncillaryWorkOut], **READ_ERRORS},
)
def ancillary_work_list(request: HttpRequest, enrollment_id: int):  # type: ignore[no-untyped-def]
    return list(enrollment_get_for(user=request.user, pk=enrollment_id).ancillary_works.all())


@router.post(
    "/enrollments/{enrollment_id}/ancillary-works", response={201: AncillaryWorkOut, **ERRORS}
)
def ancillary_work_add(
    request: HttpRequest,
    enrollment_id: int,  # type: ignore[no-untyped-def]
    payload: AncillaryWorkIn,
):
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return Status(
        201,
        services.ancillary_work_add(
            enrollment=enrollment, actor=request.user, description=payload.description
        ),
    )


@router.post("/ancillary-works/{work_id}/done", response={200: AncillaryWorkOut, **ERRORS})
def ancillary_work_done(
    request: HttpRequest,
    work_id: int,  # type: ignore[no-untyped-def]
    payload: DoneIn,
):
    work = selectors.ancillary_work_get_for(user=request.user, pk=work_id)
    return services.ancillary_work_mark_done(work=work, actor=request.user, done_on=payload.done_on)


@router.get(
    "/enrollments/{enrollment_id}/terminals", response={200: list[TerminalOut], **READ_ERRORS}
)
def terminal_list(request: HttpRequest, enrollment_id: int):  # type: ignore[no-untyped-def]
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return list(selectors.terminals_of(enrollment))


@router.post("/enrollments/{enrollment_id}/terminals", response={201: TerminalOut, **ERRORS})
def terminal_register(
    request: HttpRequest,
    enrollment_id: int,  # type: ignore[no-untyped-def]
    payload: TerminalIn,
):
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return Status(
        201, services.terminal_register(enrollment=enrollment, actor=request.user, **payload.dict())
    )


@router.get(
    "/enrollments/{enrollment_id}/account-holders",
    response={200: list[AccountHolderOut], **READ_ERRORS},
)
def account_holder_list(request: HttpRequest, enrollment_id: int):  # type: ignore[no-untyped-def]
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return list(enrollment.account_holders.select_related("person"))


@router.post(
    "/enrollments/{enrollment_id}/account-holders", response={201: AccountHolderOut, **ERRORS}
)
def account_holder_add(
    request: HttpRequest,
    enrollment_id: int,  # type: ignore[no-untyped-def]
    payload: AccountHolderIn,
):
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return Status(
        201,
        services.account_holder_add(
            enrollment=enrollment, actor=request.user, person_id=payload.person_id
        ),
    )


@router.post(
    "/account-holders/{holder_id}/account-issued", response={200: AccountHolderOut, **ERRORS}
)
def account_issue(
    request: HttpRequest,
    holder_id: int,  # type: ignore[no-untyped-def]
    payload: IssuedIn,
):
    holder = selectors.account_holder_get_for(user=request.user, pk=holder_id)
    return services.account_issue(holder=holder, actor=request.user, issued_on=payload.issued_on)


@router.post(
    "/account-holders/{holder_id}/vein-registration", response={200: AccountHolderOut, **ERRORS}
)
def vein_registration(
    request: HttpRequest,
    holder_id: int,  # type: ignore[no-untyped-def]
    payload: VeinIn,
):
    holder = selectors.account_holder_get_for(user=request.user, pk=holder_id)
    return services.vein_registration_record(
        holder=holder,
        actor=request.user,
        registered_on=payload.registered_on,
        method=payload.method.value,
    )


@router.post(
    "/terminals/{terminal_id}/connection-tests", response={201: ConnectionTestOut, **ERRORS}
)
def connection_test_record(
    request: HttpRequest,
    terminal_id: int,  # type: ignore[no-untyped-def]
    payload: ConnectionTestIn,
):
    terminal = selectors.terminal_get_for(user=request.user, pk=terminal_id)
    holder = selectors.account_holder_get_for(user=request.user, pk=payload.holder_id)
    return Status(
        201,
        services.connection_test_record(
            terminal=terminal,
            holder=holder,
            actor=request.user,
            tested_on=payload.tested_on,
            passed=payload.passed,
            note=payload.note,
        ),
    )
