"""二要素認証 (dsg.orgs.mfa) and the admin behind the same login.

Who must use MFA is sent to set it up right after the password; once set up, the login asks the
second factor (a TOTP code computed here from the secret, as an app would, or a recovery code).
The last factor of someone who must use MFA cannot be removed. A change of factors ends the
person's other sessions and revokes their API tokens. /admin/ logs in through the same login and
its second factor, and every change made in the admin is a ledger event naming the fields.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from dsg.audit.models import AuditEvent
from dsg.notifications.models import OutboxMessage
from dsg.orgs.mfa import LAST_FACTOR
from dsg.orgs.models import ApiToken, Organization, Role, Site, User
from dsg.orgs.services import api_token_create

from ..factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
SETUP = "/accounts/2fa/"
SECOND_FACTOR = "/accounts/2fa/authenticate/"


@pytest.fixture(autouse=True)
def _mfa_required(settings, db):
    """The suite runs with the requirement off (tests/conftest.py); here it is on, as in
    production. A TOTP code is accepted once: the cache that remembers used codes starts empty."""
    settings.DSG_MFA_REQUIRED = True
    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 as an authenticator app computes it: HMAC-SHA1, 30 s steps, 6 digits."""
    key = base64.b32decode(secret, casefold=True)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def with_totp(user: User) -> str:
    """Give ``user`` an authenticator app (and recovery codes); return the app's secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    user.refresh_from_db()  # the change moved its session hash on (User.mfa_epoch)
    return secret


def recovery_codes(user: User) -> list[str]:
    return Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()


def password_step(client: Client, user: User, next_url: str = "") -> str:
    url = LOGIN + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def reauthenticate(client: Client) -> None:
    """allauth asks the password again before any change of factors (a login is not enough)."""
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def log_in_with_code(client: Client, user: User, code: str, next_url: str = "") -> str:
    assert password_step(client, user, next_url) == SECOND_FACTOR
    return second_factor(client, code)


def log_in_with_app(client: Client, user: User, secret: str, next_url: str = "") -> str:
    """Log in with the authenticator app's code of the moment the second step is sent (computed
    before the password step, it may belong to the 30-second window that has just ended; in the
    last two seconds of a window, the next window's: the server takes no code of another one)."""
    assert password_step(client, user, next_url) == SECOND_FACTOR
    if time.time() % 30 > 28:  # the window ends before the server reads the code: the next one
        time.sleep(30.1 - time.time() % 30)
    return second_factor(client, totp_code(secret))


def second_factor(client: Client, code: str) -> str:
    response = client.post(SECOND_FACTOR, {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# --- who must use it, and the setup redirect ---------------------------------------------------


@pytest.fixture
def superuser(office):
    return UserFactory(organization=office, role=Role.REVIEWER, is_staff=True, is_superuser=True)


@pytest.mark.parametrize("role", ["psa", "reviewer", "inspector", "provider_staff", "superuser"])
def test_who_must_use_mfa_and_has_none_is_sent_to_set_it_up_after_the_password(
    role, request, client
):
    user = request.getfixturevalue(role)
    assert password_step(client, user) == "/"  # allauth: no factor yet, so no second step
    for page in ("/", "/sites/", "/account/api-tokens/", "/admin/"):
        response = client.get(page)
        assert (response.status_code, response["Location"]) == (302, SETUP), page
    page = client.get(SETUP)
    assert page.status_code == 200 and 'data-mfa="setup-required"' in page.content.decode()
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")  # open during setup
    reauthenticate(client)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    assert client.get("/accounts/2fa/webauthn/add/").status_code == 200
    api = client.get("/api/v1/enrollments")
    assert api.status_code == 403 and api.json()["code"] == "mfa_setup_required"
    assert client.post("/accounts/logout/").status_code == 302  # logging out stays open


def test_a_token_of_someone_who_must_set_up_mfa_is_refused(reviewer, client):
    raw = api_token_create(actor=reviewer, name="script", scope="read", days=30)
    response = client.get("/api/v1/enrollments", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403 and response.json()["code"] == "mfa_setup_required"
    with_totp(reviewer)
    assert client.get("/api/v1/enrollments", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code in (
        401,  # the token was revoked when the factor was added
        403,
    )


def test_a_user_is_never_required_and_a_delegate_only_when_the_office_extends_it(
    company, company_user, delegate, reviewer, client
):
    for person in (company_user, delegate):
        person_client = Client()
        assert password_step(person_client, person) == "/"
        assert person_client.get("/").status_code == 200
    delegate_client = Client()
    password_step(delegate_client, delegate)
    assert delegate_client.get("/").status_code == 200

    office = Client()
    log_in_with_app(office, reviewer, with_totp(reviewer))
    page = office.get("/office/mfa/")
    assert page.status_code == 200 and company.name in page.content.decode()
    response = office.post("/office/mfa/", {"company": company.pk, "required": "1"})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.mfa_for_delegates
    (event,) = events("organization.mfa_delegates")
    assert event.after == {"mfa_for_delegates": True} and event.actor_id == reviewer.pk

    # The delegate's session, already open, is sent to set it up at its next page.
    assert delegate_client.get("/")["Location"] == SETUP
    user_client = Client()
    password_step(user_client, company_user)
    assert user_client.get("/").status_code == 200  # 利用者: never

    # Only the reviewers decide it; a company or a bad form changes nothing.
    assert office.post("/office/mfa/", {"company": "x", "required": "1"}).status_code == 302
    assert user_client.get("/office/mfa/").status_code == 403
    assert (
        user_client.post("/office/mfa/", {"company": company.pk, "required": "0"}).status_code
        == 403
    )
    company.refresh_from_db()
    assert company.mfa_for_delegates and len(events("organization.mfa_delegates")) == 1


# --- TOTP: set up, then asked at login ---------------------------------------------------------


def test_an_authenticator_app_is_set_up_then_asked_at_every_login(reviewer, client):
    other = Client()
    other.force_login(reviewer)  # another session of the same person, open before the change
    password_step(client, reviewer)
    reauthenticate(client)
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    secret = client.session["mfa.totp.secret"]
    assert secret in page and "data:image/svg+xml" in page  # the key and its QR code

    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=reviewer).exists()
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get(response["Location"]).content.decode()
    assert all(code in codes for code in recovery_codes(reviewer))
    assert {a.type for a in Authenticator.objects.filter(user=reviewer)} == {
        "totp",
        "recovery_codes",
    }
    stored = Authenticator.objects.get(user=reviewer, type="totp").data["secret"]
    assert stored.startswith("aesgcm1:") and secret not in stored  # sealed at rest
    assert [e.after["type"] for e in events("mfa.added")] == ["totp", "recovery_codes"]

    assert client.get("/").status_code == 200  # this session carries on
    assert other.get("/")["Location"].startswith(LOGIN)  # the other one has ended

    client.post("/accounts/logout/")
    assert password_step(client, reviewer) == SECOND_FACTOR
    assert client.get("/")["Location"].startswith(LOGIN)  # not logged in between the steps
    refused = client.post(SECOND_FACTOR, {"code": "123456"})
    assert refused.status_code == 200 and client.get("/").status_code == 302
    cache.clear()  # the activation's code may be the current one: an app shows it once
    response = client.post(SECOND_FACTOR, {"code": totp_code(secret)})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").status_code == 200


def test_a_code_is_accepted_once(psa, client):
    secret = with_totp(psa)
    assert password_step(client, psa) == SECOND_FACTOR
    code = totp_code(secret)
    assert second_factor(client, code) == "/"
    again = Client()
    password_step(again, psa)
    assert again.post(SECOND_FACTOR, {"code": code}).status_code == 200  # replay refused
    assert again.get("/").status_code == 302


def test_a_recovery_code_logs_in_once(provider_staff, client):
    with_totp(provider_staff)
    first, second = recovery_codes(provider_staff)[:2]
    assert log_in_with_code(client, provider_staff, first) == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    password_step(client, provider_staff)
    assert client.post(SECOND_FACTOR, {"code": first}).status_code == 200  # used up
    assert client.post(SECOND_FACTOR, {"code": second}).status_code == 302
    assert len(recovery_codes(provider_staff)) == 8


# --- the last factor, and what a change ends ---------------------------------------------------


def last_factor_refusal() -> str:
    with translation.override("ja"):
        return str(LAST_FACTOR)


def webauthn_key(user: User) -> Authenticator:
    """A registered key as allauth stores it (its credential is never read here)."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "USB key", "credential": {}}
    )


def test_the_last_factor_of_someone_who_must_use_mfa_cannot_be_removed(inspector, client):
    secret = with_totp(inspector)
    key = webauthn_key(inspector)
    log_in_with_app(client, inspector, secret)
    reauthenticate(client)

    # With a key left, the app may go.
    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=inspector, type="totp").exists()
    assert client.get("/").status_code == 200  # the session that made the change carries on

    # The key is now the last factor: refused, with why.
    response = client.post(f"/accounts/2fa/webauthn/keys/{key.pk}/remove/", follow=True)
    assert last_factor_refusal() in response.content.decode()
    assert Authenticator.objects.filter(pk=key.pk).exists()

    # The same rule for the app as the last factor (allauth's own form asks the adapter).
    other = UserFactory(organization=inspector.organization, role=Role.INSPECTOR)
    other_client = Client()
    log_in_with_app(other_client, other, with_totp(other))
    reauthenticate(other_client)
    refused = other_client.post("/accounts/2fa/totp/deactivate/")
    assert refused.status_code == 200
    assert last_factor_refusal() in refused.content.decode()
    assert Authenticator.objects.filter(user=other, type="totp").exists()


def test_someone_not_required_may_remove_their_only_factor(company_user, client):
    log_in_with_app(client, company_user, with_totp(company_user))
    reauthenticate(client)
    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=company_user).exists()  # codes go with it
    assert [e.after["type"] for e in events("mfa.removed")] == ["totp", "recovery_codes"]
    added, removed = OutboxMessage.objects.filter(kind="mfa.changed").order_by("pk")
    assert added.recipients == removed.recipients == [company_user.email]
    assert "認証アプリ" in removed.body and "削除" in removed.body  # both changes are mailed


def test_an_mfa_change_ends_the_other_sessions_and_revokes_the_tokens(psa, client):
    secret = with_totp(psa)
    raw = api_token_create(actor=psa, name="script", scope="read", days=30)
    log_in_with_app(client, psa, secret)
    other = Client()
    other.force_login(psa)
    assert other.get("/").status_code == 200
    assert (
        Client().get("/api/v1/enrollments", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    )

    reauthenticate(client)
    response = client.post("/accounts/2fa/recovery-codes/generate/")
    assert response.status_code == 302

    assert client.get("/").status_code == 200  # the session that renewed the codes stays
    assert other.get("/")["Location"].startswith(LOGIN)
    token = ApiToken.objects.get(user=psa)
    assert token.revoked_at is not None and token.revoked_because == "mfa_changed"
    assert (
        Client().get("/api/v1/enrollments", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    )
    assert [e.after["type"] for e in events("mfa.removed")] == ["recovery_codes"]
    assert events("mfa.added")[-1].after["type"] == "recovery_codes"


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_logs_in_through_the_portal_login_and_asks_the_second_factor(superuser, client):
    secret = with_totp(superuser)
    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = client.get(response["Location"])
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"

    # Django's own admin form no longer logs anyone in: its POST goes the same way.
    response = client.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD}
    )
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session

    assert password_step(client, superuser, next_url="/admin/") == SECOND_FACTOR
    assert client.get("/admin/").status_code == 302  # a password alone opens nothing
    response = client.post(SECOND_FACTOR, {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_is_refused_to_a_person_without_staff_rights(psa, client):
    with_totp(psa)
    client.force_login(psa)
    assert client.get("/admin/login/").status_code == 403


@pytest.fixture
def operator(superuser):
    with_totp(superuser)
    logged_in = Client()
    logged_in.force_login(superuser)
    return logged_in


def test_admin_changes_of_a_person_are_ledgered_with_the_fields(operator, company, superuser):
    person = UserFactory(organization=company, role=Role.DELEGATE)
    joined = timezone.localtime(person.date_joined)
    raw = api_token_create(actor=person, name="script", scope="read", days=30)
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "organization": company.pk,
        "role": Role.PSA,
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": joined.strftime("%Y-%m-%d"),  # a default's hidden initial
        "initial-date_joined_1": joined.strftime("%H:%M:%S"),
    }  # is_active left out: unticked
    response = operator.post(f"/admin/orgs/user/{person.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (event,) = events("admin.user.change")
    assert set(event.after["fields"]) == {"role", "is_active"}
    assert event.before == {"role": "delegate", "is_active": True}
    assert event.after["role"] == "psa" and event.after["is_active"] is False
    assert event.actor_id == superuser.pk and event.company_id == company.pk
    assert ApiToken.objects.get(digest=ApiToken.digest_of(raw)).revoked_at is not None

    new_password = "a brand new passphrase 7"
    response = operator.post(
        f"/admin/orgs/user/{person.pk}/password/",
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    (event,) = events("admin.user.change")[1:]
    assert event.after == {"fields": ["password"]} and event.before is None
    assert new_password not in str(AuditEvent.objects.values_list("after", "before"))

    response = operator.post(f"/admin/orgs/user/{person.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    (event,) = events("admin.user.delete")
    assert event.object_id == str(person.pk) and event.after == {"repr": str(person)}


def test_admin_changes_of_an_organisation_and_a_site_are_ledgered(operator, company, site):
    data = {
        "kind": "office",
        "name": "防衛装備庁 別室",
        "corporate_number": "",
        "postal_code": "",
        "prefecture": "",
        "address": "",
    }
    assert operator.post("/admin/orgs/organization/add/", data).status_code == 302
    (added,) = events("admin.organization.add")
    assert added.after["name"] == "防衛装備庁 別室" and "name" in added.after["fields"]
    assert added.company_id is None

    data = {
        "kind": "company",
        "name": company.name,
        "corporate_number": company.corporate_number,
        "postal_code": company.postal_code,
        "prefecture": company.prefecture,
        "address": company.address,
        "mfa_for_delegates": "on",
    }
    response = operator.post(f"/admin/orgs/organization/{company.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (changed,) = events("admin.organization.change")
    assert changed.after == {"fields": ["mfa_for_delegates"], "mfa_for_delegates": True}
    assert changed.company_id == company.pk

    data = {
        "company": company.pk,
        "name": "新しい拠点名",
        "postal_code": site.postal_code,
        "prefecture": site.prefecture,
        "address": site.address,
        "facility": site.facility,
    }
    response = operator.post(f"/admin/orgs/site/{site.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (changed,) = events("admin.site.change")
    assert changed.before == {"name": site.name}
    assert changed.after == {"fields": ["name"], "name": "新しい拠点名"}
    assert Site.objects.get(pk=site.pk).name == "新しい拠点名"


def test_an_operator_resets_a_lost_factor_in_the_admin(operator, reviewer, superuser):
    secret = with_totp(reviewer)
    totp = Authenticator.objects.get(user=reviewer, type="totp")
    page = operator.get(f"/admin/mfa/authenticator/{totp.pk}/change/").content.decode()
    assert secret not in page and "aesgcm1:" not in page  # the secret is never shown
    response = operator.post(f"/admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    (deleted,) = events("admin.authenticator.delete")
    assert deleted.actor_id == superuser.pk
    assert events("mfa.removed")[-1].after == {"user": reviewer.pk, "type": "totp"}

    # The person is asked to set up a new factor at their next login.
    fresh = Client()
    assert password_step(fresh, reviewer) == "/"
    assert fresh.get("/")["Location"] == SETUP


def test_the_deploy_check_warns_when_mfa_is_not_required(settings, capsys):
    from dsg.orgs.checks import check_mfa_required

    assert check_mfa_required(None) == []
    settings.DSG_MFA_REQUIRED = False
    (warning,) = check_mfa_required(None)
    assert warning.id == "dsg.orgs.W001"


def test_the_user_menu_links_to_two_factor_authentication(company_user, client):
    client.force_login(company_user)
    page = client.get("/").content.decode()
    assert 'href="/accounts/2fa/"' in page and "二要素認証" in page


def test_only_companies_have_delegates(reviewer):
    from dsg.core.errors import RuleViolation
    from dsg.orgs.services import company_mfa_delegates_set

    with pytest.raises(RuleViolation):
        company_mfa_delegates_set(
            actor=reviewer,
            company=Organization.objects.get(pk=reviewer.organization_id),
            required=True,
        )


def test_the_office_page_is_the_reviewers(inspector, client):
    with_totp(inspector)
    client.force_login(inspector)
    assert client.get("/office/mfa/").status_code == 403


def test_dsg_check_deploy_lists_the_mfa_warning_only_when_off(settings):
    settings.DSG_MFA_REQUIRED = False
    with pytest.raises(Exception, match="dsg.orgs.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")


def test_a_bulk_deletion_in_the_admin_is_ledgered_per_row(operator, company):
    people = [UserFactory(organization=company, role=Role.USER) for _ in range(2)]
    response = operator.post(
        "/admin/orgs/user/",
        {
            "action": "delete_selected",
            "_selected_action": [p.pk for p in people],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[p.pk for p in people]).exists()
    assert sorted(e.object_id for e in events("admin.user.delete")) == sorted(
        str(p.pk) for p in people
    )
