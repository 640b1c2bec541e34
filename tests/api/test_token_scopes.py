"""API tokens read, or read and write; they expire; they end when the person's standing changes.
Sessions end too when the password, the role or the organisation changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.orgs.models import ApiToken, Role
from dsg.orgs.services import api_token_create

from ..factories import CompanyFactory

API = "/api/v1"
SITE = {
    "name": "横浜事業所",
    "postal_code": "231-0023",
    "prefecture": "14",
    "address": "中区山下町1",
}

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_a_read_only_token_reads_and_is_refused_any_write(psa):
    raw = api_token_create(actor=psa, name="集計", scope=ApiToken.Scope.READ)
    client = bearer(raw)
    assert client.get(f"{API}/sites").status_code == 200
    response = client.post(f"{API}/sites", SITE, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "token_read_only"
    assert not psa.organization.sites.exists()


def test_a_read_write_token_writes(psa):
    raw = api_token_create(actor=psa, name="登録", scope=ApiToken.Scope.READ_WRITE)
    response = bearer(raw).post(f"{API}/sites", SITE, content_type="application/json")
    assert response.status_code in (200, 201), response.content


def test_an_expired_token_is_refused(psa):
    raw = api_token_create(actor=psa, name="古い", days=1)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(raw).get(f"{API}/sites").status_code == 401


@pytest.mark.parametrize("days", [0, 366, -5])
def test_a_token_lives_1_to_365_days(psa, days):
    with pytest.raises(RuleViolation):
        api_token_create(actor=psa, name="x", days=days)


def test_a_token_expires_after_90_days_by_default(psa):
    api_token_create(actor=psa, name="x")
    token = ApiToken.objects.get()
    assert dt.timedelta(days=89) < token.expires_at - timezone.now() <= dt.timedelta(days=90)


def test_a_password_change_revokes_every_token_with_a_ledger_event(psa):
    raw = api_token_create(actor=psa, name="x")
    psa.set_password("a-new-long-password-2026")
    psa.save()
    token = ApiToken.objects.get()
    assert token.revoked_at is not None and token.revoked_because == "password_changed"
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1
    assert bearer(raw).get(f"{API}/sites").status_code == 401


def test_a_role_change_revokes_tokens_and_ends_sessions(psa, client):
    raw = api_token_create(actor=psa, name="x")
    client.force_login(psa)
    assert client.get("/").status_code == 200
    psa.role = Role.DELEGATE
    psa.save()
    assert ApiToken.objects.get().revoked_because == "role_changed"
    assert bearer(raw).get(f"{API}/sites").status_code == 401
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_move_to_another_organisation_ends_sessions(psa, client):
    client.force_login(psa)
    psa.organization = CompanyFactory()
    psa.save()
    assert client.get("/").status_code == 302


def test_deactivation_revokes_tokens(psa):
    api_token_create(actor=psa, name="x")
    psa.is_active = False
    psa.save()
    assert ApiToken.objects.get().revoked_because == "deactivated"


def test_a_login_itself_revokes_nothing(psa, client):
    api_token_create(actor=psa, name="x")
    psa.full_name = "新しい 名前"
    psa.save()
    client.force_login(psa)
    assert ApiToken.objects.get().revoked_at is None


def test_the_token_page_creates_a_read_only_token_by_default(psa, client):
    client.force_login(psa)
    url = reverse("api_tokens")
    response = client.post(url, {"name": "集計", "scope": "read", "days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.scope == "read"
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert "集計" in client.get(url).content.decode()
    bad = client.post(url, {"name": "x", "scope": "admin", "days": "999"})
    assert ApiToken.objects.count() == 1
    assert bad.status_code == 200
