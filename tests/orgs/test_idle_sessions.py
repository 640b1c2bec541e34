"""A login ends after 30 minutes without a request (and after 8 hours whatever happens)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from dsg.orgs.services import api_token_create
from dsg.orgs.sessions import LAST_SEEN

pytestmark = pytest.mark.django_db


def _idle_for(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get("/sites/").status_code == 200  # the first request notes the time
    return client


def test_a_session_idle_for_longer_than_the_limit_is_logged_out_and_comes_back(psa):
    client = _logged_in(psa)
    _idle_for(client, 31 * 60)
    response = client.get("/sites/?page=1")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fsites%2F%3Fpage%3D1"
    assert client.get("/sites/").status_code == 302  # the session is gone, not only refused


def test_a_session_used_within_the_limit_stays(psa):
    client = _logged_in(psa)
    _idle_for(client, 29 * 60)
    assert client.get("/sites/").status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 5  # the clock starts again


def test_the_limit_is_a_setting(psa, settings):
    settings.DSG_SESSION_IDLE_SECONDS = 5 * 60
    client = _logged_in(psa)
    _idle_for(client, 6 * 60)
    assert client.get("/sites/").status_code == 302


def test_an_idle_session_calling_the_api_is_anonymous_but_a_token_is_not_a_session(psa):
    client = _logged_in(psa)
    _idle_for(client, 31 * 60)
    assert client.get("/api/v1/me").status_code == 401
    raw = api_token_create(actor=psa, name="script")
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 200
