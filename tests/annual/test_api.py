"""The API of the 年次確認: what each role reads, the PSA's answers, the office's rounds, and
refusals as JSON {detail, code} that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from dsg.annual.models import AnnualConfirmation, AnnualRound, ConfirmationState

from ..walk import today
from .conftest import move_due_date

API = "/api/v1"


def as_(client, user):
    client.force_login(user)
    return client


def post(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]


@pytest.mark.parametrize(
    ("who", "count"),
    [
        ("psa", 1),
        ("delegate", 1),
        ("reviewer", 1),
        ("inspector", 1),
        ("provider_staff", 0),
        ("other_psa", 0),
    ],
)
def test_the_confirmations_each_role_reads(client, confirmation, everyone, who, count):
    response = as_(client, everyone[who]).get(f"{API}/annual/confirmations")
    assert response.status_code == 200
    assert response.json()["count"] == count
    detail = client.get(f"{API}/annual/confirmations/{confirmation.pk}")
    assert detail.status_code == (200 if count else 404)
    if count:
        body = detail.json()
        assert body["state"] == "pending" and body["round_title"] == confirmation.round.title
        [site] = body["holdings"]["sites"]
        assert [t["name"] for t in site["terminals"]] == ["PC-01"]
    else:
        refused(detail, 404, "not_found")


def test_the_confirmations_filter_by_state_and_overdue(client, confirmation, cast):
    client = as_(client, cast.psa)
    assert client.get(f"{API}/annual/confirmations?state=overdue").json()["count"] == 0
    move_due_date(confirmation.round, -1)
    items = client.get(f"{API}/annual/confirmations?state=overdue").json()["items"]
    assert [i["id"] for i in items] == [confirmation.pk] and items[0]["is_overdue"]
    assert client.get(f"{API}/annual/confirmations?state=confirmed").json()["count"] == 0
    response = client.get(f"{API}/annual/confirmations?state=lost")
    refused(response, 422, "invalid")


def test_the_psa_confirms_once(client, confirmation, cast):
    client = as_(client, cast.psa)
    url = f"{API}/annual/confirmations/{confirmation.pk}/confirm"
    response = post(client, url, {"statement": "相違ありません"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "confirmed" and body["answered_by"] == str(cast.psa)
    assert body["holdings"]["sites"][0]["terminals"][0]["name"] == "PC-01"
    refused(post(client, url, {}), 409, "already_answered")
    changes = f"{API}/annual/confirmations/{confirmation.pk}/changes-filed"
    refused(post(client, changes, {"statement": "x"}), 409, "already_answered")


def test_changes_filed_needs_a_statement(client, confirmation, cast):
    client = as_(client, cast.psa)
    url = f"{API}/annual/confirmations/{confirmation.pk}/changes-filed"
    refused(post(client, url, {"statement": " "}), 422, "statement_required")
    refused(post(client, url, {}), 422, "invalid")
    assert AnnualConfirmation.objects.get(pk=confirmation.pk).state == ConfirmationState.PENDING
    response = post(client, url, {"statement": "移転の変更申請を提出"})
    assert response.status_code == 200 and response.json()["state"] == "changes_filed"


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("delegate", 403, "forbidden"),
        ("reviewer", 403, "forbidden"),
        ("provider_staff", 404, "not_found"),
        ("other_psa", 404, "not_found"),
    ],
)
def test_only_the_psa_answers(client, confirmation, everyone, who, status, code):
    client = as_(client, everyone[who])
    for path in ("confirm", "changes-filed"):
        url = f"{API}/annual/confirmations/{confirmation.pk}/{path}"
        refused(post(client, url, {"statement": "x"}), status, code)
    assert AnnualConfirmation.objects.get(pk=confirmation.pk).state == ConfirmationState.PENDING


def test_the_reviewer_opens_a_round(client, enrolled, cast):
    client = as_(client, cast.reviewer)
    due = (today() + dt.timedelta(days=60)).isoformat()
    response = post(client, f"{API}/annual/rounds", {"title": "2026年度 年次確認", "due_on": due})
    assert response.status_code == 201
    body = response.json()
    assert body["counts"] == {
        "total": 1,
        "pending": 1,
        "overdue": 0,
        "confirmed": 0,
        "changes_filed": 0,
    }
    again = post(client, f"{API}/annual/rounds", {"title": "2026年度 年次確認", "due_on": due})
    refused(again, 422, "title_taken")
    past = {"title": "過去", "due_on": today().isoformat()}
    refused(post(client, f"{API}/annual/rounds", past), 422, "date_in_past")
    assert AnnualRound.objects.count() == 1


@pytest.mark.parametrize("who", ["psa", "delegate", "inspector", "provider_staff"])
def test_only_a_reviewer_opens_a_round(client, enrolled, everyone, who):
    due = (today() + dt.timedelta(days=60)).isoformat()
    response = post(
        as_(client, everyone[who]), f"{API}/annual/rounds", {"title": "x", "due_on": due}
    )
    refused(response, 403, "forbidden")
    assert not AnnualRound.objects.exists()


def test_the_office_reads_a_round_and_its_companies(client, confirmation, cast):
    client = as_(client, cast.inspector)
    url = f"{API}/annual/rounds/{confirmation.round_id}"
    assert client.get(url).json()["counts"]["pending"] == 1
    items = client.get(f"{url}/confirmations?state=pending").json()["items"]
    assert [i["company_name"] for i in items] == [confirmation.company.name]
    assert client.get(f"{url}/confirmations?state=confirmed").json()["count"] == 0
    rounds = client.get(f"{API}/annual/rounds").json()["items"]
    assert [r["id"] for r in rounds] == [confirmation.round_id]


@pytest.mark.parametrize("who", ["psa", "delegate", "provider_staff"])
def test_a_round_and_its_companies_are_the_offices(client, confirmation, everyone, who):
    client = as_(client, everyone[who])
    url = f"{API}/annual/rounds/{confirmation.round_id}"
    refused(client.get(url), 403, "forbidden")
    refused(client.get(f"{url}/confirmations"), 403, "forbidden")


@pytest.mark.parametrize(("who", "listed"), [("psa", True), ("other_psa", False)])
def test_a_company_lists_the_rounds_that_asked_it_without_counts(
    client, confirmation, everyone, who, listed
):
    items = as_(client, everyone[who]).get(f"{API}/annual/rounds").json()["items"]
    assert [r["id"] for r in items] == ([confirmation.round_id] if listed else [])
    assert all(r["counts"] is None for r in items)


def test_the_user_uses_no_api_of_the_annual_confirmation(client, confirmation, everyone):
    """The 利用者 has no page of the 年次確認 and no API at all (#12): every operation answers
    403 ``api_not_for_role`` to their session, and nothing changes."""
    client = as_(client, everyone["user"])
    one, round_url = f"{API}/annual/confirmations/{confirmation.pk}", f"{API}/annual/rounds"
    due = (today() + dt.timedelta(days=60)).isoformat()
    for response in (
        client.get(f"{API}/annual/confirmations"),
        client.get(one),
        post(client, f"{one}/confirm", {"statement": "x"}),
        post(client, f"{one}/changes-filed", {"statement": "x"}),
        client.get(round_url),
        client.get(f"{round_url}/{confirmation.round_id}/confirmations"),
        post(client, round_url, {"title": "x", "due_on": due}),
    ):
        refused(response, 403, "api_not_for_role")
    assert AnnualConfirmation.objects.get(pk=confirmation.pk).state == ConfirmationState.PENDING
    assert AnnualRound.objects.count() == 1
