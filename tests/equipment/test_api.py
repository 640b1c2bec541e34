"""The §5 requests through the REST API alone: each kind filed, reviewed and decided, each actor
with their own token; the helpdesk; refusals answered in JSON ({detail, code}, and for a line
{line, field}) with nothing changed; the OpenAPI document declares every operation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dsg.equipment.models import EquipmentRequest, HelpdeskRequest
from dsg.notifications.models import OutboxMessage
from dsg.registry.catalogues import EntryInput, catalogue_publish
from dsg.registry.models import RemovableMedium, SoftwareState, Terminal, TerminalSoftware

from ..factories import api_client
from ..walk import small_pdf

API = "/api/v1"
SHA = "ab" * 32
HASH = "A" * 43 + "="


class Actor:
    def __init__(self, user: Any) -> None:
        self.client = api_client(user, name="equipment")  # the 利用者: a session, refused (#12)

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
        "delegate": Actor(cast.delegate),
        "reviewer": Actor(cast.reviewer),
        "staff": Actor(cast.staff),
        "other": Actor(other_psa),
        "user": Actor(company_user),
    }


def medium(terminal, **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "action": "add",
        "kind": "usb_memory",
        "vendor_id": "0781",
        "product_id": "5581",
        "serial_number": "4C530001231122115172",
        "capacity_gb": 32,
        "custodian": "山田 太郎",
        "usbguard_hash": HASH,
        "terminals": [terminal.ref],
    }
    line.update(extra)
    return line


def software(terminal, **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "name": "CAD Viewer",
        "vendor": "Example KK",
        "version": "3.1",
        "sha256": SHA,
        "install_method": "DVD-ROM",
        "update_method": "オフラインパッチ",
        "terminals": [terminal.pk],
    }
    line.update(extra)
    return line


def file(actor: Actor, site, kind: str, lines: list[dict], *, expect: int = 201) -> Any:
    return actor.call(
        "post",
        f"/sites/{site.pk}/equipment-requests",
        {"kind": kind, "purpose": "業務のため", "lines": lines},
        expect=expect,
    )


def test_a_medium_request_through_the_api(enrolled, cast, people, terminal):
    psa, reviewer = people["psa"], people["reviewer"]
    filing = file(psa, enrolled, "medium", [medium(terminal)])
    request = filing["request"]
    assert request["receipt_number"].startswith("E") and request["state"] == "filed"
    assert request["channel"] == "api" and filing["helpdesk"] == []
    line = request["lines"][0]
    assert line["decision"] == "pending" and line["terminals"][0]["ref"] == terminal.ref
    path = f"/equipment-requests/{request['id']}"

    upload = psa.client.post(
        f"{API}{path}/documents",
        {"kind": "other", "file": SimpleUploadedFile("spec.pdf", small_pdf())},
    )
    assert upload.status_code == 201, upload.content
    assert [d["filename"] for d in psa.call("get", f"{path}/documents")["items"]] == ["spec.pdf"]

    listed = reviewer.call("get", "/equipment-requests?state=filed&kind=medium")
    assert [r["id"] for r in listed["items"]] == [request["id"]]
    assert reviewer.call("post", f"{path}/take-up")["state"] == "under_review"
    decided = reviewer.call(
        "post", f"{path}/decide", {"verdicts": [{"line": 1, "approve": True}], "comment": "了承"}
    )
    assert decided["state"] == "decided" and decided["outcome"] == "approved"
    assert decided["lines"][0]["decision"] == "approved"
    assert decided["lines"][0]["medium_ref"] == RemovableMedium.objects.get().ref
    assert psa.call("get", path)["comment"] == "了承"
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"equipment_request.filed", "equipment_request.decided"} <= kinds


def test_a_terminal_request_through_the_api(enrolled, cast, people, terminal):
    psa, reviewer = people["psa"], people["reviewer"]
    lines = [
        {"action": "add", "name": "PC-10", "model_name": "ThinkPad", "serial_number": "SN10"},
        {"action": "remove", "terminal": terminal.ref},
    ]
    request = file(psa, enrolled, "terminal", lines)["request"]
    decided = reviewer.call(
        "post",
        f"/equipment-requests/{request['id']}/decide",
        {
            "verdicts": [
                {"line": 1, "approve": True},
                {"line": 2, "approve": False, "reason": "廃棄証明なし"},
            ]
        },
    )
    assert decided["outcome"] == "partly_approved"
    assert decided["lines"][0]["terminal"]["ref"] == Terminal.objects.get(name="PC-10").ref
    assert decided["lines"][1]["reason"] == "廃棄証明なし"
    assert decided["lines"][1]["rule_code"] == "office_decision"


def test_a_software_request_through_the_api_with_its_rules(enrolled, cast, people, terminal):
    psa, reviewer = people["psa"], people["reviewer"]
    refused = file(psa, enrolled, "software", [software(terminal, updates_online=True)])
    line = refused["request"]["lines"][0]
    assert refused["request"]["state"] == "decided" and line["decision"] == "refused"
    assert line["rule_code"] == "online_install_or_update"
    assert line["rule"] == (
        "オンラインによるインストール・アップデートが必要なソフトウェアは承認されません"
        "（留意事項(2)）"
    )
    request = file(psa, enrolled, "software", [software(terminal, preinstalled=True)])["request"]
    path = f"/equipment-requests/{request['id']}"
    assert TerminalSoftware.objects.get(terminal=terminal).state == SoftwareState.PROHIBITED
    asked = reviewer.call(
        "post", f"{path}/ask", {"message": "仕様書を提出してください"}, expect=201
    )
    assert asked["message"] == "仕様書を提出してください"
    assert psa.call("get", path)["state"] == "info_requested"
    answered = psa.call("post", f"{path}/answer", {"answer": "格納しました"})
    assert answered["answer"] == "格納しました"
    reviewer.call("post", f"{path}/decide", {"verdicts": [{"line": 1, "approve": True}]})
    assert TerminalSoftware.objects.get(terminal=terminal).state == SoftwareState.APPROVED


def test_whitelisted_software_and_the_helpdesk_through_the_api(enrolled, cast, people, terminal):
    catalogue_publish(
        kind="whitelist",
        entries=[EntryInput(name="CAD Viewer", vendor="Example KK", version="3.1", sha256=SHA)],
        note="",
        actor=cast.staff,
    )
    psa, staff = people["psa"], people["staff"]
    filing = file(psa, enrolled, "software", [software(terminal)])
    assert filing["request"] is None
    ticket = filing["helpdesk"][0]
    assert ticket["number"].startswith("H") and ticket["terminals"][0]["id"] == terminal.pk
    direct = psa.call(
        "post",
        "/helpdesk-requests",
        {
            "site_id": enrolled.pk,
            "name": "CAD Viewer",
            "vendor": "Example KK",
            "version": "3.1",
            "terminals": [terminal.ref],
        },
        expect=201,
    )
    open_ids = {t["id"] for t in staff.call("get", "/helpdesk-requests?state=open")["items"]}
    assert open_ids == {ticket["id"], direct["id"]}
    people["delegate"].call(
        "post", f"/helpdesk-requests/{ticket['id']}/answer", {"answer": "x"}, expect=403
    )
    answered = staff.call("post", f"/helpdesk-requests/{ticket['id']}/answer", {"answer": "手順"})
    assert answered["state"] == "answered" and answered["answer"] == "手順"
    again = staff.call(
        "post", f"/helpdesk-requests/{ticket['id']}/answer", {"answer": "再"}, expect=409
    )
    assert again["code"] == "already_answered"
    assert psa.call("get", f"/helpdesk-requests/{ticket['id']}")["answer"] == "手順"


# Refusals: JSON, the line and field named, nothing changed ------------------------------------


def test_a_refused_line_names_line_and_field(enrolled, cast, people, terminal):
    body = file(
        people["psa"],
        enrolled,
        "medium",
        [medium(terminal), medium(terminal, vendor_id="07811", serial_number="S2")],
        expect=422,
    )
    assert body["line"] == 2 and body["field"] == "vendor_id" and body["code"] == "usb_id"
    assert body["detail"]
    assert not EquipmentRequest.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "floppy", "purpose": "x", "lines": []},
        {"kind": "medium", "purpose": "x", "lines": "not a list"},
        {"kind": "medium", "purpose": "", "lines": [{"action": "add"}]},
        {"kind": "medium", "purpose": "x", "lines": []},
    ],
)
def test_bad_filings_are_refused_in_json(enrolled, cast, people, payload):
    response = people["psa"].client.post(
        f"{API}/sites/{enrolled.pk}/equipment-requests", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert {"detail", "code"} <= set(response.json())
    assert not EquipmentRequest.objects.exists()


def test_a_refusal_without_reason_or_a_not_unique_medium_decides_nothing(
    enrolled, cast, people, terminal
):
    request = file(people["psa"], enrolled, "medium", [medium(terminal, serial_number="")])
    path = f"/equipment-requests/{request['request']['id']}/decide"
    reviewer = people["reviewer"]
    detail = reviewer.call("get", f"/equipment-requests/{request['request']['id']}")
    assert detail["lines"][0]["not_unique"]  # the office sees why
    assert not people["psa"].call("get", f"/equipment-requests/{request['request']['id']}")[
        "lines"
    ][0]["not_unique"]
    body = reviewer.call("post", path, {"verdicts": [{"line": 1, "approve": False}]}, expect=422)
    assert (body["code"], body["line"], body["field"]) == ("reason_required", 1, "reason")
    body = reviewer.call("post", path, {"verdicts": [{"line": 1, "approve": True}]}, expect=422)
    assert body["code"] == "medium_not_unique"
    assert not RemovableMedium.objects.exists()
    decided = reviewer.call(
        "post", path, {"verdicts": [{"line": 1, "approve": True, "not_unique_ok": True}]}
    )
    assert decided["outcome"] == "approved"


# Roles -------------------------------------------------------------------------------------------


def test_who_reads_and_who_acts(enrolled, cast, people, terminal):
    request = file(people["psa"], enrolled, "medium", [medium(terminal)])["request"]
    path = f"/equipment-requests/{request['id']}"
    assert people["delegate"].call("get", path)["id"] == request["id"]
    for who in ("other", "staff"):
        assert people[who].call("get", path, expect=404)["code"] == "not_found"
        listed = people[who].call("get", "/equipment-requests")
        assert listed["count"] == 0
    for call in (("get", path), ("get", "/equipment-requests")):  # the 利用者 uses no API (#12)
        assert people["user"].call(*call, expect=403)["code"] == "api_not_for_role"
    people["delegate"].call("post", f"{path}/withdraw", {"reason": "x"}, expect=403)
    people["delegate"].call(
        "post",
        f"/sites/{enrolled.pk}/equipment-requests",
        {"kind": "medium", "purpose": "x", "lines": [medium(terminal)]},
        expect=403,
    )
    people["other"].call("post", f"{path}/withdraw", {"reason": "x"}, expect=404)
    people["psa"].call(
        "post", f"{path}/decide", {"verdicts": [{"line": 1, "approve": True}]}, expect=403
    )
    people["staff"].call("post", f"{path}/take-up", expect=404)
    withdrawn = people["psa"].call("post", f"{path}/withdraw", {"reason": "不要"})
    assert withdrawn["state"] == "withdrawn" and withdrawn["withdraw_reason"] == "不要"
    assert not RemovableMedium.objects.exists()
    assert HelpdeskRequest.objects.count() == 0


def test_the_openapi_document_declares_every_operation_with_enums(client):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/equipment-requests": {"get"},
        "/api/v1/equipment-requests/{equipment_request_id}": {"get"},
        "/api/v1/sites/{site_id}/equipment-requests": {"post"},
        "/api/v1/equipment-requests/{equipment_request_id}/take-up": {"post"},
        "/api/v1/equipment-requests/{equipment_request_id}/ask": {"post"},
        "/api/v1/equipment-requests/{equipment_request_id}/answer": {"post"},
        "/api/v1/equipment-requests/{equipment_request_id}/decide": {"post"},
        "/api/v1/equipment-requests/{equipment_request_id}/withdraw": {"post"},
        "/api/v1/helpdesk-requests": {"get", "post"},
        "/api/v1/helpdesk-requests/{helpdesk_request_id}/answer": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
    components = schema["components"]["schemas"]
    assert set(components["RequestKindCode"]["enum"]) == {"terminal", "software", "medium"}
    assert "info_requested" in components["RequestStateCode"]["enum"]
    assert "line" in components["LineRefusal"]["properties"]
