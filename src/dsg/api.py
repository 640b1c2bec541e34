"""The REST API under /api/v1/: every action a page offers, with JSON errors {detail, code}."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from dsg.annual.api import router as annual_router
from dsg.core.api_enums import document_labels
from dsg.core.errors import RuleViolation
from dsg.documents.api import router as documents_router
from dsg.enrollment.api import router as enrollment_router
from dsg.equipment.api import router as equipment_router
from dsg.equipment.xlsx_api import router as equipment_xlsx_router
from dsg.inspections.api import router as inspections_router
from dsg.notices.api import router as notices_router
from dsg.notifications.api import router as notifications_router
from dsg.orgs.api import router as orgs_router
from dsg.orgs.api_auth import BearerToken, Session
from dsg.orgs.mail_api import router as office_mail_router
from dsg.provisioning.api import router as provisioning_router
from dsg.registry.api import router as registry_router
from dsg.registry.catalogue_api import router as catalogues_router
from dsg.registry.policy_api import router as policy_router
from dsg.requests.api import router as requests_router
from dsg.schedule.api import router as schedule_router

# What no database column can store: NUL (PostgreSQL refuses it in text) and a lone surrogate
# (``"\ud800"`` in a JSON body decodes to one: it is not Unicode text, and encoding it for the
# database failed — a 500 on both databases instead of a 422).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any) -> bool:
    """Whether ``value`` holds a text no column can store (NUL, a lone surrogate)."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


class JsonParser(Parser):
    """A JSON object without NUL characters or lone surrogates: every body here is an object
    (ninja took ``[]`` for an empty one), and no database stores either (a 500, instead of a
    422)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        if _unstorable(data):
            raise ValueError("the body contains a NUL character or a lone surrogate")
        return data


class PortalAPI(NinjaAPI):
    """The portal's API: its OpenAPI document declares 422 wherever input is validated."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """Every operation with path or query parameters, or a body, answers 422 (``invalid``)
        when they do not validate; declared here once for all, as the handlers below answer."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        invalid = {
            "description": "Unprocessable Content: the input does not validate",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.get("parameters") or operation.get("requestBody"):
                    operation["responses"].setdefault(422, invalid)
                form = operation.get("requestBody", {}).get("content", {})
                if "multipart/form-data" in form:
                    _form_fields_as_sent(form["multipart/form-data"]["schema"])
        # each code of each enum named in Japanese and English (dsg.core.api_enums)
        document_labels(schema.get("components", {}).get("schemas", {}))
        return schema


def _form_fields_as_sent(form: dict[str, Any]) -> None:
    """A form's schema as a form can be sent: a field is a value or absent, never null (a form
    has no null: ``dated_on`` optional, not "null"), and the form takes only its fields."""
    form["additionalProperties"] = False
    for name, field in form.get("properties", {}).items():
        kinds = field.get("anyOf", [])
        values = [kind for kind in kinds if kind.get("type") != "null"]
        if len(values) == 1 and len(kinds) == 2:
            rest = {key: value for key, value in field.items() if key != "anyOf"}
            form["properties"][name] = {**values[0], **rest}


api = PortalAPI(
    title="DSG Portal API",
    version="1.1.0",
    description="防衛セキュリティゲートウェイ 加入・運用ポータル. Session (browser) or "
    "`Authorization: Bearer <personal API token>`, for every role but the 利用者, who uses no "
    "API (403 `api_not_for_role`, by token or session). Since 1.1: the main lists give `next`, a "
    "cursor to page by key without counting (`?cursor=`; limit/offset and `count` as before), "
    "and the case's detail embeds the application's task list only with `?include=tasks`.",
    auth=[BearerToken(), Session()],
    urls_namespace="api",
    parser=JsonParser(),
)
api.add_router("/", orgs_router)
api.add_router("/", enrollment_router)
api.add_router("/", provisioning_router)
api.add_router("/", documents_router)
api.add_router("/", schedule_router)
api.add_router("/", inspections_router)
api.add_router("/", notices_router)
api.add_router("/", office_mail_router)
api.add_router("/", registry_router)
api.add_router("/", catalogues_router)
api.add_router("/", policy_router)
api.add_router("/", requests_router)
api.add_router("/", equipment_router)
api.add_router("/", equipment_xlsx_router)
api.add_router("/", annual_router)
api.add_router("/", notifications_router)  # each person's inbox (#12)


@api.exception_handler(RuleViolation)
def rule_violation(request: HttpRequest, exc: RuleViolation) -> HttpResponse:
    body = {"detail": str(exc.message), "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    line = getattr(exc, "line", None)  # a refused line of a request (equipment's LineError)
    if line is not None:
        body["line"] = line
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


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (a body that is not JSON, a bad CSRF check) as {detail, code}.

    A body that cannot be parsed (or holds a NUL character) answers 422 like any other invalid
    input (ninja says 400, which the operations do not declare); the CSRF check of session calls
    answers 403.
    """
    if exc.status_code == 400:
        body = {"detail": _("The request is not valid."), "code": "invalid_json"}
        return api.create_response(request, body, status=422)
    if exc.status_code == 403:
        body = {"detail": _("CSRF verification failed. Request aborted."), "code": "csrf_failed"}
        return api.create_response(request, body, status=403)
    body = {"detail": str(exc), "code": f"http_{exc.status_code}"}
    return api.create_response(request, body, status=exc.status_code)
