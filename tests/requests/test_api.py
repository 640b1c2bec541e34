"""Change applications through the REST API alone: a relocation filed, reviewed with a 補正,
accepted with the provider's work, the provider's request answered, and applied — each actor
with their own token; and refusals answered in JSON, nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dsg.orgs.models import Site
from dsg.requests.models import ChangeRequest

from ..factories import api_client
from ..walk import small_pdf, today

API = "/api/v1"
LATER = (timezone.localdate() + dt.timedelta(days=40)).isoformat()


class Actor:
    def __init__(self, user: Any) -> None:
        self.client = api_client(user, name="changes")  # the 利用者: a session, refused (#12)

    def call(self, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        response = getattr(self.client, method)(f"{API}{path}", **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.content!r}"
        return response.json()


@pytest.fixture
def people(cast, other_psa, company_user):
    return {
        "psa": Actor(cast.psa),
        "reviewer": Actor(cast.reviewer),
        "staff": Actor(cast.staff),
        "other": Actor(other_psa),
        "user": Actor(company_user),
    }


def test_a_relocation_through_the_api(enrolled, cast, people):
    psa, reviewer, staff = people["psa"], people["reviewer"], people["staff"]
    kinds = {k["code"]: k for k in psa.call("get", "/change-kinds")}
    assert {"layout", "relocation", "closure", "company", "site_name", "contacts", "psa"} <= set(
        kinds
    )
    assert kinds["relocation"]["name_ja"] == "移転"

    change = psa.call(
        "post", "/changes", {"site_id": enrolled.pk, "kind": "relocation"}, expect=201
    )
    path = f"/changes/{change['id']}"
    assert change["state"] == "draft" and change["missing"]
    psa.call(
        "patch",
        path,
        {
            "site_postal_code": "２３１－００２３",
            "site_prefecture": "",  # filled from the postal code
            "site_address": "横浜市中区山下町1",
            "description": "本社移転に伴う拠点の移転",
            "effective_on": LATER,
        },
    )
    upload = psa.client.post(
        f"{API}{path}/documents",
        {"kind": "layout", "file": SimpleUploadedFile("layout.pdf", small_pdf())},
    )
    assert upload.status_code == 201, upload.content
    version = psa.call("post", f"{path}/submit")
    assert version["receipt_number"].startswith("C") and version["number"] == 1

    # the provider sees a relocation once submitted, but never its versions
    assert staff.call("get", path)["state"] == "submitted"
    assert staff.call("get", f"{path}/versions") == []

    reviewer.call(
        "post", f"{path}/comments", {"part": "site_address", "text": "番地を確認"}, expect=201
    )
    reviewer.call("post", f"{path}/return", {"comment": "補正をお願いします"})
    psa.call("patch", path, {"site_address": "横浜市中区山下町2"})
    assert psa.call("post", f"{path}/submit")["number"] == 2
    accepted = reviewer.call(
        "post", f"{path}/accept", {"provider_work": ["survey", "line_work"], "comment": ""}
    )
    assert accepted["state"] == "accepted" and len(accepted["outstanding"]) == 2

    asked = staff.call(
        "post",
        f"{path}/action-requests",
        {"text": "新拠点の入館方法を", "due_on": LATER},
        expect=201,
    )
    psa.call("post", f"/action-requests/{asked['id']}/answer", {"answer": "正門受付です"})
    for work in accepted["provider_work"]:
        staff.call("post", f"/provider-work/{work['id']}/done", {"done_on": today().isoformat()})
    done = psa.call("get", path)
    assert done["state"] == "completed"
    site = Site.objects.get(pk=enrolled.pk)
    assert (site.prefecture, site.address) == ("14", "横浜市中区山下町2")
    history = psa.call("get", f"/sites/{enrolled.pk}/history")
    assert {"site_postal_code", "site_prefecture", "site_address"} <= {h["field"] for h in history}
    assert all(h["change_number"] == done["number"] for h in history)


def test_refusals_are_json_and_change_nothing(enrolled, cast, people):
    psa, other, user = people["psa"], people["other"], people["user"]
    change = psa.call("post", "/changes", {"site_id": enrolled.pk, "kind": "site_name"}, expect=201)
    path = f"/changes/{change['id']}"
    body = psa.call("post", "/changes", {"site_id": enrolled.pk, "kind": "site_name"}, expect=409)
    assert body["code"] == "change_already_open"
    body = psa.call("patch", path, {"company_name": "別会社"}, expect=422)
    assert (body["code"], body["field"]) == ("not_changeable", "company_name")
    body = psa.call("patch", path, {"effective_on": "2001-01-01"}, expect=422)
    assert body["code"] == "date_in_past"
    body = psa.call("post", f"{path}/submit", expect=409)
    assert body["code"] == "change_incomplete"
    # another company does not find it; a 利用者 of the same company uses no API (#12)
    assert other.call("get", path, expect=404)["code"]
    assert user.call("get", path, expect=403)["code"] == "api_not_for_role"
    other.call("patch", path, {"site_name": "乗っ取り"}, expect=404)
    assert other.call("get", "/changes") == {"items": [], "count": 0, "next": None}
    assert (
        ChangeRequest.objects.get(pk=change["id"]).proposed
        == ChangeRequest.objects.get(pk=change["id"]).registered
    )


# Each kind the guideline names, filed end to end through the API: what it changes and where the
# applied change shows (the site, the company, the registered data).
EVERY_KIND = {
    "layout": ({"facility_name": "新第1取扱施設", "moves_equipment": True}, True),
    "relocation": (
        {
            "site_postal_code": "231-0023",
            "site_prefecture": "",
            "site_address": "横浜市中区1",
            "effective_on": LATER,
        },
        True,
    ),
    "closure": ({"effective_on": LATER}, False),
    "company": ({"company_name": "新商号株式会社"}, False),
    "site_name": ({"site_name": "改称後の拠点"}, False),
    "contacts": (
        {"contacts": [{"name": "連絡 五郎", "phone": "03-1111-2222", "email": "g@example.jp"}]},
        False,
    ),
    "psa": ({"psa_name": "後任 管理者", "psa_email": "successor@example.jp"}, False),
}


@pytest.mark.parametrize("kind", sorted(EVERY_KIND))
def test_every_kind_is_filed_and_decided_through_the_api(enrolled, cast, people, kind):
    psa, reviewer = people["psa"], people["reviewer"]
    values, layout = EVERY_KIND[kind]
    change = psa.call("post", "/changes", {"site_id": enrolled.pk, "kind": kind}, expect=201)
    path = f"/changes/{change['id']}"
    psa.call("patch", path, {**values, "description": f"{kind} の理由"})
    if layout:
        upload = psa.client.post(
            f"{API}{path}/documents",
            {"kind": "layout", "file": SimpleUploadedFile("layout.pdf", small_pdf())},
        )
        assert upload.status_code == 201, upload.content
    assert psa.call("get", path)["missing"] == []
    psa.call("post", f"{path}/submit")
    decided = reviewer.call("post", f"{path}/accept", {})
    if kind == "closure":  # the site's terminals still stand: it waits on their disposal
        assert decided["state"] == "accepted" and decided["outstanding"]
        return
    assert decided["state"] == "completed"
    # (after a change of the PSA, the old PSA's token no longer opens anything: the office reads)
    history = reviewer.call("get", f"/sites/{enrolled.pk}/history")
    assert history and all(h["change_id"] == change["id"] for h in history)
    site = Site.objects.get(pk=enrolled.pk)
    if kind == "site_name":
        assert site.name == "改称後の拠点"
    if kind == "relocation":
        assert (site.prefecture, site.address) == ("14", "横浜市中区1")
    if kind == "layout":
        assert site.facility == "新第1取扱施設"
    if kind == "company":
        assert site.company.name == "新商号株式会社"
    if kind == "psa":
        assert psa.client.get(f"{API}{path}").status_code == 401
