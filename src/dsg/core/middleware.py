"""Refusals raised by services become the right HTTP answer on pages."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

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


class PrivateAnswersMiddleware:
    """Whatever is answered to a logged-in person (a page, a download, an API call with a session
    or a token) is theirs alone: ``Cache-Control: private, no-store``, so no shared cache or
    browser history keeps a copy. Public pages (the contacts, the login page) stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True, no_store=True)
        return response
