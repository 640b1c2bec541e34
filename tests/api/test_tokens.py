"""Personal API tokens: stored hashed, bearer only, revocable, never a way round CSRF."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.apps import apps
from django.test import Client

from dsg.audit.models import AuditEvent
from dsg.orgs.models import ApiToken, Role
from dsg.orgs.services import api_token_create, api_token_revoke

from ..factories import UserFactory

API = "/api/v1"
SITE = {
    "name": "横浜事業所",
    "postal_code": "231-0023",
    "prefecture": "14",
    "address": "中区山下町1",
}

pytestmark = pytest.mark.django_db


def bearer(raw: str, **kwargs) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"}, **kwargs)


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def assert_unauthenticated(response) -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == "unauthenticated" and body["detail"]


def every_stored_value() -> str:
    """Every column of every row of the project's models, as one string."""
    parts = []
    for config in apps.get_app_configs():
        if config.name.startswith("dsg."):
            for model in config.get_models():
                parts += [json.dumps(row, default=str) for row in model._base_manager.values()]
    return "\n".join(parts)


def test_only_the_sha256_of_a_token_is_stored(psa):
    raw = api_token_create(actor=psa, name="集計スクリプト")
    token = ApiToken.objects.get(user=psa)
    assert raw.startswith(ApiToken.PREFIX) and len(raw) > 40
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    stored = every_stored_value()
    assert raw not in stored
    assert raw.removeprefix(ApiToken.PREFIX) not in stored
    assert AuditEvent.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()


def test_the_token_page_shows_a_new_token_once(psa):
    client = logged_in(psa)
    response = client.post(
        "/account/api-tokens/", {"name": "夜間バッチ", "scope": "read", "days": "90"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=psa, name="夜間バッチ")
    raw = next(
        word
        for word in response.content.decode().replace("<", " ").replace(">", " ").split()
        if word.startswith(ApiToken.PREFIX)
    )
    assert ApiToken.digest_of(raw) == token.digest
    assert raw not in client.get("/account/api-tokens/").content.decode()
    assert bearer(raw).get(f"{API}/me").json()["email"] == psa.email


def test_a_token_works_as_bearer_and_records_its_use(psa):
    raw = api_token_create(actor=psa, name="t")
    response = bearer(raw).get(f"{API}/me")
    assert response.status_code == 200
    assert response.json()["email"] == psa.email and response.json()["role"] == Role.PSA
    assert ApiToken.objects.get(user=psa).last_used_at is not None
    # The scheme is case-insensitive.
    lower = Client(headers={"Authorization": f"bearer {raw}"}).get(f"{API}/me")
    assert lower.status_code == 200


def test_a_read_with_a_token_writes_its_last_use_at_most_once_a_minute(psa):
    """A read stays a read: "last used" is written on the first call and then once a minute."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    raw = api_token_create(actor=psa, name="t")
    client = bearer(raw)

    def writes() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/me").status_code == 200
        return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]

    assert len(writes()) == 1  # the first use is recorded
    first = ApiToken.objects.get(user=psa).last_used_at
    assert writes() == [] and writes() == []  # within the minute: no write
    assert ApiToken.objects.get(user=psa).last_used_at == first
    ApiToken.objects.filter(user=psa).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    assert len(writes()) == 1  # a minute later, once more


def test_a_token_does_not_log_in_to_pages(psa):
    raw = api_token_create(actor=psa, name="t")
    response = bearer(raw).get("/sites/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_revoked_token_is_refused(psa):
    raw = api_token_create(actor=psa, name="t")
    assert bearer(raw).get(f"{API}/me").status_code == 200
    token = ApiToken.objects.get(user=psa)
    response = logged_in(psa).post(f"/account/api-tokens/{token.pk}/revoke/", {"confirmed": "1"})
    assert response.status_code == 303  # through its confirmation page (#12): its POST revokes
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_unauthenticated(bearer(raw).get(f"{API}/me"))
    assert_unauthenticated(bearer(raw).post(f"{API}/sites", SITE, content_type="application/json"))
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).exists()


def test_the_token_of_a_deactivated_person_is_refused(psa):
    raw = api_token_create(actor=psa, name="t")
    psa.is_active = False
    psa.save(update_fields=["is_active"])
    assert_unauthenticated(bearer(raw).get(f"{API}/me"))


def test_only_the_owner_can_revoke_a_token(psa, other_psa):
    raw = api_token_create(actor=psa, name="t")
    token = ApiToken.objects.get(user=psa)
    assert logged_in(other_psa).post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(raw).get(f"{API}/me").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer dsg_not-a-real-token",
        "bearer dsg_not-a-real-token",
        "BEARER dsg_not-a-real-token",
        "Bearer ",
        "Bearer",
        "Bearer revoked",
    ],
)
def test_a_bad_token_never_falls_back_to_the_session(psa, header):
    """A browser session is valid, yet a bad bearer token makes the call anonymous."""
    client = logged_in(psa)
    assert client.get(f"{API}/me").status_code == 200  # the session alone works
    if header == "Bearer revoked":
        raw = api_token_create(actor=psa, name="t")
        api_token_revoke(token=ApiToken.objects.get(user=psa), actor=psa)
        header = f"Bearer {raw}"
    assert_unauthenticated(client.get(f"{API}/me", headers={"Authorization": header}))
    response = client.post(
        f"{API}/sites", SITE, content_type="application/json", headers={"Authorization": header}
    )
    assert_unauthenticated(response)
    assert not psa.organization.sites.exists()


def test_a_session_post_needs_the_csrf_token(psa):
    client = logged_in(psa, enforce_csrf_checks=True)
    response = client.post(f"{API}/sites", SITE, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed" and response.json()["detail"]
    assert not psa.organization.sites.exists()
    # With the token from the cookie the same call goes through: it was only the CSRF check.
    client.get("/sites/new/")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        f"{API}/sites", SITE, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content
    # Reads need no CSRF token.
    assert client.get(f"{API}/sites").status_code == 200


def test_a_token_post_needs_no_csrf_token(psa):
    raw = api_token_create(actor=psa, name="t")
    client = bearer(raw, enforce_csrf_checks=True)
    response = client.post(f"{API}/sites", SITE, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["company_id"] == psa.organization_id


def test_a_token_acts_with_its_owner_role_only(company):
    delegate = UserFactory(organization=company, role=Role.DELEGATE)
    raw = api_token_create(actor=delegate, name="t")
    response = bearer(raw).post(f"{API}/sites", SITE, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not company.sites.exists()
