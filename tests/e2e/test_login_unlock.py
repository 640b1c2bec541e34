"""A paused login released by the mailed link, in Chromium: static/dsg/unlock.js takes the code from
the link's #fragment (never sent to the server) under the portal's CSP, and the person logs in.
(An attacker who pauses the address again is in tests/orgs/test_throttling.py: here every browser
shares one loopback address, and its per-client limit.)"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from dsg.notifications.models import OutboxMessage

from ..factories import PASSWORD
from .conftest import login, shoot

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _fresh_counters():
    """The live server's tests share the database cache: leave no counter to the next test."""
    cache.clear()
    yield
    cache.clear()


def _try(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    form = page.locator("form[data-form=login]")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_the_mailed_link_unlocks_the_login_in_the_browser(new_page, psa):
    errors: list[str] = []
    attacker = new_page()
    for _ in range(5):
        _try(attacker, psa.email, "a wrong guess 123")
    _try(attacker, psa.email, PASSWORD)
    expect(attacker.locator(".form-errors")).to_contain_text("分間停止しています")
    attacker.locator("form[data-form=unlock-request] button").click()
    expect(attacker.locator(".notices")).to_contain_text("ロック解除用のリンク")

    body = OutboxMessage.objects.filter(recipients=[psa.email]).latest("pk").body
    path = re.search(r"https?://[^/\s]+(/accounts/unlock/#\S+)", body).group(1)
    person = new_page()
    person.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    person.goto(path)
    code = path.split("#", 1)[1]
    expect(person.locator("input[name=code]")).to_have_value(code)
    assert "#" not in person.url  # taken off the address bar
    shoot(person, "login-unlock")
    person.locator("form[data-form=unlock] button[type=submit]").click()
    person.wait_for_url(lambda url: url.endswith("/accounts/login/"))
    expect(person.locator(".notices")).to_contain_text("ロックを解除しました")

    login(person, psa)
    expect(person.locator(".who__name")).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e], errors
