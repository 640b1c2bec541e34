"""Every answer to a logged-in person — page, download, API with a session or a token — is
``Cache-Control: private, no-store``; public pages stay cacheable."""

from __future__ import annotations

import pytest
from django.test import Client

from dsg.orgs.services import api_token_create

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def test_pages_and_api_answers_to_a_person_are_never_stored(psa):
    client = Client()
    client.force_login(psa)
    for url in ("/", "/sites/", "/api/v1/me", "/api/v1/sites"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= _directives(response), url
    raw = api_token_create(actor=psa, name="script")
    token = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert {"private", "no-store"} <= _directives(token)


def test_a_public_page_is_not_marked_private():
    response = Client().get("/contacts/")
    assert response.status_code == 200
    assert "private" not in _directives(response)
