"""The API keeps its contract: schemathesis against the live OpenAPI document, as a PSA and as the
office's reviewer, every check on (``--checks all``), bounded examples.

The world is the demo's (``dsg.demo.loader.demo_load``: organisations of each kind, sites with
cases at several steps, documents, signed notices, inspections, changes, §5 requests, 年次確認),
built once for the module inside a transaction; each operation's examples run in a savepoint of
it, so every operation starts from the same world and nothing of it outlives the module. Path
parameters are drawn from the world's own ids (visible or not to the caller) as often as from
what schemathesis generates, so the examples reach the handlers, not only the 404.

The application is Django's WSGI application, called in process (``schemathesis.openapi.
from_wsgi``) with every middleware, a bearer token per role and no session.

What a run checks, per response: no 5xx (``not_a_server_error``); the status, content type,
headers and body are the documented ones (``status_code_conformance``,
``content_type_conformance``, ``response_headers_conformance``,
``response_schema_conformance``); invalid input is refused (``negative_data_rejection``), a
missing token is refused (``ignored_auth``), an undocumented method answers 405 with the right
``Allow`` (``unsupported_method``, ``allow_header_conformance``); and input the schema accepts is
refused only by a named rule of the portal (``positive_data_acceptance``, relaxed: see
``named_rule_or_accepted``); and every refusal is JSON ``{detail, code}``
(``refusal_is_detail_and_code``). Excluded: no operation — see ``EXCLUDED``.
"""

from __future__ import annotations

import functools
import logging
import typing
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pydantic
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import TestCase
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dsg.demo.loader import demo_load
from dsg.orgs.models import User
from dsg.orgs.services import api_token_create

OPENAPI = "/api/v1/openapi.json"
ROLES = {"psa": "psa@mihon.example.jp", "reviewer": "reviewer@office.example.jp"}
# Operations left out of the run, each with its reason. None today: downloads (PDF, .xlsx, zip,
# policy files) are fuzzed like the rest; their media types are declared and checked.
EXCLUDED: dict[str, str] = {}
MAX_EXAMPLES = 10  # generated examples per operation and role (positive and negative)

# What refuses a request at the schema's level (ninja's validation, the JSON parser, the
# multipart parser): a request the published schema accepts must never meet these.
SCHEMA_LEVEL_CODES = frozenset({"invalid_json", "invalid_multipart"})

_django = get_wsgi_application()
REQUESTS: Counter[tuple[str, str]] = Counter()  # (role, operation) -> requests sent
STATUSES: Counter[int] = Counter()
_CURRENT: dict[str, str] = {}


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """Django's WSGI application, called from loopback (werkzeug's client names no address)."""
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    REQUESTS[(_CURRENT.get("role", "-"), _CURRENT.get("operation", "-"))] += 1

    def counting_start_response(status: str, headers: Any, *args: Any) -> Any:
        STATUSES[int(status.split()[0])] += 1
        return start_response(status, headers, *args)

    return _django(environ, counting_start_response)


CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "no-shrink": True,
            # The API refuses NUL in any text (PostgreSQL cannot store it: 422 invalid_json, by
            # design) and reads bodies as UTF-8: strings are generated without either.
            "allow-x00": False,
            "codec": "utf-8",
            # The bearer token is the run's own (a valid one per role); ignored_auth sends none.
            "with-security-parameters": False,
        },
        # Replaced by named_rule_or_accepted, which reads the refusal's code.
        "checks": {"positive_data_acceptance": {"enabled": False}},
        # Generated examples only: the coverage phase (each boundary of each parameter, some
        # 350 requests for the application's PATCH alone: 7 minutes for the module) and the
        # stateful one (it follows links between operations, and the schema declares none) are
        # left out, to keep the run bounded.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi(OPENAPI, application, config=CONFIG)


@schemathesis.check
def named_rule_or_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, except that a 422 naming a rule of the portal passes: a date in
    the past, a postal code of another prefecture, a blank name cannot be said in JSON Schema.
    A 422 of the schema's own level (pydantic's ``errors``, the JSON or multipart parsers) still
    fails: the published schema accepted what the validation refuses."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code != 422:
            raise
        body = response.json()
        if body.get("code") in SCHEMA_LEVEL_CODES:
            raise
        if "errors" in body and not all(_after_normalising(error) for error in body["errors"]):
            raise
        return None


def _after_normalising(error: dict[str, Any]) -> bool:
    """A number field (法人番号, 郵便番号, telephone) is checked once normalised (NFKC: 全角 →
    半角), and a few compatibility characters grow under NFKC ("㍻" is "平成"): a value within
    the published maxLength can be longer once normalised. Pydantic says ``too_long`` then
    (a plain string's own limit says ``string_too_long``, which still fails)."""
    return error.get("type") == "too_long" and error["loc"][-1] in _normalised_fields()


@functools.cache
def _normalised_fields() -> frozenset[str]:
    """The names of the API's fields that are normalised before they are checked."""

    def normalised(annotation: Any, metadata: Any = ()) -> bool:
        found = [*metadata, *getattr(annotation, "__metadata__", ())]
        if any(isinstance(m, pydantic.BeforeValidator) for m in found):
            return True
        return any(normalised(argument) for argument in typing.get_args(annotation))

    return frozenset(
        name
        for model in _api_models()
        for name, field in model.model_fields.items()
        if normalised(field.annotation, field.metadata)
    )


@schemathesis.check
def refusal_is_detail_and_code(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every refusal is JSON {detail, code}, whoever refuses (ninja, a middleware, Django)."""
    if response.status_code < 400:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    return None


# --------------------------------------------------------------------------------------------
# Path parameters from the world
# --------------------------------------------------------------------------------------------

# Each path parameter of the API, and the model (app_label.Model) whose ids it takes.
PATH_PARAMETERS = {
    "action_request_id": "requests.ActionRequest",
    "appointment_id": "appointments.Appointment",
    "change_id": "requests.ChangeRequest",
    "company_id": "orgs.Organization",
    "confirmation_id": "annual.AnnualConfirmation",
    "deficiency_id": "inspections.Deficiency",
    "disposal_id": "registry.TerminalDisposal",
    "document_id": "documents.Document",
    "enrollment_id": "enrollment.Enrollment",
    "equipment_request_id": "equipment.EquipmentRequest",
    "helpdesk_request_id": "equipment.HelpdeskRequest",
    "holder_id": "provisioning.AccountHolder",
    "inspection_id": "inspections.Inspection",
    "medium_disposal_id": "registry.MediumDisposal",
    "medium_id": "registry.RemovableMedium",
    "notice_id": "notices.Notice",
    "provider_work_id": "requests.ProviderWork",
    "report_id": "documents.StorageReport",
    "round_id": "annual.AnnualRound",
    "shipment_id": "provisioning.SetupMediaShipment",
    "site_id": "orgs.Site",
    "template_id": "inspections.ChecklistTemplate",
    "terminal_id": "registry.Terminal",
    "token_id": "orgs.ApiToken",  # the world's before the run's own (see world())
    "version_id": "enrollment.ApplicationVersion",
    "work_id": "provisioning.AncillaryWork",
}
# Parameters that are no ids: generated by schemathesis alone (enums, names, versions, tokens).
GENERATED_PARAMETERS = frozenset({"kind", "name", "version", "delivery_token"})
WORLD_IDS: dict[str, list[int]] = {}


def _world_ids() -> dict[str, list[int]]:
    from django.apps import apps

    return {
        name: sorted(apps.get_model(label)._base_manager.values_list("pk", flat=True))[:20]
        for name, label in PATH_PARAMETERS.items()
    }


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """An id of the path is, half the time, one of the world's (of any company), else as
    generated (0, negative, huge). A value that is no integer (negative testing: not a number)
    stays as generated."""
    if not path_parameters:
        return st.just(path_parameters)
    strategies = {}
    for name, value in path_parameters.items():
        ids = WORLD_IDS.get(name)
        is_id = isinstance(value, int) and not isinstance(value, bool)
        strategies[name] = (
            st.sampled_from(ids) | st.just(value) if ids and is_id else st.just(value)
        )
    return st.fixed_dictionaries(strategies)


@schema.hook
def filter_body(context: Any, body: Any) -> bool:
    """Werkzeug's test client (the WSGI transport) encodes an empty multipart part without the
    line break before the next boundary, so the part swallows the next one: such bodies are not
    sent (a transport fault, not the API's; tests/api/test_api_errors.py sends empty parts with
    Django's client)."""
    content = context.operation.definition.raw.get("requestBody", {}).get("content", {})
    if "multipart/form-data" not in content or not isinstance(body, dict):
        return True
    return all(value not in ("", b"") for value in body.values())


# --------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """The demo's world in a transaction that is rolled back after the module; the tokens of
    the roles. Django's WSGI handler closes the connection after each request (and with it the
    transaction): like Django's test client, the run keeps it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    for name in ("django.request", "django.security.csrf"):  # each 4xx is logged otherwise
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                with scopes_disabled():
                    with TestCase.captureOnCommitCallbacks(execute=True):  # the notices' PDFs
                        demo_load()
                    WORLD_IDS.update(_world_ids())  # before the run's tokens: never revoked
                    tokens = {
                        role: api_token_create(
                            actor=User.objects.get(email=email), name="schemathesis"
                        )
                        for role, email in ROLES.items()
                    }
                yield tokens
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                WORLD_IDS.clear()
    finally:
        for name in ("django.request", "django.security.csrf"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLES))
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_keeps_its_contract(case: Any, role: str, world: dict[str, str], db: None) -> None:
    _CURRENT.update(role=role, operation=case.operation.label)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world[role]}"},
        additional_checks=[named_rule_or_accepted, refusal_is_detail_and_code],
    )


def test_every_path_parameter_takes_ids_from_the_world() -> None:
    """A new operation's path parameter is named here (with its model) or said to be generated."""
    names = {
        parameter["name"]
        for operations in schema.raw_schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    assert names <= PATH_PARAMETERS.keys() | GENERATED_PARAMETERS, sorted(
        names - PATH_PARAMETERS.keys() - GENERATED_PARAMETERS
    )
    assert not EXCLUDED


def _models_of(annotation: Any) -> Iterator[type[pydantic.BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_of(argument)


@functools.cache
def _api_models() -> frozenset[type[pydantic.BaseModel]]:
    """Every model an operation of the API takes or answers, and the models inside them."""
    from dsg.api import api

    seen: set[type[pydantic.BaseModel]] = set()
    todo = [
        model
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
        for annotation in [*operation.models, *operation.response_models.values()]
        for model in _models_of(annotation)
    ]
    while todo:
        model = todo.pop()
        if model not in seen:
            seen.add(model)
            todo += [m for f in model.model_fields.values() for m in _models_of(f.annotation)]
    return frozenset(seen)


def test_every_schema_name_is_one_model() -> None:
    """django-ninja names each component after its class: two classes of one name (the three
    ``VersionOut`` of the application, the checklists and the catalogues) publish one schema, and
    the others' answers break it. Every model the operations take or answer is checked here."""
    names: dict[str, set[str]] = defaultdict(set)
    for model in _api_models():
        names[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    assert len(_api_models()) > 100
    assert not {name: sorted(c) for name, c in names.items() if len(c) > 1}


def test_zz_every_operation_was_fuzzed_as_both_roles() -> None:
    """Runs after the fuzzing (last in the module); prints the figures of docs/security.md."""
    operations = {
        f"{method.upper()} {path}"
        for path, methods in schema.raw_schema["paths"].items()
        for method in methods
    }
    fuzzed = {(role, op) for (role, op) in REQUESTS if role in ROLES}
    if len(fuzzed) < len(ROLES) * len(operations):
        pytest.skip("only part of the module ran")
    total = sum(REQUESTS.values())
    print(
        f"\nschemathesis: {len(operations)} operations × {len(ROLES)} roles, {total} requests; "
        f"statuses {dict(sorted(STATUSES.items()))}"
    )
    assert not STATUSES.keys() & set(range(500, 600))
