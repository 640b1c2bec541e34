from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from dsg.appointments.models import Appointment, AppointmentState
from dsg.core.pagination import MAX_OFFSET
from dsg.core.schemas import ERRORS, READ_ERRORS, Error
from dsg.enrollment.selectors import enrollment_get_for
from dsg.orgs.auth import request_user
from dsg.orgs.permissions import require_permission
from dsg.registry.models import Terminal
from dsg.registry.selectors import TestedTerminal, terminal_get_for

from . import selectors, services, worklist
from .models import (
    AccountDelivery,
    AccountDeliveryState,
    AccountHolder,
    AncillaryWork,
    AppointmentPurpose,
    Provisioning,
    SetupMediaShipment,
    VeinRegistrationMethod,
)

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
    def resolve_connection_passed(obj: Terminal) -> bool:
        """Whether the terminal's latest connection test passed."""
        if hasattr(obj, "latest_passed"):
            return bool(obj.latest_passed)
        latest = obj.connection_tests.order_by("-tested_on", "-recorded_at", "-pk").first()
        return bool(latest and latest.passed)


class AccountHolderIn(Schema):
    """An account holder the accepted application did not name: a portal user of the company
    (``person_id``) or anyone by ``name`` and ``email``; ``reason`` is required."""

    reason: str = Field(..., max_length=2000)
    person_id: int | None = None
    name: str = Field("", max_length=100)
    department: str = Field("", max_length=200)
    email: str = Field("", max_length=254)


class AccountHolderOut(Schema):
    id: int
    name: str
    department: str
    email: str
    person_id: int | None
    person_name: str
    source: str
    application_version: int | None
    reason: str
    account_issued_on: dt.date | None
    account_received_at: dt.datetime | None
    vein_registered_on: dt.date | None
    vein_method: str
    reissue_requested_at: dt.datetime | None

    @staticmethod
    def resolve_person_name(obj: AccountHolder) -> str:
        return obj.name


class ReissueIn(Schema):
    reason: str = Field("", max_length=2000)


class SheetHolderOut(Schema):
    name: str
    department: str
    email: str


class SheetContactOut(Schema):
    name: str
    department: str
    phone: str
    email: str


class SheetPsaOut(Schema):
    psa_name: str
    psa_department: str
    psa_phone: str
    psa_email: str


class AccountSheetOut(Schema):
    """What the provider reads of the accepted application to create the accounts."""

    version: int | None
    receipt_number: str
    accepted_at: dt.datetime | None
    psa: SheetPsaOut | None
    contacts: list[SheetContactOut]
    account_holders: list[SheetHolderOut]


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
    enrollment_id: int,
    payload: SurveyIn,
) -> Provisioning:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return services.survey_record(enrollment=enrollment, actor=user, **payload.dict())


@router.get(
    "/enrollments/{enrollment_id}/ancillary-works",
    response={200: list[AncillaryWorkOut], **READ_ERRORS},
)
def ancillary_work_list(request: HttpRequest, enrollment_id: int) -> list[AncillaryWork]:
    return list(
        enrollment_get_for(user=request_user(request), pk=enrollment_id).ancillary_works.all()
    )


@router.post(
    "/enrollments/{enrollment_id}/ancillary-works", response={201: AncillaryWorkOut, **ERRORS}
)
def ancillary_work_add(
    request: HttpRequest,
    enrollment_id: int,
    payload: AncillaryWorkIn,
) -> Status[AncillaryWork]:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return Status(
        201,
        services.ancillary_work_add(
            enrollment=enrollment, actor=user, description=payload.description
        ),
    )


@router.post("/ancillary-works/{work_id}/done", response={200: AncillaryWorkOut, **ERRORS})
def ancillary_work_done(
    request: HttpRequest,
    work_id: int,
    payload: DoneIn,
) -> AncillaryWork:
    user = request_user(request)
    work = selectors.ancillary_work_get_for(user=user, pk=work_id)
    return services.ancillary_work_mark_done(work=work, actor=user, done_on=payload.done_on)


@router.get(
    "/enrollments/{enrollment_id}/terminals", response={200: list[TerminalOut], **READ_ERRORS}
)
def terminal_list(request: HttpRequest, enrollment_id: int) -> list[TestedTerminal]:
    enrollment = enrollment_get_for(user=request_user(request), pk=enrollment_id)
    return list(selectors.terminals_of(enrollment))


@router.post("/enrollments/{enrollment_id}/terminals", response={201: TerminalOut, **ERRORS})
def terminal_register(
    request: HttpRequest,
    enrollment_id: int,
    payload: TerminalIn,
) -> Status[Terminal]:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return Status(
        201,
        services.terminal_register(enrollment=enrollment, actor=user, **payload.dict()),
    )


@router.get(
    "/enrollments/{enrollment_id}/account-holders",
    response={200: list[AccountHolderOut], **READ_ERRORS},
)
def account_holder_list(request: HttpRequest, enrollment_id: int) -> list[AccountHolder]:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return list(selectors.account_holders_for(user=user, enrollment=enrollment))


@router.post(
    "/enrollments/{enrollment_id}/account-holders", response={201: AccountHolderOut, **ERRORS}
)
def account_holder_add(
    request: HttpRequest,
    enrollment_id: int,
    payload: AccountHolderIn,
) -> Status[AccountHolder]:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return Status(
        201, services.account_holder_add(enrollment=enrollment, actor=user, **payload.dict())
    )


@router.get(
    "/enrollments/{enrollment_id}/account-sheet",
    response={200: AccountSheetOut, **READ_ERRORS},
)
def account_sheet(request: HttpRequest, enrollment_id: int) -> dict[str, Any]:
    """The accepted application's account holders, PSA and contacts (what the provider reads of
    the application to create the accounts; ``version`` null before the application is
    accepted)."""
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    sheet = selectors.account_sheet_for(user=user, enrollment=enrollment)
    return {**sheet.__dict__, "psa": sheet.psa or None}


@router.post(
    "/account-holders/{holder_id}/reissue-request", response={200: AccountHolderOut, **ERRORS}
)
def account_delivery_reissue_request(
    request: HttpRequest, holder_id: int, payload: ReissueIn
) -> AccountHolder:
    """The PSA lost the link (or the information): the provider is asked to issue it again and
    the link not yet opened stops working."""
    user = request_user(request)
    holder = selectors.account_holder_get_for(user=user, pk=holder_id)
    return services.account_delivery_reissue_request(
        holder=holder, actor=user, reason=payload.reason
    )


@router.post(
    "/account-holders/{holder_id}/account-issued", response={200: AccountHolderOut, **ERRORS}
)
def account_issue(
    request: HttpRequest,
    holder_id: int,
    payload: IssuedIn,
) -> AccountHolder:
    user = request_user(request)
    holder = selectors.account_holder_get_for(user=user, pk=holder_id)
    return services.account_issue(holder=holder, actor=user, issued_on=payload.issued_on)


@router.post(
    "/account-holders/{holder_id}/vein-registration", response={200: AccountHolderOut, **ERRORS}
)
def vein_registration(
    request: HttpRequest,
    holder_id: int,
    payload: VeinIn,
) -> AccountHolder:
    user = request_user(request)
    holder = selectors.account_holder_get_for(user=user, pk=holder_id)
    return services.vein_registration_record(
        holder=holder,
        actor=user,
        registered_on=payload.registered_on,
        method=payload.method.value,
    )


@router.post(
    "/terminals/{terminal_id}/connection-tests", response={201: ConnectionTestOut, **ERRORS}
)
def connection_test_record(
    request: HttpRequest,
    terminal_id: int,
    payload: ConnectionTestIn,
) -> Status[ConnectionTestOut]:
    user = request_user(request)
    terminal = terminal_get_for(user=user, pk=terminal_id)
    holder = selectors.account_holder_get_for(user=user, pk=payload.holder_id)
    test = services.connection_test_record(
        terminal=terminal,
        holder=holder,
        actor=user,
        tested_on=payload.tested_on,
        passed=payload.passed,
        note=payload.note,
    )
    return Status(
        201,
        ConnectionTestOut(
            id=test.pk,
            terminal_id=terminal.pk,
            holder_id=holder.pk,
            tested_on=test.tested_on,
            passed=test.passed,
            note=test.note,
        ),
    )


# Appointments ---------------------------------------------------------------------------------
class AppointmentIn(Schema):
    purpose: AppointmentPurpose
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    place: str = Field("", max_length=300)
    notes: str = Field("", max_length=2000)
    holder_id: int | None = Field(None, description="the account holder, for a vein registration")
    vein_method: VeinRegistrationMethod | None = None


class AppointmentOut(Schema):
    id: int
    enrollment_id: int
    purpose: str
    holder_id: int | None
    vein_method: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    notes: str
    state: AppointmentState
    response_message: str

    @staticmethod
    def resolve_enrollment_id(obj: Appointment) -> int:
        return obj.subject_id

    @staticmethod
    def resolve_holder_id(obj: Appointment) -> int | None:
        """The account holder a vein registration is for (None for the other purposes)."""
        if hasattr(obj, "holder_id"):
            return obj.holder_id
        return selectors.holder_of(obj)

    @staticmethod
    def resolve_vein_method(obj: Appointment) -> str:
        return obj.mode


class MessageIn(Schema):
    message: str = Field(max_length=2000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


@router.get(
    "/enrollments/{enrollment_id}/appointments",
    response={200: list[AppointmentOut], **READ_ERRORS},
)
def appointment_list(request: HttpRequest, enrollment_id: int) -> list[Appointment]:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return list(selectors.appointments_of(user=user, enrollment=enrollment))


@router.post("/enrollments/{enrollment_id}/appointments", response={201: AppointmentOut, **ERRORS})
def appointment_propose(
    request: HttpRequest,
    enrollment_id: int,
    payload: AppointmentIn,
) -> Status[Appointment]:
    """The provider proposes a date for ③, ④, ⑤ or a person's 静脈認証登録."""
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    holder = (
        selectors.account_holder_get_for(user=user, pk=payload.holder_id)
        if payload.holder_id is not None
        else None
    )
    return Status(
        201,
        services.appointment_propose(
            enrollment=enrollment,
            actor=user,
            purpose=payload.purpose.value,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            place=payload.place,
            notes=payload.notes,
            holder=holder,
            vein_method=payload.vein_method.value if payload.vein_method else "",
        ),
    )


@router.post("/appointments/{appointment_id}/confirm", response={200: AppointmentOut, **ERRORS})
def appointment_confirm(request: HttpRequest, appointment_id: int) -> Appointment:
    """The company's PSA confirms the proposed date."""
    user = request_user(request)
    appointment = selectors.appointment_get_for(user=user, pk=appointment_id)
    return services.appointment_confirm(appointment=appointment, actor=user)


@router.post("/appointments/{appointment_id}/other-date", response={200: AppointmentOut, **ERRORS})
def appointment_request_other_date(
    request: HttpRequest,
    appointment_id: int,
    payload: MessageIn,
) -> Appointment:
    """The PSA asks for another date, with a message for the provider."""
    user = request_user(request)
    appointment = selectors.appointment_get_for(user=user, pk=appointment_id)
    return services.appointment_request_other_date(
        appointment=appointment, actor=user, message=payload.message
    )


@router.post("/appointments/{appointment_id}/done", response={200: AppointmentOut, **ERRORS})
def appointment_done(request: HttpRequest, appointment_id: int) -> Appointment:
    user = request_user(request)
    appointment = selectors.appointment_get_for(user=user, pk=appointment_id)
    return services.appointment_mark_done(appointment=appointment, actor=user)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def appointment_cancel(
    request: HttpRequest,
    appointment_id: int,
    payload: ReasonIn,
) -> Appointment:
    user = request_user(request)
    appointment = selectors.appointment_get_for(user=user, pk=appointment_id)
    return services.appointment_cancel(appointment=appointment, actor=user, reason=payload.reason)


# ⑤ router identity -----------------------------------------------------------------------------
class RouterIn(Schema):
    """The router's model, after ⑤; its serial number was entered with the installation
    (``install_router``) and ``router_serial`` corrects it only with a ``reason``."""

    router_model: str = Field(max_length=100)
    router_serial: str = Field("", max_length=100)
    reason: str = Field("", max_length=2000)


class RouterOut(Schema):
    router_serial: str
    router_model: str
    router_installed_on: dt.date | None


@router.post("/enrollments/{enrollment_id}/router", response={200: RouterOut, **ERRORS})
def router_identity(
    request: HttpRequest,
    enrollment_id: int,
    payload: RouterIn,
) -> Provisioning:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return services.router_identity_record(
        enrollment=enrollment,
        actor=user,
        model_name=payload.router_model,
        serial=payload.router_serial,
        reason=payload.reason,
    )


# ⑥ setup media ---------------------------------------------------------------------------------
class ShipmentIn(Schema):
    carrier: str = Field(max_length=100)
    tracking_number: str = Field(max_length=100)
    shipped_on: dt.date
    media: str = Field("DVD-ROM", max_length=100)


class ReceivedIn(Schema):
    received_on: dt.date


class ShipmentOut(Schema):
    id: int
    media: str
    carrier: str
    tracking_number: str
    shipped_on: dt.date
    received_on: dt.date | None


@router.get(
    "/enrollments/{enrollment_id}/media-shipments",
    response={200: list[ShipmentOut], **READ_ERRORS},
)
def media_shipment_list(request: HttpRequest, enrollment_id: int) -> list[SetupMediaShipment]:
    enrollment = enrollment_get_for(user=request_user(request), pk=enrollment_id)
    return list(selectors.shipments_of(enrollment))


@router.post("/enrollments/{enrollment_id}/media-shipments", response={201: ShipmentOut, **ERRORS})
def media_ship(
    request: HttpRequest,
    enrollment_id: int,
    payload: ShipmentIn,
) -> Status[SetupMediaShipment]:
    """The provider records the shipment of the setup media (セットアップ媒体, DVD-ROM)."""
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return Status(
        201,
        services.media_ship(enrollment=enrollment, actor=user, **payload.dict()),
    )


@router.post("/media-shipments/{shipment_id}/received", response={200: ShipmentOut, **ERRORS})
def media_receive(
    request: HttpRequest,
    shipment_id: int,
    payload: ReceivedIn,
) -> SetupMediaShipment:
    """The PSA confirms that the setup media arrived."""
    user = request_user(request)
    shipment = selectors.shipment_get_for(user=user, pk=shipment_id)
    return services.media_receive(shipment=shipment, actor=user, received_on=payload.received_on)


# ⑥ account information --------------------------------------------------------------------------
class AccountDeliveryIn(Schema):
    username: str = Field(max_length=100, description="the holder's DSG user ID")
    password: str = Field(max_length=200, description="the initial password")


class AccountDeliveryOut(Schema):
    id: int
    holder_id: int
    state: AccountDeliveryState
    created_at: dt.datetime
    expires_at: dt.datetime
    opened_at: dt.datetime | None


class AccountInformationOut(Schema):
    holder_id: int
    person_name: str
    username: str
    password: str


@router.get(
    "/enrollments/{enrollment_id}/account-deliveries",
    response={200: list[AccountDeliveryOut], **READ_ERRORS},
)
def account_delivery_list(request: HttpRequest, enrollment_id: int) -> list[AccountDelivery]:
    """Which account information was delivered and opened (never the information itself)."""
    enrollment = enrollment_get_for(user=request_user(request), pk=enrollment_id)
    return list(selectors.deliveries_of(enrollment))


@router.post(
    "/account-holders/{holder_id}/account-deliveries",
    response={201: AccountDeliveryOut, **ERRORS},
)
def account_delivery_create(
    request: HttpRequest,
    holder_id: int,
    payload: AccountDeliveryIn,
) -> Status[AccountDelivery]:
    """The provider enters a holder's account information; the PSA gets a one-time link by
    mail (the mail never carries the information). Replaces a delivery not yet opened."""
    user = request_user(request)
    holder = selectors.account_holder_get_for(user=user, pk=holder_id)
    delivery, _token = services.account_delivery_create(
        holder=holder,
        actor=user,
        username=payload.username,
        password=payload.password,
    )
    return Status(201, delivery)


class AccountLinkIn(Schema):
    token: str = Field(
        ...,
        min_length=1,
        max_length=200,
        description="The code of the mailed link: what follows # in /account-deliveries/open/#…",
    )


def _account_information(delivery: AccountDelivery, values: dict[str, str]) -> dict[str, Any]:
    return {"holder_id": delivery.holder_id, "person_name": str(delivery.holder.person), **values}


@router.post(
    "/account-deliveries/open",
    response={200: AccountInformationOut, 410: Error, **ERRORS},
)
def account_delivery_open_by_code(request: HttpRequest, payload: AccountLinkIn) -> dict[str, Any]:
    """The PSA of the company opens the one-time link, its code in the body (never in a URL, so
    never in an access log): the account information is answered once and destroyed. A second
    call answers 409 (already_opened); an expired link 410; a code of no delivery the caller may
    open 404."""
    delivery, values = services.account_delivery_open(
        token=payload.token, actor=request_user(request)
    )
    return _account_information(delivery, values)


@router.post(
    "/account-deliveries/{delivery_token}/open",
    response={200: AccountInformationOut, 410: Error, **ERRORS},
    deprecated=True,
)
def account_delivery_open(request: HttpRequest, delivery_token: str) -> dict[str, Any]:
    """Deprecated: the code in the path lands in access logs; send it in the body to
    ``POST /account-deliveries/open``. Answers as that operation does."""
    delivery, values = services.account_delivery_open(
        token=delivery_token, actor=request_user(request)
    )
    return _account_information(delivery, values)


# ⑥ readiness per terminal ------------------------------------------------------------------------
class TerminalReadinessOut(Schema):
    terminal_id: int
    terminal_name: str
    holder_id: int | None
    setup_media: bool
    account_issued: bool
    account_received: bool
    vein_registered: bool
    connection_test: bool
    lacks: list[str]


@router.get(
    "/enrollments/{enrollment_id}/terminal-readiness",
    response={200: list[TerminalReadinessOut], **READ_ERRORS},
)
def terminal_readiness(request: HttpRequest, enrollment_id: int) -> list[dict[str, Any]]:
    """Per terminal, what it still lacks before ⑦ (codes in ``lacks``)."""
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return [
        {
            "terminal_id": row.terminal.pk,
            "terminal_name": row.terminal.name,
            "holder_id": row.holder.pk if row.holder else None,
            "setup_media": row.setup_media,
            "account_issued": row.account_issued,
            "account_received": row.account_received,
            "vein_registered": row.vein_registered,
            "connection_test": row.connection_test,
            "lacks": row.lacks,
        }
        for row in selectors.terminal_readiness_for(user=user, enrollment=enrollment)
    ]


# The provider's work list ---------------------------------------------------------------------
class ProviderTaskOut(Schema):
    kind: str
    label: str
    at: dt.datetime
    enrollment_id: int
    enrollment_number: str
    detail: str
    appointment_id: int | None
    holder_id: int | None


class ProviderTaskPage(Schema):
    items: list[ProviderTaskOut]
    count: int


@router.get("/provider/tasks", response={200: ProviderTaskPage, 403: Error, 401: Error})
def provider_tasks(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    """The provider's open tasks across every case, by date (the dashboard's list, read as the
    dashboard reads it: the kept list, a page and its count in one query)."""
    user = request_user(request)
    require_permission(actor=user, action="provider.tasks")
    rows = worklist.ProviderTaskList(user=user)
    rows.expect(offset, limit)
    tasks = worklist.provider_tasks_complete(rows[offset : offset + limit])
    return {
        "count": rows.count(),
        "items": [
            {
                "kind": t.kind,
                "label": str(t.label),
                "at": t.at,
                "enrollment_id": t.enrollment.pk,
                "enrollment_number": t.enrollment.number,
                "detail": t.detail,
                "appointment_id": t.appointment.pk if t.appointment else None,
                "holder_id": t.holder.pk if t.holder else None,
            }
            for t in tasks
        ],
    }
