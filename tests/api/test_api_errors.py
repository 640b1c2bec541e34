"""API refusals: always JSON {detail, code} with the right 4xx, in the caller's language, and
nothing changed. Plus a bounded property-based run over the OpenAPI document: never a 5xx."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dsg
from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.enrollment.models import State
from dsg.enrollment.services import TRANSITION_NAMES

from ..db_rows import table_rows
from ..factories import SiteFactory
from ..walk import new_case, today, walk_to

API = "/api/v1"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
JA_CATALOG = Path(dsg.__file__).parent / "locale" / "ja" / "LC_MESSAGES" / "django.mo"

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, Any]:
    """Every row of the project's tables (read as stored: tests/db_rows.py), the ledger's too."""
    state: dict[str, Any] = {"audit": AuditEvent.objects.count()}
    state.update(table_rows(volatile=frozenset({"last_login", "last_used_at"})))
    return state


_HANDLERS: dict[bool, Any] = {}


def as_user(user) -> Client:
    """A logged-in client. Clients share one handler: each new handler loads the middleware,
    and WhiteNoise then scans the static files (a tenth of a second per client)."""
    client = Client()
    client.handler = _HANDLERS.setdefault(client.handler.enforce_csrf_checks, client.handler)
    client.force_login(user)
    return client


def refused(response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    return body


def post(client: Client, url: str, data: Any, **extra: Any):
    return client.post(url, data, content_type="application/json", **extra)


def patch(client: Client, url: str, data: Any, **extra: Any):
    return client.patch(url, data, content_type="application/json", **extra)


# --------------------------------------------------------------------------------------------
# 422: invalid input
# --------------------------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_refused_with_422(site, cast):
    case = new_case(site, cast)
    before = snapshot()
    psa = as_user(cast.psa)
    for url, send in (
        (f"{API}/enrollments/{case.pk}/transitions/submit", post),
        (f"{API}/enrollments/{case.pk}/application", patch),
        (f"{API}/sites", post),
    ):
        for raw in ('{"comment": ', "not json at all", "\xff\xfe", "[1, 2"):
            refused(send(psa, url, raw), 422, "invalid_json")
    assert snapshot() == before


@pytest.mark.parametrize(
    "data",
    [
        {"planned_terminals": "many"},
        {"planned_terminals": 0},
        {"planned_terminals": 1000},
        {"equipment_confirmed": "perhaps"},
        {"desired_start": "next spring"},
        {"desired_start": "2027-02-30"},
        {"facility_basis": "somewhere"},
        {"track_record": ["a", "list"]},
        {"contract_name": "x" * 201},
        [],
        "a string",
    ],
    ids=lambda d: str(d)[:40],
)
def test_wrong_types_in_the_application_are_refused_with_422(site, cast, data):
    case = new_case(site, cast, complete=False)
    before = snapshot()
    refused(patch(as_user(cast.psa), f"{API}/enrollments/{case.pk}/application", data), 422)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/sites", {"name": "拠点"}),  # required fields missing
        ("/sites", {"name": 7, "postal_code": 1000001, "prefecture": 13, "address": None}),
        ("/sites", {"name": "拠点", "postal_code": "1", "prefecture": "13", "address": "x"}),
        ("/sites", {"name": "拠点", "postal_code": "100-0001", "prefecture": "99", "address": "x"}),
        ("/enrollments", {"site_id": "the first one"}),
        ("/enrollments", {}),
    ],
)
def test_wrong_types_on_create_are_refused_with_422(psa, url, data):
    before = snapshot()
    refused(post(as_user(psa), f"{API}{url}", data), 422)
    assert snapshot() == before


def test_an_unknown_transition_name_is_refused_with_422(site, cast):
    case = new_case(site, cast)
    before = snapshot()
    for name in ("approve_everything", "SUBMIT", "submit ", "__init__", "save"):
        assert name not in TRANSITION_NAMES
        refused(post(as_user(cast.psa), f"{API}/enrollments/{case.pk}/transitions/{name}", {}), 422)
    assert snapshot() == before


def test_an_over_long_comment_is_refused_with_422(site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    before = snapshot()
    url = f"{API}/enrollments/{case.pk}/transitions/return_for_correction"
    refused(post(as_user(cast.reviewer), url, {"comment": "補" * 4001}), 422)
    assert snapshot() == before
    assert post(as_user(cast.reviewer), url, {"comment": "補" * 4000}).status_code == 200


def test_a_required_comment_is_required(site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    before = snapshot()
    url = f"{API}/enrollments/{case.pk}/transitions/return_for_correction"
    body = refused(post(as_user(cast.reviewer), url, {"comment": "   "}), 422, "comment_required")
    assert body["field"] == "comment"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("state", "actor", "url", "data", "field"),
    [
        ("survey", "staff", "survey", {"surveyed_on": None}, None),
        ("construction", "staff", "transitions/complete_construction", {}, "performed_on"),
    ],
)
def test_dates_are_required_where_the_step_needs_them(site, cast, state, actor, url, data, field):
    case = walk_to(new_case(site, cast), state, cast)
    before = snapshot()
    body = refused(
        post(as_user(getattr(cast, actor)), f"{API}/enrollments/{case.pk}/{url}", data), 422
    )
    if field:
        assert body["field"] == field
    assert snapshot() == before


def test_a_future_date_is_refused_with_422(site, cast):
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    case = walk_to(new_case(site, cast), State.CONSTRUCTION, cast)
    before = snapshot()
    url = f"{API}/enrollments/{case.pk}/transitions/complete_construction"
    body = refused(post(as_user(cast.staff), url, {"performed_on": tomorrow}), 422)
    assert body["code"] == "date_in_future" and body["field"] == "performed_on"
    assert snapshot() == before


def test_a_future_inspection_date_is_refused_with_422(site, cast):
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    case = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspector = as_user(cast.inspector)
    opened = post(inspector, f"{API}/enrollments/{case.pk}/inspections", {})
    assert opened.status_code == 201, opened.content
    before = snapshot()
    url = f"{API}/inspections/{opened.json()['id']}/finish"
    body = refused(post(inspector, url, {"performed_on": tomorrow}), 422)
    assert body["code"] == "date_in_future" and body["field"] == "performed_on"
    assert snapshot() == before


@pytest.mark.parametrize(
    "name",
    [
        "pass_inspection",
        "require_remediation",
        "deem_inspection_by_audit",
        "accept_remediation",
        "require_reinspection",
    ],
)
def test_the_outcome_of_an_inspection_is_no_action_of_the_api(site, cast, name):
    """② and ⑦ are recorded as inspection rounds (with their notices), never by name."""
    case = walk_to(new_case(site, cast), State.INSPECTION, cast)
    before = snapshot()
    data = {"comment": "理由", "performed_on": today().isoformat()}
    for actor in (cast.inspector, cast.reviewer):
        response = post(as_user(actor), f"{API}/enrollments/{case.pk}/transitions/{name}", data)
        assert response.status_code == 422, response.content
    assert snapshot() == before


def test_a_future_survey_date_is_refused_with_422(site, cast):
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    before = snapshot()
    url = f"{API}/enrollments/{case.pk}/survey"
    refused(post(as_user(cast.staff), url, {"surveyed_on": tomorrow}), 422, "date_in_future")
    assert snapshot() == before


def test_a_nul_character_is_refused_with_422_not_a_server_error(site, cast):
    """PostgreSQL cannot store NUL in text: without the check this was a 500 there."""
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    before = snapshot()
    url = f"{API}/enrollments/{case.pk}/transitions/return_for_correction"
    refused(post(as_user(cast.reviewer), url, {"comment": "補正\x00"}), 422, "invalid_json")
    site_data = {"name": "a\x00", "postal_code": "100-0001", "prefecture": "13", "address": "x"}
    refused(post(as_user(cast.psa), f"{API}/sites", site_data), 422, "invalid_json")
    refused(post(as_user(cast.psa), f"{API}/sites", {"\x00": 1}), 422, "invalid_json")
    assert snapshot() == before


def test_a_lone_surrogate_is_refused_with_422_not_a_server_error(site, cast):
    """A JSON body's ``\\ud800`` decodes to a lone surrogate, which no database can store:
    encoding it for the database failed, a 500 on both (found by the ledger's hypothesis test)."""
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    before = snapshot()
    url = f"{API}/enrollments/{case.pk}/transitions/return_for_correction"
    refused(post(as_user(cast.reviewer), url, {"comment": "補正\ud800"}), 422, "invalid_json")
    site_data = {"name": "a\udfff", "postal_code": "100-0001", "prefecture": "13", "address": "x"}
    refused(post(as_user(cast.psa), f"{API}/sites", site_data), 422, "invalid_json")
    refused(post(as_user(cast.psa), f"{API}/sites", {"\ud83d": 1}), 422, "invalid_json")
    assert snapshot() == before
    # a pair of surrogates written as escapes is one character (😀): stored, not refused
    emoji = {**site_data, "name": "拠点\ud83d\ude00"}
    assert post(as_user(cast.psa), f"{API}/sites", emoji).status_code == 201


# --------------------------------------------------------------------------------------------
# 403: the role may not; 409: the case is not in the right state
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "actor", "name"),
    [
        ("draft", "reviewer", "submit"),
        ("draft", "delegate", "submit"),
        ("submitted", "psa", "accept"),
        ("submitted", "inspector", "accept"),
        ("inspection", "psa", "reject"),
        ("inspection", "inspector", "reject"),
        ("survey", "psa", "complete_survey"),
        ("terminal_setup", "staff", "request_final_inspection"),
        ("terminal_setup", "delegate", "withdraw"),
    ],
)
def test_a_role_that_may_not_act_gets_403(site, cast, state, actor, name):
    case = walk_to(new_case(site, cast), state, cast)
    before = snapshot()
    data = {"comment": "理由", "performed_on": today().isoformat(), "router_serial": "R-1"}
    response = post(
        as_user(getattr(cast, actor)), f"{API}/enrollments/{case.pk}/transitions/{name}", data
    )
    refused(response, 403, "forbidden")
    assert snapshot() == before


def test_roles_that_may_not_edit_or_create_get_403(site, cast, company_user):
    case = new_case(site, cast, complete=False)
    before = snapshot()
    for person in (cast.delegate, company_user):
        client = as_user(person)
        refused(
            patch(client, f"{API}/enrollments/{case.pk}/application", {"contract_name": "x"}), 403
        )
        refused(post(client, f"{API}/enrollments", {"site_id": site.pk}), 403)
    site_data = {"name": "拠点", "postal_code": "100-0001", "prefecture": "13", "address": "x"}
    for person in (cast.delegate, cast.reviewer, cast.staff):
        refused(post(as_user(person), f"{API}/sites", site_data), 403, "forbidden")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("state", "actor", "name"),
    [
        ("draft", "reviewer", "accept"),
        ("submitted", "psa", "submit"),
        ("construction", "staff", "complete_survey"),
        ("survey", "staff", "complete_construction"),
        ("terminal_setup", "psa", "report_remediation"),
        ("completed", "psa", "withdraw"),
        ("withdrawn", "reviewer", "reject"),
    ],
)
def test_a_transition_from_the_wrong_state_gets_409(site, cast, state, actor, name):
    case = walk_to(new_case(site, cast), state, cast)
    before = snapshot()
    data = {"comment": "理由", "performed_on": today().isoformat()}
    response = post(
        as_user(getattr(cast, actor)), f"{API}/enrollments/{case.pk}/transitions/{name}", data
    )
    # The role may take this step, only not from this state.
    refused(response, 409, "wrong_state")
    assert snapshot() == before


def test_wrong_state_refusals_of_the_records_get_409(site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    before = snapshot()
    psa = as_user(cast.psa)
    url = f"{API}/enrollments/{case.pk}"
    refused(patch(psa, f"{url}/application", {"contract_name": "x"}), 409, "wrong_state")
    refused(post(psa, f"{API}/enrollments", {"site_id": site.pk}), 409, "open_case_exists")
    assert snapshot() == before
    later = walk_to(new_case(SiteFactory(company=site.company), cast), State.CONSTRUCTION, cast)
    url = f"{API}/enrollments/{later.pk}"
    before = snapshot()
    terminal = {"name": "PC-1", "model_name": "M", "serial_number": "S-1"}
    refused(post(psa, f"{url}/terminals", terminal), 409, "wrong_state")
    day = today().isoformat()
    refused(post(as_user(cast.staff), f"{url}/survey", {"surveyed_on": day}), 409, "wrong_state")
    refused(
        post(as_user(cast.staff), f"{url}/ancillary-works", {"description": "配管"}),
        409,
        "wrong_state",
    )
    assert snapshot() == before
    assert audit_verify().ok


def test_a_blocked_transition_gets_409_with_the_rule(site, cast):
    case = new_case(site, cast, complete=False)
    before = snapshot()
    body = refused(
        post(as_user(cast.psa), f"{API}/enrollments/{case.pk}/transitions/submit", {}),
        409,
        "application_incomplete",
    )
    assert "実績等" in body["detail"]
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# Language: English on request, Japanese by default
# --------------------------------------------------------------------------------------------


def _refusals(site, cast) -> list[tuple[Client, str, str, Any, str]]:
    case = new_case(site, cast, complete=False)
    return [
        (
            as_user(cast.reviewer),
            "post",
            f"{API}/enrollments/{case.pk}/transitions/submit",
            {},
            "forbidden",
        ),
        (
            as_user(cast.psa),
            "post",
            f"{API}/enrollments/{case.pk}/transitions/submit",
            {},
            "application_incomplete",
        ),
        (
            as_user(cast.psa),
            "patch",
            f"{API}/enrollments/{case.pk}/application",
            {"planned_terminals": "x"},
            "invalid",
        ),
        (
            as_user(cast.psa),
            "post",
            f"{API}/enrollments/{case.pk}/transitions/submit",
            "{",
            "invalid_json",
        ),
        (as_user(cast.psa), "get", f"{API}/enrollments/{case.pk + 999}", None, "not_found"),
        (Client(), "get", f"{API}/enrollments", None, "unauthenticated"),
    ]


def _send(client: Client, method: str, url: str, data: Any, **headers: str):
    if method == "get":
        return client.get(url, headers=headers)
    return getattr(client, method)(url, data, content_type="application/json", headers=headers)


def test_accept_language_en_gives_english_details(site, cast):
    for client, method, url, data, code in _refusals(site, cast):
        body = _send(client, method, url, data, **{"Accept-Language": "en"}).json()
        assert body["code"] == code
        # English text; Japanese only inside the guideline's own terms in brackets, if at all.
        without_terms = re.sub(
            r"[（(][^）)]*[）)]|\w*[\u3040-\u30ff\u4e00-\u9fff]+\w*", "", body["detail"]
        )
        assert re.search(r"[A-Za-z]{3,}", without_terms), body


def test_the_default_language_is_japanese(site, cast):
    if not JA_CATALOG.exists():
        pytest.skip(f"no compiled Japanese catalog at {JA_CATALOG}: run compilemessages")
    for client, method, url, data, code in _refusals(site, cast):
        default = _send(client, method, url, data).json()
        english = _send(client, method, url, data, **{"Accept-Language": "en"}).json()
        assert default["code"] == english["code"] == code
        assert JAPANESE.search(default["detail"]), default
        assert default["detail"] != english["detail"], default


# --------------------------------------------------------------------------------------------
# Property-based: whatever arrives, the office reviewer never gets a 5xx
# --------------------------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False),
    st.text(max_size=50),
    st.dates().map(dt.date.isoformat),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=8,
)
_SCHEMA: dict[str, Any] = {}
_SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.", min_size=1, max_size=12)


def typed_value(schema: dict[str, Any], components: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values after the schema, often valid, sometimes just off (length, type)."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        return st.one_of([typed_value(s, components) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | _SCALARS
    kind = schema.get("type")
    if kind == "object":
        props = {k: typed_value(v, components) for k, v in schema.get("properties", {}).items()}
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: v for k, v in props.items() if k in required},
            optional={k: v for k, v in props.items() if k not in required},
        )
    typed = {
        "string": st.text(max_size=schema.get("maxLength", 50) + 2)
        | st.dates().map(dt.date.isoformat),
        "integer": st.integers(min_value=-5, max_value=2**40),
        "boolean": st.booleans(),
    }.get(kind)
    return _JSON if typed is None else typed | _SCALARS


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_makes_a_server_error(site, cast, data):
    """Any operation of the OpenAPI document, with path values and bodies typed after the schema
    or any JSON at all, sent as the office reviewer: 2xx, or a 4xx JSON {detail, code}; never a
    5xx. (Schemathesis's not_a_server_error check, with hypothesis alone.) The examples share
    one database, so later ones meet the case in whatever state earlier ones left it."""
    client = as_user(cast.reviewer)
    if not _SCHEMA:  # read once, as served
        _SCHEMA.update(client.get(f"{API}/openapi.json").json())
    schema = _SCHEMA
    components = schema["components"]["schemas"]
    case = site.enrollments.first() or walk_to(new_case(site, cast), State.SUBMITTED, cast)
    operations = sorted((m, p) for p, ops in schema["paths"].items() for m in ops)
    method, path = data.draw(st.sampled_from(operations), label="operation")
    op = schema["paths"][path][method]

    def path_value(match: re.Match[str]) -> str:
        if match[1] == "name":
            strategy = st.sampled_from(sorted(TRANSITION_NAMES)) | _SEGMENT
        else:
            strategy = st.just(case.pk) | st.integers(-3, 10**20) | _SEGMENT
        return str(data.draw(strategy, label=match[1]))

    url = re.sub(r"{(\w+)}", path_value, path)
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        response = getattr(client, method)(url)
    else:
        body = data.draw(typed_value(content["schema"], components) | _JSON, label="body")
        response = getattr(client, method)(url, body, content_type="application/json")
    assert response.status_code < 500, (method, url, response.content[:300])
    if response.status_code >= 400:
        refused(response, response.status_code)


# --------------------------------------------------------------------------------------------
# Refused before an operation runs: still JSON {detail, code} (dsg.core.api_errors)
# --------------------------------------------------------------------------------------------


def test_an_unknown_api_path_is_a_json_404(psa):
    for url in (f"{API}/no-such-thing", f"{API}/sites/1/nothing", "/api/v2/sites", "/api/"):
        refused(as_user(psa).get(url), 404, "not_found")
    refused(Client().get(f"{API}/no-such-thing"), 404, "not_found")


def test_a_method_the_path_does_not_take_is_a_json_405_with_allow(site, cast):
    case = new_case(site, cast)
    before = snapshot()
    client = as_user(cast.psa)
    for method, url in (
        ("delete", f"{API}/enrollments/{case.pk}"),
        ("put", f"{API}/sites"),
        ("post", f"{API}/me"),
        ("patch", f"{API}/enrollments/{case.pk}/transitions/submit"),
    ):
        response = getattr(client, method)(url, {}, content_type="application/json")
        refused(response, 405, "method_not_allowed")
        assert method.upper() not in response["Allow"], response["Allow"]
    assert snapshot() == before


def test_a_json_body_past_the_memory_limit_is_a_json_413(site, cast, settings):
    """Django refuses a body past DATA_UPLOAD_MAX_MEMORY_SIZE when it is read (RequestDataTooBig,
    an HTML 400 before); DSG_MAX_REQUEST_BYTES stays above it, so the operation reads it."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    case = new_case(site, cast)
    before = snapshot()
    big = {"comment": "補" * 2_000}
    url = f"{API}/enrollments/{case.pk}/transitions/submit"
    refused(post(as_user(cast.psa), url, big), 413, "request_too_large")
    refused(patch(as_user(cast.psa), f"{API}/enrollments/{case.pk}/application", big), 413)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\n"),  # no boundary
        ("multipart/form-data; boundary=", b"--\r\n"),
        ("multipart/form-data; boundary=\xff", b"x"),
    ],
    ids=["no-boundary", "empty-boundary", "bad-boundary"],
)
def test_a_broken_multipart_body_is_a_json_422(site, cast, content_type, body):
    case = new_case(site, cast)
    clients = (as_user(cast.psa), token_client(cast.psa))
    before = snapshot()
    url = f"{API}/enrollments/{case.pk}/documents"
    for client in clients:
        response = client.generic("POST", url, body, content_type=content_type)
        refused(response, 422, "invalid_multipart")
    assert snapshot() == before


def test_too_many_form_fields_is_a_json_422(site, cast, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    case = new_case(site, cast)
    client = token_client(cast.psa)
    before = snapshot()
    fields = {f"f{n}": "x" for n in range(20)}
    response = client.post(f"{API}/enrollments/{case.pk}/documents", fields)
    refused(response, 422, "too_many_fields")
    assert snapshot() == before


def test_an_empty_form_field_is_a_value_not_a_missing_one(site, cast):
    """An empty part of a multipart body (what Werkzeug's test client mis-encodes, so the
    schemathesis run does not send it) is read as an empty value: the rule refuses it, by name."""
    case = new_case(site, cast)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\n\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n\r\n--b--\r\n'
    )
    response = token_client(cast.psa).generic(
        "POST",
        f"{API}/enrollments/{case.pk}/documents",
        body,
        content_type="multipart/form-data; boundary=b",
    )
    body_json = refused(response, 422)
    assert "errors" not in body_json, body_json  # not a missing field: a rule of the portal


def test_an_offset_past_any_list_is_a_422_not_a_server_error(psa):
    """Ninja bounds the limit, not the offset: 2**64 was a 500 (an integer overflow)."""
    client = as_user(psa)
    for offset in (2**31, 2**64, 10**30):
        refused(client.get(f"{API}/sites?offset={offset}"), 422, "invalid")
        refused(client.get(f"{API}/enrollments?offset={offset}&limit=5"), 422, "invalid")
    assert client.get(f"{API}/sites?offset={2**31 - 1}").json()["items"] == []


def test_null_in_a_text_field_of_the_application_empties_it(site, cast):
    """null in a text field was a 500 (NOT NULL constraint): it now means 'empty'."""
    case = new_case(site, cast, complete=False)
    url = f"{API}/enrollments/{case.pk}/application"
    client = as_user(cast.psa)
    assert patch(client, url, {"contract_name": "試験契約"}).status_code == 200
    for field in ("contract_name", "facility_description", "psa_department", "track_record"):
        response = patch(client, url, {field: None})
        assert response.status_code == 200, response.content
    case.application.refresh_from_db()
    assert case.application.contract_name == ""
    before = snapshot()
    refused(patch(client, url, {"equipment_confirmed": None}), 422)  # not a text: still refused
    assert snapshot() == before


def token_client(user) -> Client:
    from dsg.orgs.services import api_token_create

    return Client(headers={"Authorization": f"Bearer {api_token_create(actor=user, name='t')}"})


# --------------------------------------------------------------------------------------------
# The OpenAPI document says what the operations answer
# --------------------------------------------------------------------------------------------


def _openapi(client: Client) -> dict[str, Any]:
    return client.get(f"{API}/openapi.json").json()


def test_422_is_declared_wherever_input_is_validated(psa):
    for path, operations in _openapi(as_user(psa))["paths"].items():
        for method, operation in operations.items():
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in operation["responses"], (method, path)


def test_downloads_declare_their_media_type(psa):
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    expected = {
        "/api/v1/notices/{notice_id}/pdf": {"application/pdf"},
        "/api/v1/inspections/{inspection_id}/checklist.pdf": {"application/pdf"},
        "/api/v1/documents/{document_id}/content": {
            "application/pdf",
            xlsx,
            "image/jpeg",
            "image/png",
        },
        "/api/v1/enrollments/{enrollment_id}/application/export": {xlsx},
        "/api/v1/sites/{site_id}/registry/export": {xlsx},
        "/api/v1/equipment-requests/{equipment_request_id}/form.xlsx": {xlsx},
        "/api/v1/companies/{company_id}/folder/zip": {"application/zip"},
        "/api/v1/sites/{site_id}/policy/usbguard": {"text/plain"},
        "/api/v1/sites/{site_id}/policy/fapolicyd": {"text/plain"},
        "/api/v1/sites/{site_id}/policy/santa": {"application/json"},
    }
    paths = _openapi(as_user(psa))["paths"]
    for path, media in expected.items():
        assert set(paths[path]["get"]["responses"]["200"]["content"]) == media, path


def test_a_form_field_is_never_null_in_the_published_schema(psa):
    """A multipart form has no null: an optional field is absent (dated_on), never "null"."""
    for path, operations in _openapi(as_user(psa))["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            form = content.get("multipart/form-data", {}).get("schema")
            if form:
                assert form["additionalProperties"] is False, (method, path)
                for name, field in form["properties"].items():
                    kinds = [k.get("type") for k in field.get("anyOf", [field])]
                    assert "null" not in kinds, (method, path, name)
