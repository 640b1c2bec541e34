"""One 加入案件 from draft to 加入完了 through the REST API alone, every actor with their own token.

On the way: a return for correction, a remediation with re-inspection, an ancillary work that
blocks the survey, two terminals of which the final inspection waits for both; and at each point
GET /enrollments/{id}/transitions lists exactly what the caller may do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import dsg
from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.notifications.models import OutboxMessage
from dsg.orgs.services import api_token_create

from ..walk import DESIRED_START, small_pdf, today

API = "/api/v1"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
JA_CATALOG = Path(dsg.__file__).parent / "locale" / "ja" / "LC_MESSAGES" / "django.mo"

pytestmark = pytest.mark.django_db


class Actor:
    """A person calling the API with their personal token (no session, no CSRF)."""

    def __init__(self, user: Any, label: str) -> None:
        self.user = user
        self.label = label
        raw = api_token_create(actor=user, name=f"walk {label}")
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def call(self, method: str, path: str, body: Any = None, *, expect: int = 200, **headers):
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        response = getattr(self.client, method)(f"{API}{path}", **kwargs)
        assert response.status_code == expect, (
            f"{self.label} {method.upper()} {path}: {response.status_code} {response.content!r}"
        )
        return response.json()

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("get", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("post", path, {} if body is None else body, **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> Any:
        return self.call("patch", path, body, **kw)

    def act(self, case_id: int, name: str, body: Any = None, **kw: Any) -> Any:
        return self.post(f"/enrollments/{case_id}/transitions/{name}", body, **kw)

    def options(self, case_id: int) -> dict[str, list[str]]:
        return {o["name"]: o["blocked_by"] for o in self.get(f"/enrollments/{case_id}/transitions")}


def test_an_enrollment_from_draft_to_completed_through_the_api(cast):
    psa = Actor(cast.psa, "PSA")
    delegate = Actor(cast.delegate, "delegate")
    reviewer = Actor(cast.reviewer, "reviewer")
    inspector = Actor(cast.inspector, "inspector")
    staff = Actor(cast.staff, "provider")
    everyone = (psa, delegate, reviewer, inspector, staff)
    day = today().isoformat()
    ja = JA_CATALOG.exists()

    def may(case_id: int, expected: dict[Actor, set[str]]) -> None:
        """Each caller's options are exactly ``expected`` (nothing for anyone not named)."""
        for actor in everyone:
            if actor is staff and expected.get(staff) is None and not provider_sees:
                actor.get(f"/enrollments/{case_id}/transitions", expect=404)
                continue
            got = set(actor.options(case_id))
            assert got == expected.get(actor, set()), (actor.label, got)

    # ① The PSA registers the site, opens the case and fills in the application.
    provider_sees = False
    site = psa.post(
        "/sites",
        {
            "name": "横須賀工場",
            "postal_code": "238-0001",
            "prefecture": "14",
            "address": "横須賀市平成町1-1",
            "facility": "第2棟3階 取扱施設",
        },
        expect=201,
    )
    assert site["company_id"] == cast.psa.organization_id and site["prefecture_name"]
    case = psa.post("/enrollments", {"site_id": site["id"]}, expect=201)
    cid = case["id"]
    assert case["state"] == "draft" and case["step"] == 1 and case["waiting_on"] == "company"
    assert psa.options(cid) == {"submit": psa.options(cid)["submit"], "withdraw": []}
    assert psa.options(cid)["submit"], "an empty application must be blocked"
    application = psa.patch(
        f"/enrollments/{cid}/application",
        {
            "track_record": "防衛装備品の部品製造契約に従事中",
            "facility_basis": "standard",
            "equipment_confirmed": True,
            "planned_terminals": 2,
            "desired_start": DESIRED_START.isoformat(),
            "terminal_models": "指定端末 DSG-T1",
            "psa_department": "情報セキュリティ部",
            "psa_phone": "046-822-3522",
            "contacts": [
                {"name": "連絡 花子", "phone": "046-822-3523", "email": "hanako@test.example.jp"}
            ],
        },
    )
    assert application["missing"] == [
        "contract_name",
        "document:contract_evidence",
        "document:layout",
    ]
    psa.act(cid, "submit", expect=409)
    for kind in ("contract_evidence", "layout"):  # the 添付書類, through the document folder
        response = psa.client.post(
            f"{API}/enrollments/{cid}/documents",
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", small_pdf())},
        )
        assert response.status_code == 201, response.content
    application = psa.patch(f"/enrollments/{cid}/application", {"contract_name": "試験契約"})
    assert application["missing"] == []
    may(cid, {psa: {"submit", "withdraw"}})
    assert psa.options(cid)["submit"] == []
    assert psa.act(cid, "submit")["state"] == "submitted"

    # The office returns it for correction; the PSA fixes it and submits again.
    may(cid, {reviewer: {"return_for_correction", "accept", "reject"}, psa: {"withdraw"}})
    reviewer.act(cid, "return_for_correction", {}, expect=422)  # the comment is required
    returned = reviewer.act(cid, "return_for_correction", {"comment": "配置図の縮尺を明記"})
    assert returned["state"] == "returned" and returned["waiting_on"] == "company"
    may(cid, {psa: {"submit", "withdraw"}, reviewer: {"reject"}})
    psa.patch(f"/enrollments/{cid}/application", {"schedule_request": "5月中旬を希望"})
    psa.act(cid, "submit")
    detail = psa.get(f"/enrollments/{cid}")
    assert detail["application"]["receipt_number"].endswith("02")  # the second submission
    assert reviewer.act(cid, "accept")["state"] == "inspection"

    def inspect(nonconforming: dict[str, str]) -> dict[str, Any]:
        """② or ⑦ through the inspections API: open the round, record every item, finish."""
        round_ = inspector.post(f"/enrollments/{cid}/inspections", expect=201)
        findings = inspector.get(f"/inspections/{round_['id']}/findings")
        entries = [
            {
                "finding_id": f["id"],
                "result": "nonconforming" if f["code"] in nonconforming else "conforming",
                "note": nonconforming.get(f["code"], ""),
            }
            for f in findings
        ]
        inspector.post(f"/inspections/{round_['id']}/findings", {"findings": entries})
        return inspector.post(f"/inspections/{round_['id']}/finish", {"performed_on": day})

    # ② The inspection finds a deficiency; remediation, then a re-inspection that passes. Its
    # outcome is never a bare transition: only the round records it, with its notice.
    may(cid, {reviewer: {"reject"}, psa: {"withdraw"}})
    inspector.act(cid, "pass_inspection", {"performed_on": day}, expect=422)  # not a name
    first = inspect({"F-05": "入退室記録簿なし"})
    assert first["outcome"] == "remediation_required"
    may(cid, {psa: {"report_remediation", "withdraw"}, reviewer: {"reject"}})
    deficiency = psa.get(f"/inspections/{first['id']}")["deficiencies"][0]
    psa.post(f"/deficiencies/{deficiency['id']}/reports", {"text": "記録簿を整備"}, expect=201)
    psa.act(cid, "report_remediation", {"comment": "入退室記録簿を整備しました"})
    may(cid, {reviewer: {"reject"}, psa: {"withdraw"}})
    decided = reviewer.post(f"/inspections/{first['id']}/decide", {"decision": "reinspection"})
    assert decided["decision"] == "reinspection"
    assert psa.get(f"/enrollments/{cid}")["state"] == "inspection"
    staff.get(f"/enrollments/{cid}", expect=404)  # the provider does not see ① and ②
    assert inspect({})["outcome"] == "passed"
    assert psa.get(f"/enrollments/{cid}")["state"] == "survey"

    # ③ The provider surveys and finds ancillary work; the survey cannot end before it is done.
    provider_sees = True
    assert staff.get(f"/enrollments/{cid}")["waiting_on"] == "provider"
    may(cid, {staff: {"complete_survey"}, psa: {"withdraw"}, reviewer: {"reject"}})
    assert staff.options(cid)["complete_survey"]  # blocked: no survey recorded yet
    survey = staff.post(
        f"/enrollments/{cid}/survey", {"surveyed_on": day, "route_notes": "東側外壁より引込み"}
    )
    assert survey["surveyed_on"] == day
    work = staff.post(
        f"/enrollments/{cid}/ancillary-works", {"description": "引込み用配管の敷設"}, expect=201
    )
    assert staff.options(cid)["complete_survey"]
    refusal = staff.act(cid, "complete_survey", expect=409)
    assert refusal["code"] == "ancillary_work_open"
    if ja:
        assert JAPANESE.search(refusal["detail"]) and "Ancillary work" not in refusal["detail"]
    english = staff.act(cid, "complete_survey", expect=409, **{"Accept-Language": "en"})
    assert english["detail"].startswith("Ancillary work")
    staff.post(f"/ancillary-works/{work['id']}/done", {"done_on": day}, expect=403)
    done = psa.post(f"/ancillary-works/{work['id']}/done", {"done_on": day})
    assert done["done_on"] == day
    assert staff.options(cid) == {"complete_survey": []}
    assert psa.get(f"/enrollments/{cid}/ancillary-works") == [done]

    # ④ ⑤ Line construction and the router.
    assert staff.act(cid, "complete_survey")["state"] == "construction"
    may(cid, {staff: {"complete_construction"}, psa: {"withdraw"}, reviewer: {"reject"}})
    staff.act(cid, "complete_construction", {"performed_on": day})
    may(cid, {staff: {"install_router"}, psa: {"withdraw"}, reviewer: {"reject"}})
    staff.act(cid, "install_router", {"performed_on": day}, expect=422)  # serial required
    case = staff.act(cid, "install_router", {"performed_on": day, "router_serial": "RTX-830-01"})
    assert case["state"] == "terminal_setup" and case["step"] == 6

    # ⑥ Two terminals; the account holder the application named (the PSA) receives the account
    # information, registers the veins, then tests: each step waits for the one before.
    terminals = [
        psa.post(
            f"/enrollments/{cid}/terminals",
            {"name": f"DSG-PC-0{n}", "model_name": "指定端末 A", "serial_number": f"SN-00{n}"},
            expect=201,
        )
        for n in (1, 2)
    ]
    assert [t["connection_passed"] for t in terminals] == [False, False]
    [holder] = psa.get(f"/enrollments/{cid}/account-holders")
    assert (holder["person_id"], holder["source"]) == (cast.psa.pk, "application")
    added = psa.post(
        f"/enrollments/{cid}/account-holders",
        {"person_id": cast.delegate.pk, "reason": "交代要員"},
        expect=201,
    )
    assert (added["source"], added["reason"]) == ("added", "交代要員")
    may(cid, {psa: {"request_final_inspection", "withdraw"}, reviewer: {"reject"}})
    assert psa.options(cid)["request_final_inspection"]  # blocked
    test = {"holder_id": holder["id"], "tested_on": day, "passed": True}
    refusal = delegate.post(f"/terminals/{terminals[0]['id']}/connection-tests", test, expect=409)
    assert refusal["code"] == "account_not_received"
    vein = {"registered_on": day, "method": "shinjuku"}
    refusal = staff.post(f"/account-holders/{holder['id']}/vein-registration", vein, expect=409)
    assert refusal["code"] == "account_not_received"
    staff.post(
        f"/account-holders/{holder['id']}/account-deliveries",
        {"username": "dsg-walk-1", "password": "Init-Pw-1"},
        expect=201,
    )
    link = OutboxMessage.objects.filter(kind="account_delivery.create").latest("pk").body
    token = re.search(r"/account-deliveries/open/#([\w-]+)", link)[1]
    opened = psa.post("/account-deliveries/open", {"token": token})
    assert opened["username"] == "dsg-walk-1"
    refusal = delegate.post(f"/terminals/{terminals[0]['id']}/connection-tests", test, expect=409)
    assert refusal["code"] == "vein_not_registered"
    holder = staff.post(f"/account-holders/{holder['id']}/vein-registration", vein)
    assert holder["account_received_at"] and holder["vein_method"] == "shinjuku"

    # ⑦ can be requested only once every terminal passed its connection test.
    delegate.post(f"/terminals/{terminals[0]['id']}/connection-tests", test, expect=201)
    refusal = psa.act(cid, "request_final_inspection", expect=409)
    assert refusal["code"] == "connection_test_open"
    failed = {**test, "passed": False, "note": "認証タイムアウト"}
    delegate.post(f"/terminals/{terminals[1]['id']}/connection-tests", failed, expect=201)
    assert psa.act(cid, "request_final_inspection", expect=409)["code"] == "connection_test_open"
    delegate.post(f"/terminals/{terminals[1]['id']}/connection-tests", test, expect=201)
    listed = psa.get(f"/enrollments/{cid}/terminals")
    assert [t["connection_passed"] for t in listed] == [True, True]
    assert psa.options(cid) == {"request_final_inspection": [], "withdraw": []}
    assert psa.act(cid, "request_final_inspection")["state"] == "final_inspection"

    # ⑦ The final inspection passes: 加入完了.
    may(cid, {psa: {"withdraw"}, reviewer: {"reject"}})
    assert inspect({})["outcome"] == "passed"
    case = psa.get(f"/enrollments/{cid}")
    assert case["state"] == "completed" and case["step"] == 8 and case["waiting_on"] is None
    may(cid, {})

    detail = psa.get(f"/enrollments/{cid}")
    assert [(r["transition"], r["actor"]) for r in detail["records"]] == [
        ("submit", str(cast.psa)),
        ("return_for_correction", str(cast.reviewer)),
        ("submit", str(cast.psa)),
        ("accept", str(cast.reviewer)),
        ("require_remediation", str(cast.inspector)),
        ("report_remediation", str(cast.psa)),
        ("require_reinspection", str(cast.reviewer)),
        ("pass_inspection", str(cast.inspector)),
        ("complete_survey", str(cast.staff)),
        ("complete_construction", str(cast.staff)),
        ("install_router", str(cast.staff)),
        ("request_final_inspection", str(cast.psa)),
        ("pass_inspection", str(cast.inspector)),
    ]
    records = detail["records"]
    assert records[1]["comment"] == "配置図の縮尺を明記"
    assert records[4]["performed_on"] == day and records[4]["step"] == 2
    assert records[4]["comment"].endswith("入退室記録簿なし")
    assert records[10]["data"] == {  # the serial entered once; the holders ⑥ took over
        "router_serial": "RTX-830-01",
        "account_holders": [cast.psa.email],
    }
    assert records[-1]["from_state"] == "final_inspection" and records[-1]["step"] == 7
    assert [r["step"] for r in records] == sorted(r["step"] for r in records)

    # Everything is in the ledger, and the chain holds.
    result = audit_verify()
    assert result.ok, result.problem
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("enrollment.submit") == 2
    for action in (
        "site.create",
        "enrollment.create",
        "application.update",
        "survey.record",
        "ancillary_work.add",
        "ancillary_work.done",
        "terminal.register",
        "account_holder.add",
        "account.issue",
        "vein_registration.record",
        "connection_test.record",
        "enrollment.pass_inspection",
    ):
        assert action in actions, action
    assert actions.count("connection_test.record") == 3
