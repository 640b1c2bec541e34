"""Notices the office issues (現地確認結果通知書, 加入完了通知書): rendered, signed, verifiable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.core.schemas import ERRORS, READ_ERRORS, Error
from dsg.core.wareki import wareki
from dsg.orgs.auth import request_user

from . import selectors
from .models import Notice, NoticeKind
from .verify import notice_verify
from .views import VERIFY_MAX_BYTES, notice_pdf_of

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    subject_type: str
    subject_id: int
    enrollment_id: int | None
    pending: bool
    kind: NoticeKind
    kind_label: str
    number: str
    issued_at: dt.datetime
    issued_on_wareki: str
    sha256: str
    pdf_url: str

    @staticmethod
    def resolve_subject_type(obj: Notice) -> str:
        return selectors.subject_of(obj)[0]

    @staticmethod
    def resolve_enrollment_id(obj: Notice) -> int | None:
        key, pk = selectors.subject_of(obj)
        return pk if key == "enrollment" else None

    @staticmethod
    def resolve_pending(obj: Notice) -> bool:
        """The PDF is still being rendered and signed (``sha256`` is empty until then)."""
        return bool(obj.is_pending)

    @staticmethod
    def resolve_kind_label(obj: Notice) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_issued_on_wareki(obj: Notice) -> str:
        return wareki(timezone.localtime(obj.issued_at).date())

    @staticmethod
    def resolve_sha256(obj: Notice) -> str:
        # Empty while pending (its PDF is being rendered and signed).
        return "" if obj.document is None else str(obj.document.sha256)

    @staticmethod
    def resolve_pdf_url(obj: Notice) -> str:
        return f"/api/v1/notices/{obj.pk}/pdf"


class NoticeDetailOut(NoticeOut):
    snapshot: dict[str, Any]


class VerifyOut(Schema):
    ok: bool
    sha256: str
    signed: bool
    intact: bool
    valid: bool
    trusted: bool
    whole_file: bool
    signer: str
    signed_at: str
    number: str
    record_checked: bool
    record_found: bool
    hash_matches: bool
    problems: list[str]


@router.get("/enrollments/{enrollment_id}/notices", response={200: list[NoticeOut], **READ_ERRORS})
def notice_list(request: HttpRequest, enrollment_id: int) -> list[Notice]:
    user = request_user(request)
    case = subjects.subject_get_for("enrollment", user=user, pk=enrollment_id)
    return list(selectors.notices_of_subject_for(user=user, subject=case))


@router.post("/notices/verify", response={200: VerifyOut, **ERRORS})
def notice_verify_upload(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """Check an uploaded notice PDF: the office's signature over the whole file and the record."""
    if file.size is not None and file.size > VERIFY_MAX_BYTES:
        raise RuleViolation(_("The file is too large."), code="too_large", status=422, field="file")
    return notice_verify(file.read()).as_dict()


@router.get("/notices/{notice_id}", response={200: NoticeDetailOut, **READ_ERRORS})
def notice_detail(request: HttpRequest, notice_id: int) -> Notice:
    return selectors.notice_get_for(user=request_user(request), pk=notice_id)


@router.get(
    "/notices/{notice_id}/pdf",
    response={200: None, **READ_ERRORS, 409: Error},
    openapi_extra={
        "responses": {
            200: {
                "description": "The signed PDF (409 while it is being rendered and signed)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def notice_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = request_user(request)
    notice = selectors.notice_get_for(user=user, pk=notice_id)
    data, filename = notice_pdf_of(notice, user)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
