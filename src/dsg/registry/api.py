"""The site registry in the API: a site's terminals with their state, a terminal, its disposal
(recorded by the company's PSA, confirmed by the office's reviewer)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from dsg.core.errors import RuleViolation
from dsg.core.schemas import ERRORS, READ_ERRORS
from dsg.documents.models import Document
from dsg.documents.services import max_upload_bytes, too_large
from dsg.orgs.auth import request_user
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission
from dsg.orgs.selectors import site_get_for

from . import selectors, services
from .models import DisposalMethod, DisposalState, Terminal, TerminalDisposal

router = Router(tags=["registry"])


class TerminalState(enum.StrEnum):
    """Where a terminal stands: in the registry, its disposal awaiting the office, or 廃棄済."""

    STANDING = "standing"
    DISPOSAL_RECORDED = "disposal_recorded"
    DISPOSED = "disposed"


class DisposalOut(Schema):
    id: int
    terminal_id: int
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


class TerminalStateOut(Schema):
    id: int
    site_id: int
    name: str
    model_name: str
    serial_number: str
    registered_at: dt.datetime
    state: TerminalState
    disposal: DisposalOut | None


class DisposalIn(Schema):
    """The proof is a document already in the company's folder (``certificate_id``); to upload
    one with the record, use the multipart operation ``…/disposal/upload``."""

    method: DisposalMethod
    method_other: str = Field("", max_length=200)
    disposed_on: dt.date
    performed_by: str = Field(max_length=100)
    performed_by_company: str = Field(max_length=200)
    certificate_id: int


def _disposal_out(disposal: TerminalDisposal, visible: set[int]) -> DisposalOut:
    return DisposalOut(
        id=disposal.pk,
        terminal_id=disposal.terminal_id,
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


def _state(disposal: TerminalDisposal | None) -> TerminalState:
    if disposal is None:
        return TerminalState.STANDING
    return TerminalState.DISPOSED if disposal.is_confirmed else TerminalState.DISPOSAL_RECORDED


def _terminals_out(user: User, terminals: Sequence[Terminal]) -> list[TerminalStateOut]:
    disposals = {t.pk: selectors.disposal_of(t) for t in terminals}
    visible = selectors.certificates_visible_to(user, [d for d in disposals.values() if d])
    return [
        TerminalStateOut(
            id=t.pk,
            site_id=t.site_id,
            name=t.name,
            model_name=t.model_name,
            serial_number=t.serial_number,
            registered_at=t.registered_at,
            state=_state(disposals[t.pk]),
            disposal=_disposal_out(d, visible) if (d := disposals[t.pk]) else None,
        )
        for t in terminals
    ]


@router.get("/sites/{site_id}/terminals", response={200: list[TerminalStateOut], **READ_ERRORS})
def site_terminal_list(
    request: HttpRequest, site_id: int, include_disposed: bool = False
) -> list[TerminalStateOut]:
    """The site's terminals with their state (``standing``, ``disposal_recorded``, ``disposed``),
    by name; those disposed of (廃棄済) only with ``include_disposed``."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    terminals = list(selectors.site_registry_for(user=user, site=site))
    if not include_disposed:
        terminals = [t for t in terminals if t.disposal_state != DisposalState.CONFIRMED]
    return _terminals_out(user, terminals)


@router.get("/terminals/{terminal_id}", response={200: TerminalStateOut, **READ_ERRORS})
def terminal_detail(request: HttpRequest, terminal_id: int) -> TerminalStateOut:
    user = request_user(request)
    terminal = selectors.terminal_get_for(user=user, pk=terminal_id)
    return _terminals_out(user, [terminal])[0]


def _certificate(user: User, terminal: Terminal, certificate_id: int) -> Document:
    choices = selectors.certificate_choices(user=user, company_id=terminal.site.company_id)
    document = choices.filter(pk=certificate_id).first()
    if document is None:
        raise RuleViolation(
            _("Choose a document of this company's folder as the proof."),
            code="certificate_not_found",
            status=422,
            field="certificate_id",
        )
    return document


def _disposal_created(user: User, disposal: TerminalDisposal) -> Status[DisposalOut]:
    disposal = selectors.disposal_get_for(user=user, pk=disposal.pk)
    visible = selectors.certificates_visible_to(user, [disposal])
    return Status(201, _disposal_out(disposal, visible))


@router.post("/terminals/{terminal_id}/disposal", response={201: DisposalOut, **ERRORS})
def terminal_disposal_record(
    request: HttpRequest, terminal_id: int, payload: DisposalIn
) -> Status[DisposalOut]:
    """The company's PSA records the terminal's disposal (基準 第6第6項第3号・第4号) with a
    document of the folder as its proof; the office then confirms it."""
    user = request_user(request)
    terminal = selectors.terminal_get_for(user=user, pk=terminal_id)
    require_permission(actor=user, action="terminal.dispose", obj=terminal)
    disposal = services.terminal_disposal_record(
        terminal=terminal,
        actor=user,
        method=payload.method,
        method_other=payload.method_other,
        disposed_on=payload.disposed_on,
        performed_by=payload.performed_by,
        performed_by_company=payload.performed_by_company,
        certificate=_certificate(user, terminal, payload.certificate_id),
    )
    return _disposal_created(user, disposal)


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
    terminal = selectors.terminal_get_for(user=user, pk=terminal_id)
    require_permission(actor=user, action="terminal.dispose", obj=terminal)
    if file is None:
        raise RuleViolation(_("Choose a file to upload."), code="invalid", status=422, field="file")
    if file.size is not None and file.size > max_upload_bytes():
        raise too_large()
    disposal = services.terminal_disposal_record(
        terminal=terminal,
        actor=user,
        method=method,
        method_other=method_other,
        disposed_on=disposed_on,
        performed_by=performed_by,
        performed_by_company=performed_by_company,
        upload=services.CertificateUpload(file.name or "", file.read(), password),
    )
    return _disposal_created(user, disposal)


@router.post("/disposals/{disposal_id}/confirm", response={200: DisposalOut, **ERRORS})
def terminal_disposal_confirm(request: HttpRequest, disposal_id: int) -> DisposalOut:
    """The office's reviewer confirms the disposal: the terminal is 廃棄済 and leaves the site's
    registry. Confirmed already (by another reviewer at the same moment): 409."""
    user = request_user(request)
    disposal = selectors.disposal_get_for(user=user, pk=disposal_id)
    services.terminal_disposal_confirm(disposal=disposal, actor=user)
    disposal = selectors.disposal_get_for(user=user, pk=disposal_id)
    return _disposal_out(disposal, selectors.certificates_visible_to(user, [disposal]))
