"""The 利用者 uses no API (#12): not with a token (#13, tests/api/test_me_preferences.py) and not
with their browser session either. One rule decides both — ``orgs.permissions.may_use_api``, the
rule of who may hold a token —, the answer is a 403 ``api_not_for_role`` in the person's
language, for a read and a write alike (before the session's CSRF check), and nothing changes.
Every other role's session is served as before. Every operation is held to it by
tests/test_role_matrix.py (``test_the_user_is_refused_by_every_operation``)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from dsg.orgs.models import ApiToken
from dsg.orgs.permissions import may_use_api

from ..db_rows import table_rows

pytestmark = pytest.mark.django_db

API = "/api/v1"


def session_of(person, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(person)
    return client


def test_the_user_s_session_is_refused_with_a_clear_message_in_their_language(company_user, site):
    client = session_of(company_user)
    for path in ("/me", "/me/preferences", "/sites", f"/sites/{site.pk}", "/enrollments"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 403, (path, response.status_code)
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["code"] == "api_not_for_role", (path, body)
        assert "利用者" in body["detail"] and "API" in body["detail"]  # Japanese by default
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the person chose English
    english = client.get(f"{API}/me").json()["detail"]
    assert "does not use the API" in english


def test_a_write_with_the_user_s_session_is_refused_the_same_and_changes_nothing(
    company_user, site
):
    """Refused before the CSRF check: a browser's write gets the same clear answer as a read."""
    clients = (session_of(company_user), session_of(company_user, enforce_csrf_checks=True))
    before = table_rows()  # after the logins (each writes last_login)
    for client in clients:
        for method, path, body in (
            ("patch", "/me/preferences", {"language": "en"}),
            ("post", "/tokens", {"name": "script"}),
            ("post", "/enrollments", {"site_id": site.pk}),
        ):
            response = getattr(client, method)(
                f"{API}{path}", body, content_type="application/json"
            )
            assert response.status_code == 403, (method, path, response.content)
            assert response.json()["code"] == "api_not_for_role", (method, path)
    assert table_rows() == before
    company_user.refresh_from_db()
    assert company_user.language == "ja"
    assert not ApiToken.objects.filter(user=company_user).exists()


@pytest.mark.parametrize(
    "who", ["psa", "delegate", "company_user", "reviewer", "inspector", "provider_staff"]
)
def test_a_session_is_served_exactly_when_the_role_may_hold_a_token(who, request):
    person = request.getfixturevalue(who)
    response = session_of(person).get(f"{API}/me")
    if may_use_api(person):
        assert response.status_code == 200, response.content
        assert response.json()["email"] == person.email
    else:
        assert response.status_code == 403 and response.json()["code"] == "api_not_for_role"
    assert (who == "company_user") != may_use_api(person)  # the 利用者 alone


def test_the_api_documentation_stays_readable(company_user):
    """The OpenAPI document is no operation: the 利用者's session reads it like anyone's."""
    assert session_of(company_user).get(f"{API}/openapi.json").status_code == 200
