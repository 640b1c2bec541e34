"""The document folder in the API: list, upload (multipart), metadata and content (ledgered)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from dsg.core import subjects
from dsg.core.api_enums import code_labels
from dsg.core.errors import RuleViolation
from dsg.core.pagination import MAX_OFFSET, LimitOffsetPagination
from dsg.core.schemas import ERRORS, READ_ERRORS
from dsg.orgs.auth import request_user

from . import folder, selectors, services
from .folder_views import zip_response
from .models import Document, DocumentKind, StorageReport
from .pdf import MESSAGES as PDF_MESSAGES
from .selectors import NO_SUBJECT, FolderFilter
from .views import file_response

router = Router(tags=["documents"])

Kind = enum.Enum(  # type: ignore[misc]  # mypy reads Enum members only from a literal; these come from the model
    "Kind", {value: value for value in DocumentKind.values}, type=str
)
code_labels(Kind, DocumentKind.choices)


class DocumentOut(Schema):
    id: int
    subject_type: str | None
    subject_id: int | None
    enrollment_id: int | None
    kind: Kind
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


def subject_upload_store(
    *,
    actor: Any,
    subject: Any,
    kind: str,
    password: str,
    dated_on: dt.date | None,
    file: UploadedFile | None,
) -> Document:
    """An uploaded file stored in the folder for ``subject`` (any subject type): refused when
    missing or too large before it is read, then checked and stored — the office is told."""
    if file is None:
        raise RuleViolation(_("Choose a file to upload."), code="invalid", status=422, field="file")
    if file.size is not None and file.size > services.max_upload_bytes():
        raise services.too_large()
    return folder.folder_document_store(
        actor=actor,
        company=subjects.subject_type_of(subject).company(subject),
        subject=subject,
        kind=kind,
        filename=file.name or "",
        data=file.read(),
        password=password,
        dated_on=dated_on,
    )


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
    document = subject_upload_store(
        actor=user, subject=case, kind=kind, password=password, dated_on=dated_on, file=file
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
                # What an upload is stored as (services._validate): PDF, .xlsx, JPEG or PNG.
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in ("application/pdf", services.XLSX, "image/jpeg", "image/png")
                },
            }
        }
    },
)
def document_content(request: HttpRequest, document_id: int) -> HttpResponse:
    user = request_user(request)
    document = selectors.document_get_for(user, document_id)
    return file_response(document, services.document_read(document=document, actor=user))


# The company's whole folder (申請書等格納フォルダ) -----------------------------------------------

# The kinds of subject a document is filed for, as registered when Django started, and "none".
SubjectKey = enum.Enum(  # type: ignore[misc]  # mypy reads Enum members only from a literal; these come from the registry
    "SubjectKey",
    {key: key for key in [*sorted(t.key for t in subjects.subject_types()), NO_SUBJECT]},
    type=str,
)
# Every code a refusal of the folder's operations answers with (the "code" of the error body).
FOLDER_CODES = sorted(
    {
        "unauthenticated",
        "not_found",
        "forbidden",
        "invalid",
        "invalid_json",
        "csrf_failed",
        "file_empty",
        "file_too_large",
        "dated_on_required",
        "dated_on_future",
        "document_integrity",
        "zip_empty",
        "zip_too_many",
        "report_seen",
        "excel_ole",
        "excel_xls",
        "excel_not_xlsx",
        "excel_corrupt",
        "excel_too_large_unpacked",
        "excel_too_many_parts",
        "excel_macros",
        "excel_xml_entities",
        "excel_wrong_password",
        "excel_too_complex",
        *(f"pdf_{code}" for code in PDF_MESSAGES),
        "image_too_large",
        "image_invalid",
    }
)
FolderCode = enum.Enum(  # type: ignore[misc]  # mypy reads Enum members only from a literal; these are the codes above
    "FolderCode", {code: code for code in FOLDER_CODES}, type=str
)


class FolderError(Schema):
    detail: str
    code: FolderCode
    field: str | None = None


FOLDER_ERRORS = {status: FolderError for status in (401, 403, 404, 409, 422)}
FOLDER_READ_ERRORS = {status: FolderError for status in (401, 404, 422)}


class SubjectOut(Schema):
    type: SubjectKey
    id: int
    number: str
    label: str
    url: str


class ReaderOut(Schema):
    name: str
    last_read_at: dt.datetime
    times: int


class FolderDocumentOut(Schema):
    id: int
    company_id: int
    kind: Kind
    kind_label: str
    filename: str
    content_type: str
    size: int
    sha256: str
    password_protected: bool
    received_by_mail: bool
    uploaded_by: str
    uploaded_at: dt.datetime
    subject: SubjectOut | None
    read_by: list[ReaderOut]
    content_url: str

    @staticmethod
    def resolve_kind_label(obj: Document) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_uploaded_by(obj: Document) -> str:
        return str(obj.uploaded_by)

    @staticmethod
    def resolve_subject(obj: Document) -> Any:
        ref = selectors.subject_ref(obj.subject)
        return None if ref is None else {**ref.__dict__, "type": ref.key}

    @staticmethod
    def resolve_read_by(obj: Document) -> list[selectors.Reader]:
        return getattr(obj, "read_by", [])

    @staticmethod
    def resolve_content_url(obj: Document) -> str:
        return f"/api/v1/documents/{obj.pk}/content"


class FolderQuery(Schema):
    kind: Kind | None = None
    subject_type: SubjectKey | None = None
    subject_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def folder_filter(self) -> FolderFilter:
        return FolderFilter(
            kind=self.kind.value if self.kind else "",
            subject_type=self.subject_type.value if self.subject_type else "",
            subject_id=self.subject_id,
            since=self.since,
            until=self.until,
        )


class FolderListQuery(FolderQuery):
    limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)  # past it a 422, not the database's overflow


class FolderPage(Schema):
    items: list[FolderDocumentOut]
    count: int


@router.get(
    "/companies/{company_id}/folder",
    response={200: FolderPage, **FOLDER_READ_ERRORS},
)
def folder_list(
    request: HttpRequest, company_id: int, filters: Query[FolderListQuery]
) -> dict[str, Any]:
    """Every document of the company's folder the caller may see, newest first, a page at a
    time: its kind, the case or request it was filed for, who stored it and when, and who has
    read it (from the audit ledger). The company's people ask for their own company, the office
    for any; the provider for none (404). Filters: ``kind``, ``subject_type`` (``none``: filed
    for no case) with ``subject_id``, ``since`` and ``until`` (days it was stored, Japan time)."""
    user = request_user(request)
    company = selectors.folder_company_get_for(user, company_id)
    documents = selectors.folder_documents_for(user, company, filters.folder_filter())
    rows = list(documents[filters.offset : filters.offset + filters.limit])
    readers = selectors.readers_of(rows)  # one ledger query for the page
    for row in rows:
        row.read_by = readers.get(row.pk, [])  # type: ignore[attr-defined]
    return {"items": rows, "count": documents.count()}


@router.post(
    "/companies/{company_id}/folder",
    response={201: FolderDocumentOut, **FOLDER_ERRORS},
)
def folder_upload(
    request: HttpRequest,
    company_id: int,
    kind: Form[str] = "",
    password: Form[str] = "",
    dated_on: Form[dt.date | None] = None,
    received_by_mail: Form[bool] = False,
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # see document_upload
) -> Status[Document]:
    """Store a file in the company's folder, for no case (multipart: kind, file, password).

    A PDF, or an Excel workbook (.xlsx) for the Excel forms; a password-protected PDF or .xlsx
    with the ``password`` that opens it (stored protected, the password encrypted). Storing
    tells the office (a mail and an item in the reviewers' queue). A reviewer stores a file the
    company mailed with ``received_by_mail=true``, on its behalf. Refusals store nothing.
    """
    user = request_user(request)
    company = selectors.folder_company_get_for(user, company_id)
    if file is None:
        raise RuleViolation(_("Choose a file to upload."), code="invalid", status=422, field="file")
    if file.size is not None and file.size > services.max_upload_bytes():
        raise services.too_large()
    document = folder.folder_document_store(
        actor=user,
        company=company,
        kind=kind,
        filename=file.name or "",
        data=file.read(),
        password=password,
        dated_on=dated_on,
        received_by_mail=received_by_mail,
    )
    document.read_by = []  # type: ignore[attr-defined]
    return Status(201, document)


@router.get(
    "/companies/{company_id}/folder/zip",
    response={200: None, **FOLDER_READ_ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "The documents as one ZIP, streamed; each file's read is in the "
                "audit ledger as a single download's is",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def folder_zip(
    request: HttpRequest,
    company_id: int,
    filters: Query[FolderQuery],
    document: Query[list[int]] = None,  # type: ignore[assignment]  # ninja: a list query parameter
) -> StreamingHttpResponse:
    """The documents ``document`` (repeated; each must be one the caller may read, else 404),
    or without it the folder as the filters narrow it; at most 200 (else 422)."""
    user = request_user(request)
    company = selectors.folder_company_get_for(user, company_id)
    chosen = selectors.folder_selection(
        user,
        company,
        ids=list(document or []),
        filters=filters.folder_filter(),
        limit=folder.ZIP_MAX_DOCUMENTS,
    )
    return zip_response(folder.documents_zip(documents=chosen, actor=user), company)


class StorageReportOut(Schema):
    id: int
    company_id: int
    company_name: str
    document: FolderDocumentOut
    reported_at: dt.datetime
    seen_by: str | None
    seen_at: dt.datetime | None

    @staticmethod
    def resolve_company_name(obj: StorageReport) -> str:
        return obj.company.name

    @staticmethod
    def resolve_seen_by(obj: StorageReport) -> str | None:
        return str(obj.seen_by) if obj.seen_by_id else None


@router.get("/folder-reports", response={200: list[StorageReportOut], **FOLDER_READ_ERRORS})
@paginate(LimitOffsetPagination)
def storage_report_list(request: HttpRequest, unseen: bool = True) -> QuerySet[StorageReport]:
    """The office's queue of documents companies stored (「格納した旨を連絡」): unseen, oldest
    first; ``unseen=false`` for every report, newest first. Empty for anyone but the office."""
    return selectors.storage_reports_for(request_user(request), unseen=unseen)


@router.post(
    "/folder-reports/{report_id}/seen",
    response={200: StorageReportOut, **FOLDER_ERRORS},
)
def storage_report_seen(request: HttpRequest, report_id: int) -> StorageReport:
    """A reviewer marks a report seen (ledgered); a second time answers 409."""
    user = request_user(request)
    report = selectors.storage_report_get_for(user, report_id)
    return folder.storage_report_mark_seen(report=report, actor=user)
