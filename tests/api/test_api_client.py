"""The API as a client uses it (#12): tokens made and revoked through the API after a session
login, the company's people for its PSA, the ledger events of a case, and every code of the
OpenAPI document named in Japanese and English."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dsg.audit.models import AuditEvent
from dsg.enrollment.models import State
from dsg.orgs.models import ApiToken, Role
from dsg.orgs.services import api_token_create

from ..factories import SiteFactory, UserFactory, api_client
from ..walk import new_case, walk_to

API = "/api/v1"

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def session_with_csrf(user) -> tuple[Client, str]:
    """A browser's session: logged in, CSRF enforced, with the token a page sets."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/account/api-tokens/")
    return client, client.cookies["csrftoken"].value


# Tokens ---------------------------------------------------------------------------------------


def test_a_session_creates_a_token_shown_once_that_then_works_as_bearer(psa):
    client, csrf = session_with_csrf(psa)
    body = {"name": "集計スクリプト", "scope": "read", "days": 30}
    response = client.post(
        f"{API}/tokens", body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    raw = created["token"]
    assert raw.startswith(ApiToken.PREFIX)
    assert created["scope"] == "read" and created["name"] == "集計スクリプト"
    token = ApiToken.objects.get(pk=created["id"])
    assert token.user == psa
    assert round((token.expires_at - token.created_at).total_seconds() / 86400) == 30
    assert AuditEvent.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()
    # the token reads, and may not write (read scope)
    assert bearer(raw).get(f"{API}/me").json()["email"] == psa.email
    assert bearer(raw).post(f"{API}/tokens/{token.pk}/revoke").status_code == 403
    # its value is never listed again
    listed = client.get(f"{API}/tokens").json()
    assert [row["id"] for row in listed] == [token.pk]
    assert raw not in client.get(f"{API}/tokens").content.decode()


def test_creating_a_token_needs_the_session_s_csrf_token(psa):
    client, _csrf = session_with_csrf(psa)
    response = client.post(f"{API}/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert not ApiToken.objects.exists()


def test_a_token_cannot_create_a_token(psa):
    raw = api_token_create(actor=psa, name="script")
    response = bearer(raw).post(f"{API}/tokens", {"name": "more"}, content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "days": 0},
        {"name": "x", "days": 366},
        {"name": ""},
        {"name": "x", "scope": "all"},
    ],
)
def test_a_token_outside_the_page_s_limits_is_refused_and_nothing_is_made(psa, body):
    client, csrf = session_with_csrf(psa)
    response = client.post(
        f"{API}/tokens", body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert not ApiToken.objects.exists()


def test_a_token_is_revoked_through_the_api_and_stops_working(psa, other_psa):
    raw = api_token_create(actor=psa, name="script")
    token = ApiToken.objects.get(user=psa)
    client, csrf = session_with_csrf(psa)
    # another person's token is not found
    other = Client(enforce_csrf_checks=False)
    other.force_login(other_psa)
    assert other.post(f"{API}/tokens/{token.pk}/revoke").status_code == 404
    assert bearer(raw).get(f"{API}/me").status_code == 200
    response = client.post(f"{API}/tokens/{token.pk}/revoke", headers={"X-CSRFToken": csrf})
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert response.json()["revoked_because"] == "owner"
    assert bearer(raw).get(f"{API}/me").status_code == 401


# The company's people ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PSA, Role.DELEGATE])
def test_the_psa_and_the_delegate_list_their_company_s_active_people(
    role, psa, delegate, company_user, other_psa, reviewer
):
    gone = UserFactory(organization=psa.organization, role=Role.USER, is_active=False)
    asking = psa if role == Role.PSA else delegate
    raw = api_token_create(actor=asking, name="people")
    response = bearer(raw).get(f"{API}/people")
    assert response.status_code == 200, response.content
    rows = response.json()["items"]
    assert {row["email"] for row in rows} == {psa.email, delegate.email, company_user.email}
    assert gone.email not in response.content.decode()
    assert {row["role"] for row in rows} == {"psa", "delegate", "user"}


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("company_user", "api_not_for_role"),  # their session: the 利用者 uses no API (#12)
        ("reviewer", "forbidden"),
        ("provider_staff", "forbidden"),
    ],
)
def test_no_one_else_lists_a_company_s_people(who, code, request, psa):
    user = request.getfixturevalue(who)
    response = api_client(user, name="people").get(f"{API}/people")
    assert response.status_code == 403 and response.json()["code"] == code
    assert psa.email not in response.content.decode()


def test_the_people_list_takes_the_same_queries_however_many_people(psa):
    client = bearer(api_token_create(actor=psa, name="people"))
    client.get(f"{API}/me")  # its first use writes "last used" (then at most once a minute)
    counts = []
    for _ in range(2):
        UserFactory.create_batch(5, organization=psa.organization, role=Role.USER)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/people").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# The ledger events of a case --------------------------------------------------------------------


@pytest.fixture
def case_at_setup(cast, site):
    """A case walked to ⑥: it has events of ① and ② (the review, the inspection) and of ③–⑤."""
    return walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)


def events_of(user, case) -> list[dict]:
    response = api_client(user, name="ledger").get(f"{API}/enrollments/{case.pk}/events?limit=200")
    assert response.status_code == 200, response.content
    return response.json()["items"]


@pytest.mark.parametrize("who", ["psa", "delegate", "reviewer", "inspector"])
def test_who_reads_the_whole_history_reads_every_event_of_the_case(who, request, case_at_setup):
    events = events_of(request.getfixturevalue(who), case_at_setup)
    stored = AuditEvent.objects.filter(
        object_type="enrollment.enrollment", object_id=str(case_at_setup.pk)
    ).order_by("sequence")
    assert [e["sequence"] for e in events] == [e.sequence for e in stored]
    actions = [e["action"] for e in events]
    assert actions[0] == "enrollment.create" and "enrollment.accept" in actions
    assert events[0]["actor"] == case_at_setup.created_by.full_name
    assert all(e["hash"] for e in events)


def test_the_provider_reads_only_the_events_of_steps_3_to_6(provider_staff, case_at_setup):
    """The policy narrows a 利用者's events too, but the 利用者 uses no API (#12): their case
    page shows the history they read (tests/test_role_matrix.py)."""
    events = events_of(provider_staff, case_at_setup)
    steps = dict(case_at_setup.records.values_list("pk", "step"))
    assert events, "the survey, the construction and the router were recorded"
    assert all(3 <= steps[e["after"]["record"]] <= 6 for e in events)
    actions = {e["action"] for e in events}
    assert not actions & {"enrollment.create", "enrollment.submit", "enrollment.accept"}


def test_another_company_does_not_find_the_case_s_events(other_psa, case_at_setup):
    response = bearer(api_token_create(actor=other_psa, name="ledger")).get(
        f"{API}/enrollments/{case_at_setup.pk}/events"
    )
    assert response.status_code == 404


def test_the_events_take_the_same_queries_however_many(cast, site):
    client = bearer(api_token_create(actor=cast.psa, name="ledger"))
    client.get(f"{API}/me")  # its first use writes "last used" (then at most once a minute)
    short = new_case(site, cast)
    long = walk_to(new_case(SiteFactory(company=site.company), cast), State.CONSTRUCTION, cast)
    counts = []
    for case in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/enrollments/{case.pk}/events").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Codes named in the OpenAPI document ------------------------------------------------------------

# Document kinds, finding results, decisions, states and transition names, with the label each
# code has on the pages.
LABELLED = {
    "Kind": ("application", "加入申請書"),
    "FindingResult": ("nonconforming", "不適合"),
    "InspectionOutcome": ("remediation_required", "改善措置"),
    "RemediationDecision": ("reinspection", "再"),
    "LineDecisionCode": ("approved", ""),
    "RequestStateCode": ("under_review", ""),
    "ChangeStateCode": ("accepted", ""),
    "InspectionStatusCode": ("finished", ""),
    "TerminalState": ("disposed", "廃棄済"),
    "TokenScope": ("read", ""),
}


def test_every_listed_enum_names_each_code_in_japanese_and_english(client):
    schemas = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    for name, (code, japanese) in LABELLED.items():
        schema = schemas[name]
        labels = schema["x-enum-labels"]
        assert set(labels) == set(schema["enum"]), name
        assert all(label["ja"] and label["en"] for label in labels.values()), name
        assert japanese in labels[code]["ja"], (name, labels[code])
        assert labels[code]["ja"] != labels[code]["en"] or code == "", (name, labels[code])
        assert schema["x-enumDescriptions"][code] == f"{labels[code]['ja']} / {labels[code]['en']}"
        assert f"`{code}`" in schema["description"]


def test_each_transition_names_its_required_fields_and_its_label(client):
    schemas = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    fields = schemas["TransitionIn"]["x-fields-by-transition"]
    assert set(fields) == set(schemas["TransitionName"]["enum"])
    assert fields["install_router"]["required"] == ["performed_on", "router_serial"]
    assert fields["reject"]["required"] == ["comment"]
    assert fields["withdraw"] == {"required": [], "optional": ["comment"]}
    assert "reject" in schemas["TransitionIn"]["properties"]["comment"]["description"]
    assert "却下" in schemas["TransitionName"]["x-enum-labels"]["reject"]["ja"]
    assert schemas["StateCode"]["x-enum-labels"]["returned"]["ja"] == "補正"


def test_the_case_s_answer_carries_codes_of_its_enums(cast, site):
    case = new_case(site, cast)
    answer = bearer(api_token_create(actor=cast.psa, name="x")).get(f"{API}/enrollments/{case.pk}")
    assert answer.json()["state"] == "draft"


# Authentication: one indexed read, no write ----------------------------------------------------


def test_a_bearer_call_reads_its_token_once_and_writes_nothing(psa):
    client = bearer(api_token_create(actor=psa, name="x"))
    client.get(f"{API}/me")  # the first use writes "last used"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{API}/me").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 1 and "orgs_apitoken" in sql[0] and sql[0].startswith("SELECT"), sql
