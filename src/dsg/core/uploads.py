"""Uploads are refused by size while they stream, not after they were spooled to /tmp.

- ``RequestSizeLimitMiddleware``: a request body declared larger than ``DSG_MAX_REQUEST_BYTES`` is
  answered 413 before a byte of it is read (JSON ``{detail, code}`` on the API).
- ``CappedUploadHandler``, first of ``FILE_UPLOAD_HANDLERS``: each file of a multipart body is
  passed on to Django's handlers (memory, then a temporary file) only up to
  ``DSG_MAX_UPLOAD_BYTES`` — the limit the documents service applies too. Past it, the rest is
  read and dropped, what was spooled is closed (and so deleted), and the file arrives as a
  ``RefusedUpload``: its ``size`` is past the limit, so the size checks of the forms and API
  answer as before, and reading it raises the same refusal (``file_too_large``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any, NoReturn
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.html import escape
from django.utils.translation import gettext as _

from .errors import RuleViolation


def max_upload_bytes() -> int:
    """The largest file accepted (DSG_MAX_UPLOAD_BYTES), the documents service's limit too."""
    return int(getattr(settings, "DSG_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def max_request_bytes() -> int:
    return int(getattr(settings, "DSG_MAX_REQUEST_BYTES", 4 * max_upload_bytes()))


def _file_message() -> str:
    return _("The file is too large: at most {limit} can be uploaded.").format(
        limit=filesizeformat(max_upload_bytes())
    )


def _request_message() -> str:
    return _("The upload is too large: at most {limit} can be sent at once.").format(
        limit=filesizeformat(max_request_bytes())
    )


class UploadTooLarge(RuleViolation):
    """A file past the limit: nothing of it was kept, nothing was changed."""

    def __init__(self) -> None:
        super().__init__(
            lazy(_file_message, str)(), code="file_too_large", status=422, field="file"
        )


class RefusedUpload(UploadedFile):
    """What arrives in ``request.FILES`` for a file cut off at the limit: its name and the size
    seen (past the limit); its content cannot be read."""

    def __init__(self, *, name: str, content_type: str, size: int, **extra: Any) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, **extra)

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise UploadTooLarge()

    read = readline = readlines = open = _refuse

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        self._refuse()

    def __iter__(self) -> Iterator[bytes]:
        self._refuse()


class CappedUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            self.refused = True
        return None if self.refused else raw_data  # None: the handlers after this get nothing

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.refused:
            return None  # the next handler (memory or temporary file) completes the file
        for handler in getattr(self.request, "upload_handlers", []):
            spooled = getattr(handler, "file", None)
            if handler is not self and spooled is not None:
                spooled.close()  # a temporary file is deleted when closed
        return RefusedUpload(
            name=self.file_name or "",
            content_type=self.content_type or "application/octet-stream",
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _same_origin_referer(request: HttpRequest) -> str | None:
    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    if referer and parts.netloc == request.get_host() and parts.scheme in ("http", "https"):
        return referer
    return None


def refusal_response(request: HttpRequest, error: RuleViolation, status: int) -> HttpResponse:
    """The refusal as the API answers (JSON) or as a page does (back to the form, the message
    shown there; a plain page when there is no form to go back to)."""
    if _is_api(request):
        return JsonResponse({"detail": str(error), "code": error.code}, status=status)
    back = _same_origin_referer(request)
    if back and hasattr(request, "_messages"):
        messages.error(request, str(error))
        return HttpResponseRedirect(back, status=303)
    body = f"<!doctype html><title>{status}</title><p>{escape(str(error))}</p>"
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


class RequestSizeLimitMiddleware:
    """A body declared larger than DSG_MAX_REQUEST_BYTES is refused before it is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_request_bytes():
            error = RuleViolation(_request_message(), code="request_too_large", status=413)
            return refusal_response(request, error, 413)  # the server drops the unread body
        return self.get_response(request)
