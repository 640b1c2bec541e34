"""Pages are Japanese unless the user switched; the API negotiates with Accept-Language."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_pages_are_japanese_even_for_an_english_browser(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="ja"' in page.content.decode() and "ログイン" in page.content.decode()


@pytest.mark.django_db
def test_the_language_switch_turns_pages_english_and_back(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert 'lang="en"' in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "ja", "next": "/accounts/login/"})
    assert 'lang="ja"' in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_the_api_answers_in_the_language_asked_for(client):
    english = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    japanese = client.get("/api/v1/me").json()["detail"]
    assert english != japanese and english.isascii() and not japanese.isascii()
