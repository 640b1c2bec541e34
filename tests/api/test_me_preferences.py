"""GET/PATCH /api/v1/me/preferences (#12): the caller's own language and mail choices, validated
(422 in the caller's language) and ledgered; the 利用者 uses no API (#13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dsg.audit.models import AuditEvent
from dsg.notifications.models import MailOptOut
from dsg.orgs.models import ApiToken
from dsg.orgs.services import api_token_create, mail_categories_required_set

API = "/api/v1/me/preferences"
pytestmark = pytest.mark.django_db


def bearer(raw: str, **headers: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}", **headers})


def patch(client: Client, body: dict) -> object:
    return client.patch(API, body, content_type="application/json")


def test_get_shows_the_language_and_each_category(psa):
    body = bearer(api_token_create(actor=psa, name="p")).get(API).json()
    assert body["language"] == "ja" and body["languages"] == ["ja", "en"]
    mail = {item["category"]: (item["required"], item["receive"]) for item in body["mail"]}
    assert mail == {
        "account": (True, True),
        "action": (True, True),
        "reminder": (False, True),
        "information": (False, True),
    }


def test_patch_changes_the_caller_s_own_choices_and_is_ledgered(psa, other_psa):
    client = bearer(api_token_create(actor=psa, name="p"))
    response = patch(client, {"language": "en", "mail_off": ["reminder"]})
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "en"
    psa.refresh_from_db()
    assert psa.language == "en"
    assert set(MailOptOut.objects.values_list("user_id", "category")) == {(psa.pk, "reminder")}
    event = AuditEvent.objects.get(action="user.preferences")
    assert event.after == {"language": "en", "mail_off": ["reminder"]}
    other_psa.refresh_from_db()
    assert other_psa.language == "ja"
    # a partial PATCH leaves the rest as it was
    assert patch(client, {"mail_off": []}).json()["language"] == "en"
    assert not MailOptOut.objects.exists()
    assert client.get("/api/v1/me").json()["language"] == "en"


@pytest.mark.parametrize(
    ("body", "code", "english", "japanese"),
    [
        ({"language": "fr"}, "language_unknown", "Choose Japanese", "日本語"),
        ({"mail_off": ["newsletter"]}, "mail_category_unknown", "newsletter", "newsletter"),
        ({"mail_off": ["action"]}, "mail_required", "cannot be turned off", "停止できません"),
    ],
)
def test_bad_input_is_refused_in_the_caller_s_language_and_changes_nothing(
    psa, body, code, english, japanese
):
    raw = api_token_create(actor=psa, name="p")
    before = AuditEvent.objects.count()
    for headers, text in (({"Accept-Language": "en"}, english), ({}, japanese)):
        response = patch(bearer(raw, **headers), {"language": "en", **body})
        assert response.status_code == 422, response.content
        assert response.json()["code"] == code and text in response.json()["detail"]
    psa.refresh_from_db()
    assert psa.language == "ja" and not MailOptOut.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_script_without_accept_language_reads_its_person_s_language(psa):
    psa.language = "en"
    psa.save(update_fields=["language"])
    response = patch(bearer(api_token_create(actor=psa, name="p")), {"language": "xx"})
    assert response.status_code == 422 and "Choose Japanese" in response.json()["detail"]


def test_a_category_the_office_made_required_cannot_be_turned_off(psa, reviewer):
    mail_categories_required_set(actor=reviewer, required=["action", "reminder"])
    client = bearer(api_token_create(actor=psa, name="p"), **{"Accept-Language": "en"})
    response = patch(client, {"mail_off": ["reminder"]})
    assert response.status_code == 422 and response.json()["code"] == "mail_required"
    mail = {item["category"]: item["required"] for item in client.get(API).json()["mail"]}
    assert mail["reminder"] is True


def _legacy_token(person) -> str:
    """A token a 利用者 created before the rule (the service now refuses to make one)."""
    raw = ApiToken.new_raw_token()
    ApiToken.objects.create(
        user=person,
        name="old",
        digest=ApiToken.digest_of(raw),
        scope=ApiToken.Scope.READ_WRITE,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    return raw


def test_the_user_role_s_token_is_refused_with_a_clear_message(company_user, site):
    raw = _legacy_token(company_user)
    for path in ("/api/v1/me", API, f"/api/v1/sites/{site.pk}", "/api/v1/sites"):
        response = bearer(raw, **{"Accept-Language": "en"}).get(path)
        assert response.status_code == 403, (path, response.status_code)
        assert response.json()["code"] == "api_not_for_role"
        assert "does not use the API" in response.json()["detail"]
    japanese = bearer(raw).get("/api/v1/me").json()["detail"]
    assert "利用者" in japanese and "API" in japanese
    assert patch(bearer(raw), {"language": "en"}).status_code == 403
    company_user.refresh_from_db()
    assert company_user.language == "ja"


def test_the_user_role_cannot_create_a_token(client, company_user):
    client.force_login(company_user)
    response = client.post(
        "/api/v1/tokens", {"name": "t"}, content_type="application/json", HTTP_X_CSRFTOKEN="x"
    )
    assert response.status_code == 403
    csrf = Client(enforce_csrf_checks=False)
    csrf.force_login(company_user)
    response = csrf.post("/api/v1/tokens", {"name": "t"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "api_not_for_role"
    assert client.get("/account/api-tokens/").status_code == 403
    assert (
        client.post("/account/api-tokens/", {"name": "t", "scope": "read", "days": 30}).status_code
        == 403
    )
    assert not ApiToken.objects.filter(user=company_user).exists()
    # the 利用者 keeps 個人設定 on its page (/account/settings/), not through the API (#12)
    assert csrf.get(API).status_code == 403


def test_the_office_sets_the_required_mails_through_the_api(reviewer, psa, inspector):
    MailOptOut.objects.create(user=psa, category="information")
    client = bearer(api_token_create(actor=reviewer, name="r"), **{"Accept-Language": "en"})
    listed = {c["category"]: c for c in client.get("/api/v1/office/mail/categories").json()}
    assert listed["account"] == {
        "category": "account",
        "label": "Your account and its security",
        "required": True,
        "office_decides": False,
    }
    assert listed["information"]["required"] is False
    url = "/api/v1/office/mail/categories"
    response = client.put(url, {"required": ["information"]}, content_type="application/json")
    assert response.status_code == 200, response.content
    required = {c["category"] for c in response.json() if c["required"]}
    assert required == {"account", "information"}  # the procedure's mails optional now
    assert not MailOptOut.objects.exists()
    assert AuditEvent.objects.filter(action="mail.required").count() == 2
    bad = client.put(url, {"required": ["newsletter"]}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "mail_category_unknown"
    for person in (psa, inspector):
        other = bearer(api_token_create(actor=person, name="x"))
        assert other.get(url).status_code == 403
        refused = other.put(url, {"required": []}, content_type="application/json")
        assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="mail.required").count() == 2
