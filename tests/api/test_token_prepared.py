"""The bearer token's read is compiled once per process (orgs.api_auth, issue #14) and still
runs every call: a token revoked, expired or of a deactivated person is refused on the very next
call after one that was answered; the token's person comes with their organisation, no query
more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsg.orgs import api_auth
from dsg.orgs.models import ApiToken
from dsg.orgs.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_the_token_is_read_by_one_query_compiled_once(psa, monkeypatch):
    raw = api_token_create(actor=psa, name="t")
    assert bearer(raw).get(ME).status_code == 200
    monkeypatch.setattr(api_auth, "_by_digest", lambda: pytest.fail("compiled again"))
    with CaptureQueriesContext(connection) as captured:
        token = api_auth.token_for(raw)
    assert token is not None and token.user == psa
    assert token.user.organization.name == psa.organization.name  # loaded with it
    assert len(captured) == 1 and "orgs_apitoken" in captured[0]["sql"]
    assert api_auth.token_for(raw + "x") is None
    assert bearer(raw).get(ME).json()["email"] == psa.email


@pytest.mark.parametrize("end", ["revoked", "expired", "deactivated"])
def test_a_token_ended_is_refused_on_the_next_call(psa, end):
    raw = api_token_create(actor=psa, name="t")
    assert bearer(raw).get(ME).status_code == 200
    if end == "revoked":
        api_token_revoke(token=ApiToken.objects.get(user=psa), actor=psa)
    elif end == "expired":
        ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        psa.is_active = False
        psa.save(update_fields=["is_active"])
    assert bearer(raw).get(ME).status_code == 401
    assert api_auth.token_for(raw) is None
