"""The document folder in the API: list, upload (multipart), metadata and content (ledgered)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.core.schemas import ERRORS, READ_ERRORS
from dsg.orgs.auth import request_user

from . import selectors, services
from .models import Document
from .views import file_response

router = Router(tags=["documents"])


class DocumentOut(Schema):
    id: int
    subject_type: str | None
    subject_id: int | None
    enrollment_id: int | None
    kind: str
    kind_label: str
    filename: str
    content_type: str
    size: int
    sha256: str
    password_protected: bool
    dated_on: dt.date | None
    is_current: bool
    uploaded_by: str
    uploaded_at: dt.datetime
    content_url: str

    @staticmethod
    def resolve_subject_type(obj: Document) -> str | None:
        return selectors.subject_key(obj)

    @staticmethod
    def resolve_enrollment_id(obj: Document) -> int | None:
        """The case the document was filed for (``subject_id`` of an "enrollment" subject)."""
        return obj.subject_id if selectors.subject_key(obj) == "enrollment" else None

    @staticmethod
    def resolve_kind_label(obj: Document) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_uploaded_by(obj: Document) -> str:
        return str(obj.uploaded_by)

    @staticmethod
    def resolve_content_url(obj: Document) -> str:
        return f"/api/v1/documents/{obj.pk}/content"


@router.get(
    "/enrollments/{enrollment_id}/documents",
    response={200: list[DocumentOut], **READ_ERRORS},
)
@paginate(LimitOffsetPagination)
def document_list(request: HttpRequest, enrollment_id: int) -> QuerySet[Document]:
    """The case's documents the caller may see, newest first, a page at a time."""
    user = request_user(request)
    case = subjects.subject_get_for("enrollment", user=user, pk=enrollment_id)
    return selectors.documents_for(user, case)


@router.post("/enrollments/{enrollment_id}/documents", response={201: DocumentOut, **ERRORS})
def document_upload(
    request: HttpRequest,
    enrollment_id: int,
    kind: Form[str] = "",
    password: Form[str] = "",
    dated_on: Form[dt.date | None] = None,
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # ninja builds the OpenAPI schema from this annotation at runtime: "| None" would publish the file as nullable
) -> Status[Document]:
    """Store a file (multipart: kind, file, password for a protected PDF, dated_on).

    PDF for every kind but inspection photos (JPEG/PNG); an Excel workbook (.xlsx) too for the
    kinds that are Excel forms. An audit-result notice (``audit_result``) needs ``dated_on``,
    the date printed on it (YYYY-MM-DD, not in the future): of several, the one with the latest
    date counts (``is_current``). Refusals answer 422 and store nothing.
    """
    user = request_user(request)
    case = subjects.subject_get_for("enrollment", user=user, pk=enrollment_id)
    if file is None:
        raise RuleViolation(_("Choose a file to upload."), code="invalid", status=422, field="file")
    if file.size is not None and file.size > services.max_upload_bytes():
        raise services.too_large()
    document = services.document_store(
        actor=user,
        company=subjects.subject_type_of(case).company(case),
        subject=case,
        kind=kind,
        filename=file.name or "",
        data=file.read(),
        password=password,
        dated_on=dated_on,
    )
    return Status(201, document)


@router.get("/documents/{document_id}", response={200: DocumentOut, **READ_ERRORS})
def document_detail(request: HttpRequest, document_id: int) -> Document:
    return selectors.document_get_for(request_user(request), document_id)


@router.get(
    "/documents/{document_id}/content",
    response={200: None, **READ_ERRORS, 409: ERRORS[409]},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file as uploaded (decrypted); the read is in the audit ledger",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def document_content(request: HttpRequest, document_id: int) -> HttpResponse:
    user = request_user(request)
    document = selectors.document_get_for(user, document_id)
    return file_response(document, services.document_read(document=document, actor=user))
