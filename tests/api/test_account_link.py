"""The one-time account link's code travels in a request's body, never in a URL path (#12): the
mailed link carries it after #, the page's form and the API take it in the body; links mailed
with the code in the path keep working."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from dsg.enrollment.models import State
from dsg.notifications.models import OutboxMessage
from dsg.orgs.services import api_token_create
from dsg.provisioning import services as prov
from dsg.provisioning.account_link_views import PENDING

from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db
PAGE = "/account-deliveries/open/"
USERNAME = "dsg-link-0001"


@pytest.fixture
def code(site, cast) -> str:
    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    holder = case.account_holders.get()
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username=USERNAME, password="Init-Pw-42"
    )
    return token


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_mailed_link_carries_the_code_after_the_hash_only(code):
    body = OutboxMessage.objects.get(kind="account_delivery.create").body
    [link] = re.findall(r"https?://\S*/account-deliveries/\S*", body)
    path, _hash, fragment = link.partition("#")
    assert path.endswith(PAGE) and fragment == code
    assert code not in path


def test_the_page_takes_the_code_in_the_body_and_opens_the_information_once(code, cast):
    client = logged_in(cast.psa)
    form = client.get(PAGE)
    assert form.status_code == 200 and code not in form.content.decode()
    assert "no-store" in form["Cache-Control"]
    opened = client.post(PAGE, {"token": code})
    assert opened.status_code == 200 and USERNAME in opened.content.decode()
    again = client.post(PAGE, {"token": code})
    assert again.status_code == 409 and USERNAME not in again.content.decode()


def test_someone_not_logged_in_logs_in_and_finds_the_code_kept(code, cast):
    client = Client()
    assert client.get(PAGE).status_code == 200  # the form: the script reads the #fragment
    response = client.post(PAGE, {"token": code})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert code not in response["Location"]
    assert client.session[PENDING] == code
    client.force_login(cast.psa)  # as logging in does, the session keeps the code
    form = client.get(PAGE).content.decode()
    assert f'value="{code}"' in form
    assert USERNAME in client.post(PAGE, {"token": code}).content.decode()
    assert PENDING not in client.session


@pytest.mark.parametrize("who", ["delegate", "company_user", "other_psa", "reviewer"])
def test_only_the_company_s_psa_opens_it(code, who, request):
    response = logged_in(request.getfixturevalue(who)).post(PAGE, {"token": code})
    assert response.status_code == 404 and USERNAME not in response.content.decode()


def test_a_missing_or_wrong_code_is_said_beside_the_form(code, cast):
    client = logged_in(cast.psa)
    assert client.post(PAGE, {"token": ""}).status_code == 422
    wrong = client.post(PAGE, {"token": code + "x"})
    assert wrong.status_code == 404 and b"data-refusal" in wrong.content
    assert USERNAME in client.post(PAGE, {"token": code}).content.decode()  # nothing was spent


def test_a_link_mailed_with_the_code_in_its_path_still_works(code, cast):
    client = logged_in(cast.psa)
    assert client.get(f"/account-deliveries/{code}/").status_code == 200
    assert USERNAME in client.post(f"/account-deliveries/{code}/").content.decode()


def test_the_api_takes_the_code_in_the_body(code, cast):
    client = Client(
        headers={"Authorization": f"Bearer {api_token_create(actor=cast.psa, name='x')}"}
    )
    url = "/api/v1/account-deliveries/open"
    response = client.post(url, {"token": code}, content_type="application/json")
    assert response.status_code == 200 and response.json()["username"] == USERNAME
    again = client.post(url, {"token": code}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_opened"
    missing = client.post(url, {}, content_type="application/json")
    assert missing.status_code == 422


def test_the_path_form_of_the_api_is_marked_deprecated(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api/v1/account-deliveries/{delivery_token}/open"]["post"]["deprecated"] is True
    assert "deprecated" not in paths["/api/v1/account-deliveries/open"]["post"]
