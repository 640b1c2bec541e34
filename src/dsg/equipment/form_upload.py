"""Use cases of the official .xlsx forms (§5①②: the forms are stored in the 申請書等格納フォルダ
and the office told): a site's blank form, the filed form written back with its decisions, and a
request filed by uploading a filled form.

Filing from a form is whole or nothing, in one transaction: the upload is checked as every upload
of the folder is (before anything is written), read with calamine, every row checked as a line
by ``request_file``; then the form is stored in the company's folder (kind 申請書 — the office is
told, 「格納した旨を連絡」) and the request filed with the stored form as its ``form_document``.
Both happen inside one ``transaction.atomic`` (the request filed in it, without a savepoint of
its own: ``request_file_in_transaction``): a row that fails rolls back the document's row,
its ledger event, the storage report and its mail; the encrypted file written for it is removed
by the documents' storage when its transaction rolls back (``storage.store``). A refused form
leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.documents.excel import OLE_MAGIC, decrypt_workbook, read_workbook
from dsg.documents.folder import folder_document_store
from dsg.documents.models import Document, DocumentKind
from dsg.documents.services import max_upload_bytes, too_large
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission
from dsg.registry.selectors import media_standing, terminals_standing

from . import workbook
from .checks import LineError
from .models import Channel, EquipmentRequest, HelpdeskRequest, RequestKind
from .selectors import lines_of
from .services.filing import request_file_in_transaction
from .workbook import FilledForm, FormError

# The folder's kind for the forms: the documents app's Excel request form (申請書, Excel).
FORM_DOCUMENT_KIND = DocumentKind.REQUEST_FORM


def request_form_blank(*, site: Site, kind: str, actor: User) -> bytes:
    """The blank form of ``kind`` for ``site`` (its header filled in, the site's standing
    terminals and media listed), for the PSA who files; the read goes to the ledger."""
    require_permission(actor=actor, action="equipment_request.file", obj=site)
    kind = RequestKind(kind)
    terminals = list(terminals_standing(site))
    media = list(media_standing(site))
    data = workbook.blank_form(
        site=site, kind=kind, applicant=actor, terminals=terminals, media=media
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="equipment_request.form_blank",
            obj=site,
            company_id=site.company_id,
            after={"kind": kind, "terminals": len(terminals), "media": len(media)},
        )
    return data


def request_form_filed(*, request: EquipmentRequest, actor: User) -> bytes:
    """The request (as ``actor`` sees it) written back into its form with the 受付番号 and each
    line's decision; the read goes to the ledger."""
    data = workbook.filed_form(request=request, lines=lines_of(actor, request))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="equipment_request.form_read",
            obj=request,
            company_id=request.site.company_id,
            after={"receipt_number": request.receipt_number},
        )
    return data


@dataclass
class FormFiling:
    """What a form filed: the request (None when every line was whitelisted software), the
    helpdesk requests opened instead, and the form as stored in the folder."""

    request: EquipmentRequest | None
    document: Document
    helpdesk: list[HelpdeskRequest] = field(default_factory=list)


def request_file_xlsx(
    *,
    site: Site,
    actor: User,
    filename: str,
    data: bytes,
    password: str = "",
    kind: str = "",
) -> FormFiling:
    """The PSA files a request for ``site`` by uploading its filled form (``kind``: the kind
    chosen for the upload; empty, the form's own). Every row is checked; the first refusal is
    raised naming the sheet, the row and the column, and nothing is filed or stored."""
    require_permission(actor=actor, action="equipment_request.file", obj=site)
    if kind and kind not in RequestKind.values:
        raise RuleViolation(
            _("Choose the kind of request."), code="invalid_kind", status=422, field="kind"
        )
    filled = form_read(site=site, data=data, password=password, kind=kind)
    try:
        with transaction.atomic():
            document = folder_document_store(
                actor=actor,
                company=site.company,
                kind=FORM_DOCUMENT_KIND,
                filename=filename,
                data=data,
                password=password,
            )
            filing = request_file_in_transaction(  # in this transaction: no savepoint
                site=site,
                actor=actor,
                kind=filled.form.kind,
                purpose=filled.purpose,
                lines=filled.lines,
                channel=Channel.XLSX,
                form_document=document,
            )
    except LineError as refusal:
        raise _at_line(filled, refusal) from refusal
    except RuleViolation as refusal:
        located = _at_header(filled, refusal)
        if located is None:
            raise
        raise located from refusal
    return FormFiling(request=filing.request, document=document, helpdesk=filing.helpdesk)


def form_read(*, site: Site, data: bytes, password: str = "", kind: str = "") -> FilledForm:
    """The checked workbook read as a form for ``site`` (nothing written): hostile or damaged
    files, a wrong password, another form or another site's form are refused here."""
    if not data:
        raise RuleViolation(_("The file is empty."), code="file_empty", status=422, field="file")
    if len(data) > max_upload_bytes():
        raise too_large()
    if data.startswith(OLE_MAGIC) and password:
        data = decrypt_workbook(data, password)  # then checked like any .xlsx
    # The forms' sheets only: 記入例 and the site's list are for the person filling it in.
    sheets = read_workbook(data, sheets=workbook.SHEET_KINDS)
    filled = workbook.read_form(sheets, workbook.form_kind(sheets, kind))
    workbook.check_header(filled, site=site)
    if len(filled.lines) > workbook.LINES_MAX:
        raise FormError(
            workbook.in_sheet(
                filled.form.sheet,
                _("The form has {count} lines; a request has at most {limit}.").format(
                    count=len(filled.lines), limit=workbook.LINES_MAX
                ),
            ),
            code="form_too_many_lines",
            sheet=filled.form.sheet,
        )
    return filled


def _at_line(filled: FilledForm, refusal: LineError) -> FormError:
    sheet = filled.form.sheet
    row, column, header = filled.where(line=refusal.line, field_name=refusal.field or "")
    message = (
        workbook.at_cell(sheet, row, column, header, refusal.message)
        if column
        else _('Sheet "{sheet}", row {row}: {message}').format(
            sheet=sheet, row=row, message=refusal.message
        )
    )
    return FormError(message, code=refusal.code, sheet=sheet, row=row, column=column)


def _at_header(filled: FilledForm, refusal: RuleViolation) -> FormError | None:
    """A refusal of the header's 申請理由 or of the lines as a whole, placed in the sheet; any
    other (the site, the role, the file) is raised as it is."""
    sheet = filled.form.sheet
    if refusal.field == "purpose":
        cell = filled.item_cell(workbook.PURPOSE)
        return FormError(
            workbook.at_item(sheet, cell, workbook.PURPOSE, refusal.message),
            code=refusal.code,
            sheet=sheet,
            row=filled.item_row(workbook.PURPOSE),
            column="B",
        )
    if refusal.field == "lines":
        return FormError(workbook.in_sheet(sheet, refusal.message), code=refusal.code, sheet=sheet)
    return None
