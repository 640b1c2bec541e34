"""Every refusal under /api/ is JSON ``{detail, code}``, whoever refuses.

django-ninja answers its own operations' refusals as JSON (``dsg.api``). What is refused before
an operation runs, or that Django raises while it reads the body, would otherwise be one of
Django's HTML pages:

- an unknown path (404) and a method the path does not take (405, its ``Allow`` header kept);
- a body past ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``RequestDataTooBig``: 413 ``request_too_large``),
  too many fields or files (422 ``too_many_fields``), a broken multipart body
  (``MultiPartParserError``: 422 ``invalid_multipart``), any other ``SuspiciousOperation``
  (400 ``bad_request``);
- any other answer of 400 or more that is not JSON (a 403 of a middleware, a 500 outside
  ``DEBUG``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .uploads import max_request_bytes


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _refusal(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _for_exception(exception: Exception) -> JsonResponse | None:
    if isinstance(exception, RequestDataTooBig):
        # A body read whole (JSON, the fields of a form) past DATA_UPLOAD_MAX_MEMORY_SIZE
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or max_request_bytes()
        detail = _("The request is too large: at most {limit} can be sent at once.")
        return _refusal(413, "request_too_large", detail.format(limit=filesizeformat(limit)))
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return _refusal(422, "too_many_fields", _("The request has too many fields or files."))
    if isinstance(exception, MultiPartParserError):
        return _refusal(422, "invalid_multipart", _("The multipart body cannot be read."))
    if isinstance(exception, SuspiciousOperation):
        return _refusal(400, "bad_request", _("The request cannot be answered."))
    return None


def _for_status(status: int) -> tuple[str, str]:
    known = {
        400: ("bad_request", _("The request cannot be answered.")),
        401: ("unauthenticated", _("Please log in or send a valid API token.")),
        403: ("forbidden", _("You may not do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        413: ("request_too_large", _("The request is too large.")),
    }
    if status in known:
        return known[status]
    if status >= 500:
        return "server_error", _("The server could not answer. Please try again later.")
    return f"http_{status}", _("The request cannot be answered.")


class ApiErrorMiddleware:
    """Answers a refusal under /api/ as JSON ``{detail, code}`` (see the module's docstring).
    Placed near the top of MIDDLEWARE, so it sees what the middleware below it answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code >= 500 and settings.DEBUG:
            return response  # the debug page, for the developer
        code, detail = _for_status(response.status_code)
        answer = _refusal(response.status_code, code, detail)
        for header, value in response.items():  # Allow, Cache-Control, Vary …
            if header.lower() not in ("content-type", "content-length"):
                answer[header] = value
        answer.cookies = response.cookies
        return answer

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """What Django raises while an operation reads the body (or the CSRF check does)."""
        return _for_exception(exception) if is_api(request) else None
