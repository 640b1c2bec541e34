"""The pages of the §5 requests: filing each kind (kind → lines → 入力内容の確認 → 受付番号), the
office's queue and decisions through a confirmation page, the 追加資料依頼, 取下げ, the helpdesk;
each page for each role; bad input answered on the page with nothing changed."""

from __future__ import annotations

import html
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from dsg.documents.models import Document
from dsg.equipment import services
from dsg.equipment.after import AFTER_ACTION
from dsg.equipment.models import (
    EquipmentRequest,
    HelpdeskRequest,
    LineDecision,
    Outcome,
    RequestState,
)
from dsg.equipment.services import LineVerdict
from dsg.notifications.models import OutboxMessage
from dsg.orgs.models import User
from dsg.registry.catalogues import EntryInput, catalogue_publish
from dsg.registry.models import RemovableMedium, SoftwareState, Terminal, TerminalSoftware

from ..walk import small_pdf

SHA = "ab" * 32
HASH = "A" * 43 + "="


def as_(client, user):
    client.force_login(user)
    return client


def medium_row(terminal, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "action": "add",
        "kind": "usb_memory",
        "vendor_id": "0781",
        "product_id": "5581",
        "serial_number": "4C530001231122115172",
        "capacity_gb": "32",
        "custodian": "山田 太郎",
        "usbguard_hash": HASH,
        "terminals": [terminal.ref],
    }
    row.update(extra)
    return row


def software_row(terminal, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": "CAD Viewer",
        "vendor": "Example KK",
        "version": "3.1",
        "sha256": SHA,
        "install_method": "DVD-ROMのインストーラ",
        "update_method": "DVD-ROMによるオフラインパッチ",
        "terminals": [terminal.ref],
    }
    row.update(extra)
    return row


def form_data(kind: str, rows: list[dict[str, Any]], step: str, purpose="業務のため") -> dict:
    data: dict[str, Any] = {
        "kind": kind,
        "purpose": purpose,
        "step": step,
        "line-TOTAL_FORMS": str(len(rows)),
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "500",
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"line-{n}-{key}"] = "on"
            else:
                data[f"line-{n}-{key}"] = value
    return data


def new_url(site) -> str:
    return f"/sites/{site.pk}/equipment-requests/new/"


def file_on_page(client, site, kind, rows, **extra) -> EquipmentRequest:
    """Check, then file, as the PSA's browser does."""
    confirm = client.post(new_url(site), form_data(kind, rows, "check"))
    assert confirm.status_code == 200, confirm.content.decode()[:2000]
    assert "data-preview" in confirm.content.decode()
    filed = client.post(new_url(site), {**form_data(kind, rows, "file"), **extra})
    assert filed.status_code == 303, filed.content.decode()[:2000]
    assert filed["Location"].startswith(f"/sites/{site.pk}/equipment-requests/filed/")
    return EquipmentRequest.objects.latest("pk")


def decide_data(verdicts: dict[int, dict[str, str]], *, confirmed: bool, comment="") -> dict:
    data = {"comment": comment}
    for line, fields in verdicts.items():
        data.update({f"line-{line}-{k}": v for k, v in fields.items()})
    if confirmed:
        data["confirmed"] = "1"
    return data


def publish_whitelist(actor, name="CAD Viewer", vendor="Example KK", version="3.1") -> None:
    catalogue_publish(
        kind="whitelist",
        entries=[EntryInput(name=name, vendor=vendor, version=version, sha256=SHA)],
        note="",
        actor=actor,
    )


def mail_kinds() -> set[str]:
    return set(OutboxMessage.objects.values_list("kind", flat=True))


# The whole flow, each kind -----------------------------------------------------------------------


def test_a_medium_request_filed_reviewed_and_approved_on_the_pages(
    client, enrolled, cast, terminal
):
    psa = as_(client, cast.psa)
    site_page = psa.get(f"/sites/{enrolled.pk}/").content.decode()
    assert f'href="/sites/{enrolled.pk}/equipment-requests/"' in site_page
    assert "利用端末等の申請" in site_page
    chooser = psa.get(new_url(enrolled))
    assert chooser.status_code == 200 and 'name="kind"' in chooser.content.decode()
    form = psa.get(new_url(enrolled) + "?kind=medium").content.decode()
    assert 'name="line-0-vendor_id"' in form and terminal.ref in form
    # 「行を追加」: one row more, nothing filed, no error shown yet
    more = psa.post(new_url(enrolled), form_data("medium", [medium_row(terminal)], "add_row"))
    assert more.status_code == 200
    assert 'name="line-1-vendor_id"' in more.content.decode()
    assert "data-error-summary" not in more.content.decode()
    # 入力内容の確認: what will be filed, nothing filed yet
    confirm = psa.post(new_url(enrolled), form_data("medium", [medium_row(terminal)], "check"))
    page = confirm.content.decode()
    assert confirm.status_code == 200 and "入力内容の確認" in page
    assert "4C530001231122115172" in page and "山田 太郎" in page
    assert not EquipmentRequest.objects.exists()

    request = file_on_page(psa, enrolled, "medium", [medium_row(terminal)])
    filed = psa.get(
        f"/sites/{enrolled.pk}/equipment-requests/filed/?request={request.pk}&helpdesk="
    )
    page = filed.content.decode()
    assert f'data-receipt="{request.receipt_number}"' in page
    assert "今後の流れ" in page and "受付番号" in page
    assert "equipment_request.filed" in mail_kinds()

    reviewer = as_(client, cast.reviewer)
    queue = reviewer.get("/equipment-requests/").content.decode()
    assert f'data-request="{request.pk}"' in queue
    assert f'data-request="{request.pk}"' in reviewer.get("/").content.decode()
    take_up = f"/equipment-requests/{request.pk}/take-up/"
    assert "data-consequence" in reviewer.get(take_up).content.decode()
    assert reviewer.post(take_up, {"confirmed": "1"}).status_code == 303
    request.refresh_from_db()
    assert request.state == RequestState.UNDER_REVIEW
    verdict = {1: {"verdict": "approve", "reason": ""}}
    check = reviewer.post(
        f"/equipment-requests/{request.pk}/decide/", decide_data(verdict, confirmed=False)
    )
    assert check.status_code == 200 and "data-consequence" in check.content.decode()
    assert not RemovableMedium.objects.exists()  # a POST that skips the page changes nothing
    done = reviewer.post(
        f"/equipment-requests/{request.pk}/decide/", decide_data(verdict, confirmed=True)
    )
    assert done.status_code == 303
    request.refresh_from_db()
    assert (request.state, request.outcome) == (RequestState.DECIDED, Outcome.APPROVED)
    medium = RemovableMedium.objects.get()
    assert list(medium.terminals.all()) == [terminal]
    assert "equipment_request.decided" in mail_kinds()
    page = as_(client, cast.psa).get(f"/equipment-requests/{request.pk}/").content.decode()
    assert 'data-decision="approved"' in page and medium.ref in page


def test_a_terminal_added_and_another_removed_on_the_pages(client, enrolled, cast, terminal):
    psa = as_(client, cast.psa)
    rows = [
        {"action": "add", "name": "PC-10", "model_name": "ThinkPad", "serial_number": "SN10"},
        {"action": "remove", "terminal": terminal.ref},
    ]
    request = file_on_page(psa, enrolled, "terminal", rows)
    assert request.terminal_lines.count() == 2
    reviewer = as_(client, cast.reviewer)
    verdicts = {
        1: {"verdict": "approve"},
        2: {"verdict": "refuse", "reason": "廃棄予定が未確認"},
    }
    reviewer.post(
        f"/equipment-requests/{request.pk}/decide/", decide_data(verdicts, confirmed=True)
    )
    request.refresh_from_db()
    assert request.outcome == Outcome.PARTLY_APPROVED
    assert Terminal.objects.filter(site=enrolled, name="PC-10").exists()
    page = as_(client, cast.psa).get(f"/equipment-requests/{request.pk}/").content.decode()
    assert "廃棄予定が未確認" in page and "一部承認" in page


def test_software_needing_online_updates_is_refused_at_once_with_the_rules_meaning(
    client, enrolled, cast, terminal
):
    psa = as_(client, cast.psa)
    rows = [software_row(terminal, updates_online=True)]
    confirm = psa.post(new_url(enrolled), form_data("software", rows, "check")).content.decode()
    assert "data-note" in confirm  # said before filing
    request = file_on_page(psa, enrolled, "software", rows)
    assert request.outcome == Outcome.REJECTED
    page = psa.get(f"/equipment-requests/{request.pk}/").content.decode()
    assert f'data-rule="{services.RULE_ONLINE}"' in page
    assert (
        "オンラインによるインストール・アップデートが必要なソフトウェアは承認されません"
        "（留意事項(2)）"
    ) in page


def test_preinstalled_software_awaits_review_and_is_forbidden_meanwhile(
    client, enrolled, cast, terminal
):
    psa = as_(client, cast.psa)
    request = file_on_page(psa, enrolled, "software", [software_row(terminal, preinstalled=True)])
    assert request.state == RequestState.FILED
    assert TerminalSoftware.objects.get(terminal=terminal).state == SoftwareState.PROHIBITED
    page = as_(client, cast.reviewer).get(f"/equipment-requests/{request.pk}/").content.decode()
    assert f'href="/equipment-requests/{request.pk}/decide/" data-link="decide"' in page


def test_whitelisted_software_opens_a_helpdesk_request_linked_from_the_confirmation(
    client, enrolled, cast, terminal
):
    publish_whitelist(cast.staff)
    psa = as_(client, cast.psa)
    rows = [software_row(terminal), software_row(terminal, name="独自ツール")]
    confirm = psa.post(new_url(enrolled), form_data("software", rows, "check")).content.decode()
    assert "data-note" in confirm
    response = psa.post(new_url(enrolled), form_data("software", rows, "file"))
    ticket = HelpdeskRequest.objects.get()
    request = EquipmentRequest.objects.get()
    assert request.software_lines.get().name == "独自ツール"
    page = psa.get(response["Location"]).content.decode()
    assert f'href="/helpdesk/{ticket.pk}/"' in page and request.receipt_number in page
    assert "helpdesk" in mail_kinds()


def test_every_line_whitelisted_files_no_request_but_says_so(client, enrolled, cast, terminal):
    publish_whitelist(cast.staff)
    psa = as_(client, cast.psa)
    response = psa.post(new_url(enrolled), form_data("software", [software_row(terminal)], "file"))
    page = psa.get(response["Location"]).content.decode()
    assert "data-helpdesk-only" in page and HelpdeskRequest.objects.get().number in page
    assert not EquipmentRequest.objects.exists()


def test_a_document_given_with_the_filing_is_stored_with_the_request(
    client, enrolled, cast, terminal
):
    psa = as_(client, cast.psa)
    upload = {
        "document_kind": "other",
        "file": SimpleUploadedFile("仕様書.pdf", small_pdf(), content_type="application/pdf"),
    }
    request = file_on_page(psa, enrolled, "medium", [medium_row(terminal)], **upload)
    document = Document.objects.get(filename="仕様書.pdf")
    assert document.subject == request
    page = psa.get(f"/equipment-requests/{request.pk}/").content.decode()
    assert "仕様書.pdf" in page


# Bad input: answered on the page, nothing changed ----------------------------------------------


def test_a_bad_line_is_shown_at_its_row_and_field_and_in_the_summary(
    client, enrolled, cast, terminal
):
    psa = as_(client, cast.psa)
    rows = [medium_row(terminal), medium_row(terminal, vendor_id="07811", serial_number="X2")]
    for step in ("check", "file"):
        response = psa.post(new_url(enrolled), form_data("medium", rows, step))
        page = response.content.decode()
        assert response.status_code == 422, step
        assert "data-error-summary" in page
        assert "2行目" in page and 'href="#id_line-1-vendor_id"' in page
        assert 'data-row="2"' in page and "field--error" in page
    assert not EquipmentRequest.objects.exists()
    assert not OutboxMessage.objects.filter(kind__startswith="equipment").exists()


def test_a_duplicate_terminal_name_is_refused_at_filing_with_its_row(
    client, enrolled, cast, terminal
):
    psa = as_(client, cast.psa)
    rows = [{"action": "add", "name": terminal.name, "model_name": "X", "serial_number": "S9"}]
    response = psa.post(new_url(enrolled), form_data("terminal", rows, "file"))
    assert response.status_code == 422
    assert 'href="#id_line-0-name"' in response.content.decode()
    assert not EquipmentRequest.objects.exists()


def test_an_empty_request_and_a_missing_purpose_are_refused(client, enrolled, cast):
    psa = as_(client, cast.psa)
    response = psa.post(new_url(enrolled), form_data("medium", [{}], "check", purpose=""))
    assert response.status_code == 422
    assert "data-error-summary" in response.content.decode()
    assert not EquipmentRequest.objects.exists()


def test_refusing_without_a_reason_is_refused_at_the_line(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled,
        actor=cast.psa,
        kind="medium",
        purpose="x",
        lines=[medium_row(terminal)],
    ).request
    reviewer = as_(client, cast.reviewer)
    response = reviewer.post(
        f"/equipment-requests/{request.pk}/decide/",
        decide_data({1: {"verdict": "refuse", "reason": ""}}, confirmed=True),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#id_line-1-reason"' in html and 'id="id_line-1-reason_error"' in html
    request.refresh_from_db()
    assert request.state == RequestState.FILED
    assert request.medium_lines.get().decision == LineDecision.PENDING


def test_a_medium_that_is_not_unique_needs_the_box_ticked(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled,
        actor=cast.psa,
        kind="medium",
        purpose="x",
        lines=[medium_row(terminal, serial_number="")],
    ).request
    reviewer = as_(client, cast.reviewer)
    page = reviewer.get(f"/equipment-requests/{request.pk}/decide/").content.decode()
    assert 'name="line-1-not_unique_ok"' in page and 'id="id_line-1-verdict_helptext"' in page
    refused = reviewer.post(
        f"/equipment-requests/{request.pk}/decide/",
        decide_data({1: {"verdict": "approve"}}, confirmed=True),
    )
    assert refused.status_code == 422 and not RemovableMedium.objects.exists()
    reviewer.post(
        f"/equipment-requests/{request.pk}/decide/",
        decide_data({1: {"verdict": "approve", "not_unique_ok": "on"}}, confirmed=True),
    )
    assert RemovableMedium.objects.get().unique_device is False
    # the PSA never sees the office's uniqueness check
    psa_page = as_(client, cast.psa).get(f"/equipment-requests/{request.pk}/").content.decode()
    assert "data-not-unique" not in psa_page


def test_deciding_nothing_is_refused(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    response = as_(client, cast.reviewer).post(
        f"/equipment-requests/{request.pk}/decide/", decide_data({}, confirmed=True)
    )
    assert response.status_code == 422
    assert RemovableMedium.objects.count() == 0


# 追加資料依頼, 取下げ ---------------------------------------------------------------------


def test_more_documents_asked_and_answered_with_a_document(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="software", purpose="x", lines=[software_row(terminal)]
    ).request
    reviewer = as_(client, cast.reviewer)
    bad = reviewer.post(f"/equipment-requests/{request.pk}/ask/", {"message": ""})
    assert bad.status_code == 422
    response = reviewer.post(
        f"/equipment-requests/{request.pk}/ask/", {"message": "仕様書を提出してください"}
    )
    assert response.status_code == 303
    request.refresh_from_db()
    assert request.state == RequestState.INFO_REQUESTED
    assert "equipment_request.more_asked" in mail_kinds()

    psa = as_(client, cast.psa)
    home = psa.get("/").content.decode()
    assert f'data-request="{request.pk}"' in home  # waiting on the PSA's answer
    page = psa.get(f"/equipment-requests/{request.pk}/").content.decode()
    assert "仕様書を提出してください" in page and 'data-form="answer"' in page
    answer = psa.post(
        f"/equipment-requests/{request.pk}/answer/",
        {
            "answer": "仕様書を格納しました",
            "document_kind": "other",
            "file": SimpleUploadedFile("spec.pdf", small_pdf(), content_type="application/pdf"),
        },
    )
    assert answer.status_code == 303
    request.refresh_from_db()
    assert request.state == RequestState.UNDER_REVIEW
    assert Document.objects.get(filename="spec.pdf").subject == request
    assert "equipment_request.answered" in mail_kinds()


def test_a_delegate_reads_but_neither_answers_nor_withdraws(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    services.request_ask(request=request, actor=cast.reviewer, message="追加資料")
    delegate = as_(client, cast.delegate)
    page = delegate.get(f"/equipment-requests/{request.pk}/").content.decode()
    assert request.receipt_number in page
    assert 'data-form="answer"' not in page and 'data-action="withdraw"' not in page
    assert (
        delegate.post(f"/equipment-requests/{request.pk}/answer/", {"answer": "x"}).status_code
        == 403
    )
    assert delegate.get(f"/equipment-requests/{request.pk}/withdraw/").status_code == 403
    assert delegate.get(new_url(enrolled)).status_code == 403
    request.refresh_from_db()
    assert request.state == RequestState.INFO_REQUESTED


def test_withdrawal_states_its_consequence_and_needs_a_reason(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    psa = as_(client, cast.psa)
    url = f"/equipment-requests/{request.pk}/withdraw/"
    page = psa.get(url).content.decode()
    assert "data-consequence" in page and "取下げ" in page
    assert psa.post(url, {"comment": "", "confirmed": "1"}).status_code == 422
    request.refresh_from_db()
    assert request.state == RequestState.FILED
    skipped = psa.post(url, {"comment": "不要になった"})  # not from the page: drawn, nothing done
    assert skipped.status_code == 200 and "不要になった" in skipped.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.FILED
    assert psa.post(url, {"comment": "不要になった", "confirmed": "1"}).status_code == 303
    request.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN
    again = psa.get(url)
    assert again.status_code == 200 and "data-refusal" in again.content.decode()
    assert "equipment_request.withdrawn" in mail_kinds()


# Each page for each role ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("psa", 200),
        ("delegate", 200),
        ("user", 404),
        ("reviewer", 200),
        ("provider_staff", 404),
        ("other_psa", 404),
    ],
)
def test_the_request_page_for_each_role(client, enrolled, cast, everyone, terminal, who, status):
    request = services.request_file(
        site=enrolled,
        actor=cast.psa,
        kind="medium",
        purpose="秘密の理由",
        lines=[medium_row(terminal)],
    ).request
    response = as_(client, everyone[who]).get(f"/equipment-requests/{request.pk}/")
    assert response.status_code == status
    if status == 404:
        assert request.receipt_number not in response.content.decode()
        assert "秘密の理由" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status", "listed"),
    [
        ("psa", 200, True),
        ("delegate", 200, True),
        ("user", 403, False),
        ("reviewer", 200, True),
        ("provider_staff", 403, False),
        ("other_psa", 200, False),
    ],
)
def test_the_queue_for_each_role(client, enrolled, cast, everyone, terminal, who, status, listed):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    response = as_(client, everyone[who]).get("/equipment-requests/")
    assert response.status_code == status
    assert (f'data-request="{request.pk}"' in response.content.decode()) == listed


@pytest.mark.parametrize(
    ("who", "status"),
    [("psa", 200), ("delegate", 200), ("user", 403), ("reviewer", 200), ("other_psa", 404)],
)
def test_the_sites_requests_for_each_role(client, enrolled, cast, everyone, who, status):
    response = as_(client, everyone[who]).get(f"/sites/{enrolled.pk}/equipment-requests/")
    assert response.status_code == status


def test_a_company_user_sees_no_request_and_no_panel(client, enrolled, cast, company_user):
    page = as_(client, company_user).get(f"/sites/{enrolled.pk}/").content.decode()
    assert "equipment-requests" not in page


def test_the_queue_filters_by_kind_and_state_oldest_first(client, enrolled, cast, terminal):
    first = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    second = services.request_file(
        site=enrolled, actor=cast.psa, kind="software", purpose="x", lines=[software_row(terminal)]
    ).request
    reviewer = as_(client, cast.reviewer)
    page = reviewer.get("/equipment-requests/").content.decode()
    assert page.index(f'data-request="{first.pk}"') < page.index(f'data-request="{second.pk}"')
    page = reviewer.get("/equipment-requests/?kind=software").content.decode()
    assert f'data-request="{first.pk}"' not in page and f'data-request="{second.pk}"' in page
    services.request_withdraw(request=first, actor=cast.psa, reason="x")
    page = reviewer.get("/equipment-requests/").content.decode()
    assert f'data-request="{first.pk}"' not in page
    page = reviewer.get("/equipment-requests/?state=withdrawn").content.decode()
    assert f'data-request="{first.pk}"' in page


def test_the_inspector_and_the_psa_cannot_decide(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    for person in (cast.psa, cast.inspector):
        c = as_(client, person)
        assert c.get(f"/equipment-requests/{request.pk}/decide/").status_code == 403
        data = decide_data({1: {"verdict": "approve"}}, confirmed=True)
        assert c.post(f"/equipment-requests/{request.pk}/decide/", data).status_code == 403
        assert c.post(f"/equipment-requests/{request.pk}/take-up/").status_code == 403
    assert not RemovableMedium.objects.exists()


def test_a_decided_request_offers_no_decision(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    services.request_decide(
        request=request, actor=cast.reviewer, verdicts=[LineVerdict(1, False, reason="不要")]
    )
    response = as_(client, cast.reviewer).get(f"/equipment-requests/{request.pk}/decide/")
    assert response.status_code == 200 and "data-refusal" in response.content.decode()


# The helpdesk -----------------------------------------------------------------------------------


def test_the_provider_answers_a_helpdesk_request_and_the_psa_reads_it(
    client, enrolled, cast, terminal
):
    publish_whitelist(cast.staff)
    psa = as_(client, cast.psa)
    bad = psa.post(
        f"/sites/{enrolled.pk}/helpdesk/new/",
        {"name": "未登録ソフト", "vendor": "X", "version": "1", "terminals": [terminal.ref]},
    )
    assert bad.status_code == 422 and not HelpdeskRequest.objects.exists()
    response = psa.post(
        f"/sites/{enrolled.pk}/helpdesk/new/",
        {
            "name": "CAD Viewer",
            "vendor": "Example KK",
            "version": "3.1",
            "terminals": [terminal.ref],
        },
    )
    assert response.status_code == 303
    ticket = HelpdeskRequest.objects.get()
    staff = as_(client, cast.staff)
    assert f'data-ticket="{ticket.pk}"' in staff.get("/").content.decode()
    assert f'data-ticket="{ticket.pk}"' in staff.get("/helpdesk/").content.decode()
    url = f"/helpdesk/{ticket.pk}/answer/"
    detail = staff.get(f"/helpdesk/{ticket.pk}/").content.decode()
    assert f'action="{url}"' in detail and 'id="helpdesk-answer-form"' in detail
    # the request's page sends the instructions to the confirmation page: drawn, nothing sent
    sent = staff.post(url, {"answer": "設定を変更しました"})
    page = sent.content.decode()
    assert sent.status_code == 200 and 'data-form="confirm"' in page and "data-told" in page
    assert "設定を変更しました" in page and 'name="confirmed"' in page
    ticket.refresh_from_db()
    assert ticket.answer == "" and not ticket.answered_at
    assert staff.post(url, {"answer": "", "confirmed": "1"}).status_code == 422
    answered = staff.post(url, {"answer": "設定を変更しました", "confirmed": "1"})
    assert answered.status_code == 303 and answered["Location"] == f"/helpdesk/{ticket.pk}/"
    with translation.override("ja"):
        said = html.escape(str(AFTER_ACTION["helpdesk_answer"]))
    assert said in staff.get(answered["Location"]).content.decode()  # what comes next
    assert staff.post(url, {"answer": "再", "confirmed": "1"}).status_code == 409  # once
    ticket.refresh_from_db()
    assert ticket.answer == "設定を変更しました"
    psa = as_(client, cast.psa)
    assert f'data-ticket="{ticket.pk}"' in psa.get("/").content.decode()
    assert "設定を変更しました" in psa.get(f"/helpdesk/{ticket.pk}/").content.decode()
    assert psa.post(url, {"answer": "x", "confirmed": "1"}).status_code == 403
    assert psa.get(url).status_code == 403


def test_the_provider_sees_only_the_helpdesk(client, enrolled, cast, terminal):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    staff = as_(client, cast.staff)
    assert staff.get(f"/equipment-requests/{request.pk}/").status_code == 404
    assert staff.post(f"/equipment-requests/{request.pk}/take-up/").status_code == 404
    assert staff.get("/helpdesk/").status_code == 200


def test_the_reviewers_home_counts_the_requests_to_review(client, enrolled, cast, terminal):
    for _ in range(2):
        services.request_file(
            site=enrolled,
            actor=cast.psa,
            kind="medium",
            purpose="x",
            lines=[medium_row(terminal, serial_number=f"S{_}")],
        )
    page = as_(client, cast.reviewer).get("/").content.decode()
    assert 'data-count="filed">2<' in page


# The demo (`make run`) -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_shows_each_kind_of_request(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo", stdout=io.StringIO())
    outcomes = {(r.kind, r.state, r.outcome) for r in EquipmentRequest.objects.all()}
    assert outcomes == {
        ("medium", RequestState.DECIDED, Outcome.APPROVED),
        ("software", RequestState.DECIDED, Outcome.REJECTED),
        ("software", RequestState.FILED, ""),
    }
    assert RemovableMedium.objects.filter(unique_device=True).count() == 1
    assert HelpdeskRequest.objects.get().software_name == "7-Zip"
    reviewer = User.objects.get(email="reviewer@office.example.jp")
    queue = as_(client, reviewer).get("/equipment-requests/").content.decode()
    pending = EquipmentRequest.objects.get(state=RequestState.FILED)
    assert f'data-request="{pending.pk}"' in queue
