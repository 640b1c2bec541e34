"""Refusals raised by services become the right HTTP answer on pages."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from .errors import NotVisible, RuleViolation
from .uploads import UploadTooLarge, refusal_response


class RuleViolationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotVisible):
            raise Http404(str(exception))
        if isinstance(exception, RuleViolation) and exception.status == 403:
            raise PermissionDenied(str(exception))
        if isinstance(exception, UploadTooLarge):  # a page that read a file cut off at the limit
            return refusal_response(request, exception, exception.status)
        return None
