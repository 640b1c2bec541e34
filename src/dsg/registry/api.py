"""The site registry in the API: a site's whole registry (terminals with their life stage,
removable media, software) and its .xlsx export; a site's terminals with their state, a
terminal, its set-up; the disposal of a terminal or a medium (recorded by the company's PSA,
confirmed by the office's reviewer)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from dsg.core.api_enums import code_labels
from dsg.core.errors import RuleViolation
from dsg.core.schemas import ERRORS, READ_ERRORS
from dsg.documents.models import Document
from dsg.documents.services import max_upload_bytes, too_large
from dsg.orgs.auth import request_user
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission
from dsg.orgs.selectors import site_get_for

from . import selectors, services, workbook
from .models import (
    Disposal,
    DisposalMethod,
    DisposalState,
    MediumDisposal,
    MediumKind,
    RemovableMedium,
    SoftwareState,
    Terminal,
    TerminalDisposal,
    TerminalSoftware,
)
from .selectors import LifeStage

router = Router(tags=["registry"])


class TerminalState(enum.StrEnum):
    """Where a terminal stands: in the registry, its disposal awaiting the office, or 廃棄済."""

    STANDING = "standing"
    DISPOSAL_RECORDED = "disposal_recorded"
    DISPOSED = "disposed"


code_labels(
    TerminalState,
    [
        (TerminalState.STANDING, _("In the registry")),
        (TerminalState.DISPOSAL_RECORDED, _("Disposal recorded, awaiting the office")),
        (TerminalState.DISPOSED, _("Disposed (廃棄済)")),
    ],
)


class DisposalFields(Schema):
    id: int
    state: DisposalState
    method: DisposalMethod
    method_other: str
    disposed_on: dt.date
    performed_by: str
    performed_by_company: str
    certificate_id: int | None = Field(
        description="The proof in the company's folder; null when the caller may not read it"
    )
    recorded_by: str
    recorded_at: dt.datetime
    confirmed_by: str | None
    confirmed_at: dt.datetime | None


class DisposalOut(DisposalFields):
    """The disposal of a terminal."""

    terminal_id: int


class MediumDisposalOut(DisposalFields):
    """The disposal of a removable medium."""

    medium_id: int


class TerminalStateOut(Schema):
    id: int
    ref: str = Field(description="The terminal's stable identifier (端末番号), T-000001")
    site_id: int
    name: str
    model_name: str
    serial_number: str
    registered_at: dt.datetime
    state: TerminalState
    life_stage: LifeStage = Field(
        description="registered (登録済) → set_up (セットアップ済) → tested (接続テスト合格) → "
        "in_use (利用中) → removal_requested (削除申請中) → disposed (廃棄済); "
        "applied (申請中) names a request's line before the terminal exists"
    )
    set_up_on: dt.date | None
    in_use_since: dt.date | None
    latest_test_passed: bool | None = Field(description="null: never tested")
    latest_tested_on: dt.date | None
    disposal: DisposalOut | None


class MediumOut(Schema):
    id: int
    ref: str = Field(description="The medium's stable identifier (媒体番号), M-000001")
    site_id: int
    kind: MediumKind
    vendor_id: str
    product_id: str
    serial_number: str
    capacity_gb: Decimal
    custodian: str
    usbguard_hash: str
    terminal_ids: list[int]
    unique_device: bool = Field(description="false: its IDs and serial do not identify one device")
    registered_at: dt.datetime
    state: TerminalState
    disposal: MediumDisposalOut | None


class SoftwareOut(Schema):
    id: int
    terminal_id: int
    terminal_ref: str
    name: str
    vendor: str
    version: str
    sha256: str
    authenticode_sha256: str
    signer: str
    preinstalled: bool
    state: SoftwareState
    forbidden: bool = Field(
        description="true: not to be started or used (起動・使用禁止): declared and not yet "
        "approved, or refused"
    )


class SiteRegistryOut(Schema):
    site_id: int
    site_ref: str
    terminals: list[TerminalStateOut]
    media: list[MediumOut]
    software: list[SoftwareOut] = Field(description="On the standing terminals, by terminal")


class SetUpIn(Schema):
    set_up_on: dt.date


class DisposalIn(Schema):
    """The proof is a document already in the company's folder (``certificate_id``); to upload
    one with the record, use the multipart operation ``…/disposal/upload``."""

    method: DisposalMethod
    method_other: str = Field("", max_length=200)
    disposed_on: dt.date
    performed_by: str = Field(max_length=100)
    performed_by_company: str = Field(max_length=200)
    certificate_id: int


def _disposal_fields(disposal: Disposal, visible: set[int]) -> dict[str, Any]:
    return dict(
        id=disposal.pk,
        state=DisposalState(disposal.state),
        method=DisposalMethod(disposal.method),
        method_other=disposal.method_other,
        disposed_on=disposal.disposed_on,
        performed_by=disposal.performed_by,
        performed_by_company=disposal.performed_by_company,
        certificate_id=disposal.certificate_id if disposal.certificate_id in visible else None,
        recorded_by=str(disposal.recorded_by),
        recorded_at=disposal.recorded_at,
        confirmed_by=str(disposal.confirmed_by) if disposal.confirmed_by else None,
        confirmed_at=disposal.confirmed_at,
    )


def _disposal_out(disposal: TerminalDisposal, visible: set[int]) -> DisposalOut:
    return DisposalOut(terminal_id=disposal.terminal_id, **_disposal_fields(disposal, visible))


def _medium_disposal_out(disposal: MediumDisposal, visible: set[int]) -> MediumDisposalOut:
    return MediumDisposalOut(medium_id=disposal.medium_id, **_disposal_fields(disposal, visible))


def _state(disposal: Disposal | None) -> TerminalState:
    if disposal is None:
        return TerminalState.STANDING
    return TerminalState.DISPOSED if disposal.is_confirmed else TerminalState.DISPOSAL_RECORDED


def _terminal_out(t: Any, visible: set[int]) -> TerminalStateOut:
    """A terminal annotated by the registry's selectors (latest test, life stage)."""
    disposal = selectors.disposal_of(t)
    return TerminalStateOut(
        id=t.pk,
        ref=t.ref,
        site_id=t.site_id,
        name=t.name,
        model_name=t.model_name,
        serial_number=t.serial_number,
        registered_at=t.registered_at,
        state=_state(disposal),
        life_stage=LifeStage(t.life_stage),
        set_up_on=t.set_up_on,
        in_use_since=t.in_use_since,
        latest_test_passed=t.latest_passed,
        latest_tested_on=t.latest_tested_on,
        disposal=_disposal_out(disposal, visible) if disposal else None,
    )


def _medium_out(m: RemovableMedium, visible: set[int]) -> MediumOut:
    disposal = selectors.disposal_of(m)
    return MediumOut(
        id=m.pk,
        ref=m.ref,
        site_id=m.site_id,
        kind=MediumKind(m.kind),
        vendor_id=m.vendor_id,
        product_id=m.product_id,
        serial_number=m.serial_number,
        capacity_gb=m.capacity_gb,
        custodian=m.custodian,
        usbguard_hash=m.usbguard_hash,
        terminal_ids=[t.pk for t in m.terminals.all()],
        unique_device=m.unique_device,
        registered_at=m.registered_at,
        state=_state(disposal),
        disposal=_medium_disposal_out(disposal, visible) if disposal else None,
    )


def _software_out(s: TerminalSoftware) -> SoftwareOut:
    return SoftwareOut(
        id=s.pk,
        terminal_id=s.terminal_id,
        terminal_ref=s.terminal.ref,
        name=s.name,
        vendor=s.vendor,
        version=s.version,
        sha256=s.sha256,
        authenticode_sha256=s.authenticode_sha256,
        signer=s.signer,
        preinstalled=s.preinstalled,
        state=SoftwareState(s.state),
        forbidden=s.state in workbook.FORBIDDEN_STATES,
    )


def _terminals_out(user: User, terminals: Sequence[Any]) -> list[TerminalStateOut]:
    disposals = [d for t in terminals if (d := selectors.disposal_of(t))]
    visible = selectors.certificates_visible_to(user, disposals)
    return [_terminal_out(t, visible) for t in terminals]


def _standing(items: Sequence[Any], include_disposed: bool) -> list[Any]:
    gone = DisposalState.CONFIRMED
    return [i for i in items if include_disposed or i.disposal_state != gone]


@router.get("/sites/{site_id}/terminals", response={200: list[TerminalStateOut], **READ_ERRORS})
def site_terminal_list(
    request: HttpRequest, site_id: int, include_disposed: bool = False
) -> list[TerminalStateOut]:
    """The site's terminals with their state (``standing``, ``disposal_recorded``, ``disposed``),
    by name; those disposed of (廃棄済) only with ``include_disposed``."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    terminals = selectors.site_registry_list(user=user, site=site)
    return _terminals_out(user, _standing(terminals, include_disposed))


@router.get("/sites/{site_id}/registry", response={200: SiteRegistryOut, **READ_ERRORS})
def site_registry(
    request: HttpRequest, site_id: int, include_disposed: bool = False
) -> SiteRegistryOut:
    """The site's registry: its terminals with their life stage, its removable media (with the
    terminals each may be used on) and the software on its terminals, each software marked
    ``forbidden`` when it is not to be started or used (起動・使用禁止). Terminals and media
    disposed of (廃棄済) only with ``include_disposed``."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    registry = selectors.site_registry_read(user=user, site=site)
    terminals = _standing(registry.terminals, include_disposed)
    media = _standing(registry.media, include_disposed)
    disposals = [d for item in (*terminals, *media) if (d := selectors.disposal_of(item))]
    visible = selectors.certificates_visible_to(user, disposals)
    return SiteRegistryOut(
        site_id=site.pk,
        site_ref=site.ref,
        terminals=[_terminal_out(t, visible) for t in terminals],
        media=[_medium_out(m, visible) for m in media],
        software=[_software_out(s) for s in registry.software],
    )


@router.get(
    "/sites/{site_id}/registry/export",
    response={200: None, **READ_ERRORS},
    openapi_extra={
        "responses": {200: {"description": "The registry as .xlsx", "content": {workbook.XLSX: {}}}}
    },
)
def site_registry_export(request: HttpRequest, site_id: int) -> HttpResponse:
    """The site's registry as an Excel workbook: terminals, removable media, software (three
    sheets; stable identifiers; 起動・使用禁止 software marked). Each export is ledgered."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    content = workbook.site_registry_export(user=user, site=site)
    response = HttpResponse(content, content_type=workbook.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{workbook.export_filename(site)}"'
    return response


def _terminal_read(user: User, terminal_id: int) -> TerminalStateOut:
    terminal = selectors.terminal_get_for(user=user, pk=terminal_id)
    row = selectors.site_registry_for(user=user, site=terminal.site).get(pk=terminal.pk)
    return _terminals_out(user, [row])[0]


@router.get("/terminals/{terminal_id}", response={200: TerminalStateOut, **READ_ERRORS})
def terminal_detail(request: HttpRequest, terminal_id: int) -> TerminalStateOut:
    return _terminal_read(request_user(request), terminal_id)


@router.post("/terminals/{terminal_id}/set-up", response={200: TerminalStateOut, **ERRORS})
def terminal_set_up(request: HttpRequest, terminal_id: int, payload: SetUpIn) -> TerminalStateOut:
    """The PSA or the delegate records the day the terminal was set up (セットアップ日; past or
    today; a date recorded before is corrected)."""
    user = request_user(request)
    terminal = selectors.terminal_get_for(user=user, pk=terminal_id)
    services.terminal_setup_record(terminal=terminal, actor=user, set_up_on=payload.set_up_on)
    return _terminal_read(user, terminal_id)


@router.get("/media/{medium_id}", response={200: MediumOut, **READ_ERRORS})
def medium_detail(request: HttpRequest, medium_id: int) -> MediumOut:
    user = request_user(request)
    medium = selectors.medium_get_for(user=user, pk=medium_id)
    row = selectors.site_media_for(user=user, site=medium.site).get(pk=medium.pk)
    disposal = selectors.disposal_of(row)
    return _medium_out(row, selectors.certificates_visible_to(user, [disposal] if disposal else []))


def _certificate(user: User, item: Terminal | RemovableMedium, certificate_id: int) -> Document:
    choices = selectors.certificate_choices(user=user, company_id=item.site.company_id)
    document = choices.filter(pk=certificate_id).first()
    if document is None:
        raise RuleViolation(
            _("Choose a document of this company's folder as the proof."),
            code="certificate_not_found",
            status=422,
            field="certificate_id",
        )
    return document


def _upload(file: UploadedFile | None, password: str) -> services.CertificateUpload:
    if file is None:
        raise RuleViolation(_("Choose a file to upload."), code="invalid", status=422, field="file")
    if file.size is not None and file.size > max_upload_bytes():
        raise too_large()
    return services.CertificateUpload(file.name or "", file.read(), password)


def _terminal_disposal_created(user: User, disposal: TerminalDisposal) -> Status[DisposalOut]:
    disposal = selectors.disposal_get_for(user=user, pk=disposal.pk)
    visible = selectors.certificates_visible_to(user, [disposal])
    return Status(201, _disposal_out(disposal, visible))


def _medium_disposal_created(user: User, disposal: MediumDisposal) -> Status[MediumDisposalOut]:
    disposal = selectors.medium_disposal_get_for(user=user, pk=disposal.pk)
    visible = selectors.certificates_visible_to(user, [disposal])
    return Status(201, _medium_disposal_out(disposal, visible))


def _terminal_to_dispose(user: User, terminal_id: int) -> Terminal:
    terminal = selectors.terminal_get_for(user=user, pk=terminal_id)
    require_permission(actor=user, action="terminal.dispose", obj=terminal)
    return terminal


def _medium_to_dispose(user: User, medium_id: int) -> RemovableMedium:
    medium = selectors.medium_get_for(user=user, pk=medium_id)
    require_permission(actor=user, action="medium.dispose", obj=medium)
    return medium


def _values(payload: DisposalIn) -> dict[str, Any]:
    return payload.model_dump(exclude={"certificate_id"})


@router.post("/terminals/{terminal_id}/disposal", response={201: DisposalOut, **ERRORS})
def terminal_disposal_record(
    request: HttpRequest, terminal_id: int, payload: DisposalIn
) -> Status[DisposalOut]:
    """The company's PSA records the terminal's disposal (基準 第6第6項第3号・第4号) with a
    document of the folder as its proof; the office then confirms it."""
    user = request_user(request)
    terminal = _terminal_to_dispose(user, terminal_id)
    disposal = services.terminal_disposal_record(
        terminal=terminal,
        actor=user,
        certificate=_certificate(user, terminal, payload.certificate_id),
        **_values(payload),
    )
    return _terminal_disposal_created(user, disposal)


@router.post("/terminals/{terminal_id}/disposal/upload", response={201: DisposalOut, **ERRORS})
def terminal_disposal_record_upload(
    request: HttpRequest,
    terminal_id: int,
    method: Form[DisposalMethod],
    disposed_on: Form[dt.date],
    performed_by: Form[str],
    performed_by_company: Form[str],
    method_other: Form[str] = "",
    password: Form[str] = "",
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # ninja builds the OpenAPI schema from this annotation at runtime: "| None" would publish the file as nullable
) -> Status[DisposalOut]:
    """The same record with its disposal certificate (廃棄証明書, a PDF) uploaded in the same
    call (multipart); the PDF is stored in the company's folder. Refusals store nothing."""
    user = request_user(request)
    terminal = _terminal_to_dispose(user, terminal_id)
    disposal = services.terminal_disposal_record(
        terminal=terminal,
        actor=user,
        method=method,
        method_other=method_other,
        disposed_on=disposed_on,
        performed_by=performed_by,
        performed_by_company=performed_by_company,
        upload=_upload(file, password),
    )
    return _terminal_disposal_created(user, disposal)


@router.post("/disposals/{disposal_id}/confirm", response={200: DisposalOut, **ERRORS})
def terminal_disposal_confirm(request: HttpRequest, disposal_id: int) -> DisposalOut:
    """The office's reviewer confirms the disposal: the terminal is 廃棄済 and leaves the site's
    registry. Confirmed already (by another reviewer at the same moment): 409."""
    user = request_user(request)
    disposal = selectors.disposal_get_for(user=user, pk=disposal_id)
    services.terminal_disposal_confirm(disposal=disposal, actor=user)
    disposal = selectors.disposal_get_for(user=user, pk=disposal_id)
    return _disposal_out(disposal, selectors.certificates_visible_to(user, [disposal]))


@router.post("/media/{medium_id}/disposal", response={201: MediumDisposalOut, **ERRORS})
def medium_disposal_record(
    request: HttpRequest, medium_id: int, payload: DisposalIn
) -> Status[MediumDisposalOut]:
    """The company's PSA records the disposal of a removable medium (可搬記憶媒体), as of a
    terminal, with a document of the folder as its proof; the office then confirms it."""
    user = request_user(request)
    medium = _medium_to_dispose(user, medium_id)
    disposal = services.medium_disposal_record(
        medium=medium,
        actor=user,
        certificate=_certificate(user, medium, payload.certificate_id),
        **_values(payload),
    )
    return _medium_disposal_created(user, disposal)


@router.post("/media/{medium_id}/disposal/upload", response={201: MediumDisposalOut, **ERRORS})
def medium_disposal_record_upload(
    request: HttpRequest,
    medium_id: int,
    method: Form[DisposalMethod],
    disposed_on: Form[dt.date],
    performed_by: Form[str],
    performed_by_company: Form[str],
    method_other: Form[str] = "",
    password: Form[str] = "",
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # as for a terminal's upload above
) -> Status[MediumDisposalOut]:
    """The medium's disposal with its certificate (a PDF) uploaded in the same call (multipart);
    the PDF is stored in the company's folder. Refusals store nothing."""
    user = request_user(request)
    medium = _medium_to_dispose(user, medium_id)
    disposal = services.medium_disposal_record(
        medium=medium,
        actor=user,
        method=method,
        method_other=method_other,
        disposed_on=disposed_on,
        performed_by=performed_by,
        performed_by_company=performed_by_company,
        upload=_upload(file, password),
    )
    return _medium_disposal_created(user, disposal)


@router.post(
    "/media/disposals/{medium_disposal_id}/confirm",
    response={200: MediumDisposalOut, **ERRORS},
)
def medium_disposal_confirm(request: HttpRequest, medium_disposal_id: int) -> MediumDisposalOut:
    """The office's reviewer confirms the medium's disposal: it is 廃棄済 and leaves the site's
    registry. Confirmed already: 409."""
    user = request_user(request)
    disposal = selectors.medium_disposal_get_for(user=user, pk=medium_disposal_id)
    services.medium_disposal_confirm(disposal=disposal, actor=user)
    disposal = selectors.medium_disposal_get_for(user=user, pk=medium_disposal_id)
    visible = selectors.certificates_visible_to(user, [disposal])
    return _medium_disposal_out(disposal, visible)
