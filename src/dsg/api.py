"""The REST API under /api/v1/: every action a page offers, with JSON errors {detail, code}."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from dsg.core.errors import RuleViolation
from dsg.enrollment.api import router as enrollment_router
from dsg.orgs.api import router as orgs_router
from dsg.orgs.api_auth import BearerToken
from dsg.provisioning.api import router as provisioning_router

api = NinjaAPI(
    title="DSG Portal API",
    version="1.0.0",
    description="防衛セキュリティゲートウェイ 加入・運用ポータル. Session (browser) or "
    "`Authorization: Bearer <personal API token>`.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)
api.add_router("/", orgs_router)
api.add_router("/", enrollment_router)
api.add_router("/", provisioning_router)


@api.exception_handler(RuleViolation)
def rule_violation(request: HttpRequest, exc: RuleViolation) -> HttpResponse:
    body = {"detail": str(exc.message), "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("The request is not valid."), "code": "invalid", "errors": exc.errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("Please log in or send a valid API token."), "code": "unauthenticated"},
        status=401,
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Not found."), "code": "not_found"}, status=404
    )
