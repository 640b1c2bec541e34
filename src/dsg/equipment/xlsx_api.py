"""The official .xlsx forms in the API: file a request by uploading a filled form, and read a
request written back into its form with the decisions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from dsg.core.errors import RuleViolation
from dsg.core.schemas import ERRORS, READ_ERRORS
from dsg.documents.services import max_upload_bytes, too_large
from dsg.orgs.auth import request_user
from dsg.orgs.selectors import site_get_for

from . import form_upload, selectors
from .workbook import FORMS, XLSX, FormError

router = Router(tags=["equipment"])


class FormErrorOut(Schema):
    """A refusal, with where in the workbook when it is known (sheet, worksheet row, column
    letter)."""

    detail: str
    code: str
    field: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None


class FiledRequestOut(Schema):
    id: int
    receipt_number: str
    kind: str
    state: str
    channel: str


class FormFilingOut(Schema):
    request: FiledRequestOut | None
    document_id: int
    helpdesk: list[str]


@router.post(
    "/sites/{site_id}/equipment-requests/xlsx",
    response={201: FormFilingOut, **ERRORS, 422: FormErrorOut},
)
def equipment_request_xlsx(
    request: HttpRequest,
    site_id: int,
    kind: Form[str] = "",
    password: Form[str] = "",
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # ninja builds the OpenAPI schema from this annotation at runtime: "| None" would publish the file as nullable
) -> Status[FormFilingOut | FormErrorOut]:
    """File a request by uploading the site's filled-in form (multipart ``file``; ``password``
    for a protected workbook; ``kind``: terminal, software or medium, empty for the form's own).
    Whole or nothing: a refusal (422) names the sheet, row and column and files and stores
    nothing."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    if file is None:
        raise RuleViolation(_("Choose a file to upload."), code="invalid", status=422, field="file")
    if file.size is not None and file.size > max_upload_bytes():
        raise too_large()
    try:
        filing = form_upload.request_file_xlsx(
            site=site,
            actor=user,
            filename=file.name or "",
            data=file.read(),
            password=password,
            kind=kind,
        )
    except FormError as refusal:
        return Status(
            422,
            FormErrorOut(
                detail=str(refusal.message),
                code=refusal.code,
                field=refusal.field,
                sheet=refusal.sheet or None,
                row=refusal.row,
                column=refusal.column or None,
            ),
        )
    filed = filing.request
    return Status(
        201,
        FormFilingOut(
            request=FiledRequestOut(
                id=filed.pk,
                receipt_number=filed.receipt_number,
                kind=filed.kind,
                state=filed.state,
                channel=filed.channel,
            )
            if filed is not None
            else None,
            document_id=filing.document.pk,
            helpdesk=[ticket.number for ticket in filing.helpdesk],
        ),
    )


@router.get(
    "/equipment-requests/{equipment_request_id}/form.xlsx",
    response={200: None, **READ_ERRORS},
    openapi_extra={
        "responses": {
            200: {"description": "The request as its filled-in form", "content": {XLSX: {}}}
        }
    },
)
def equipment_request_form(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    """The request written back into its form: the 受付番号 and each line's decision (承認 /
    却下 / 審査中) with its reason."""
    user = request_user(request)
    filed = selectors.request_get_for(user, equipment_request_id)
    response = HttpResponse(
        form_upload.request_form_filed(request=filed, actor=user), content_type=XLSX
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{FORMS[filed.kind].title}_{filed.receipt_number}.xlsx"
    )
    return response
