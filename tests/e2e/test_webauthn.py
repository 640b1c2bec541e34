"""二要素認証 with a WebAuthn security key, in Chromium with its virtual authenticator (CDP):
a reviewer, who must use MFA, is sent to set it up right after the password, registers a key
through allauth's pages (its script under the portal's strict CSP), then logs in again with the
password and the key."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from ..factories import PASSWORD
from .conftest import ja, login, shoot

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.DSG_MFA_REQUIRED = True  # as in production (the suite runs with it off)


def virtual_authenticator(page) -> tuple[object, str]:
    """A platform authenticator that holds resident keys and verifies its user, as a laptop's
    fingerprint reader would."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def test_a_security_key_is_registered_and_then_logs_in(new_page, reviewer):
    page = new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    cdp, authenticator_id = virtual_authenticator(page)

    # The password alone leads to the setup page, and nowhere else.
    login(page, reviewer)
    page.wait_for_url("**/accounts/2fa/")
    expect(page.locator("[data-mfa=setup-required]")).to_be_visible()
    page.goto("/")
    page.wait_for_url("**/accounts/2fa/")

    # Register a key: allauth asks the password again first.
    page.locator("[data-mfa=webauthn] a").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[data-form=reauthenticate] button[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.locator("form[data-form=webauthn-add] input[name=name]").fill("ノートPC")
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    expect(page.locator("[data-recovery-codes]")).to_be_visible()
    shoot(page, "mfa-webauthn-recovery-codes")

    key = Authenticator.objects.get(user=reviewer, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "ノートPC"
    assert Authenticator.objects.filter(user=reviewer, type="recovery_codes").exists()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1
    page.goto("/")
    expect(page.locator("h1").first).to_be_visible()
    assert "/accounts/" not in page.url  # the portal opens once a factor is set up

    # Log out; the password now leads to the second step, answered by the key.
    page.locator("[data-user-menu] summary").click()  # the person's menu holds 「ログアウト」
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_url("**/accounts/login/**")
    login(page, reviewer)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    expect(page.locator("#mfa_webauthn_authenticate")).to_have_text(ja("Use a security key"))
    shoot(page, "mfa-webauthn-second-step")
    page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    expect(page.locator(".who__name")).to_have_text(reviewer.full_name)
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert not [e for e in errors if "Content Security Policy" in e], errors
