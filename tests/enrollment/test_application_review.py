"""Submission versions, receipt numbers, the office's review with per-part comments, comparison."""

from __future__ import annotations

import email
import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.enrollment.application_services import application_review_start, review_comment_add
from dsg.enrollment.models import Application, ApplicationVersion, ReviewComment, State
from dsg.enrollment.selectors import application_status
from dsg.enrollment.services import application_update
from dsg.notifications.models import OutboxMessage
from dsg.notifications.services import outbox_deliver_pending

from ..factories import SiteFactory
from ..walk import act, new_case, walk_to

pytestmark = pytest.mark.django_db


def status_of(enrollment) -> str:
    enrollment.refresh_from_db()
    return application_status(enrollment, enrollment.application.versions.last())


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# Versions and receipt numbers ------------------------------------------------------------------


def test_each_submission_keeps_an_immutable_version_with_a_unique_receipt(site, cast, company):
    one = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    two = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    act(one, "return_for_correction", cast.reviewer, comment="端末機種を補正")
    application_update(enrollment=one, actor=cast.psa, data={"terminal_models": "DSG-T2"})
    act(one, "submit", cast.psa)
    versions = list(ApplicationVersion.objects.order_by("pk"))
    receipts = [v.receipt_number for v in versions]
    assert len(set(receipts)) == 3
    for receipt, version in zip(receipts, versions, strict=True):
        assert receipt.isdigit() and len(receipt) >= 14
        assert receipt.startswith(f"{version.submitted_at:%Y}")
    first, second = one.application.versions.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.snapshot["parts"]["terminals"]["terminal_models"] == "指定端末 DSG-T1"
    assert second.snapshot["parts"]["terminals"]["terminal_models"] == "DSG-T2"
    kinds = {d["kind"] for d in second.snapshot["documents"]}
    assert kinds == {"layout", "contract_evidence"}
    assert all(len(d["sha256"]) == 64 for d in second.snapshot["documents"])
    assert two.application.versions.get().number == 1
    assert Application.objects.get(pk=one.application.pk).receipt_number == receipts[2]


def test_the_receipt_number_is_on_the_page(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    version = enrollment.application.versions.get()
    client.force_login(cast.psa)
    assert version.receipt_number in page(client, f"/enrollments/{enrollment.pk}/application/")
    assert version.receipt_number in page(client, f"/application-versions/{version.pk}/")
    assert version.receipt_number in page(client, f"/enrollments/{enrollment.pk}/")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[tuple[str, str]]:
        return [
            (
                str(make_header(decode_header(m["Subject"]))),
                m.get_payload(decode=True).decode(m.get_content_charset()),
            )
            for m in self.messages
            if address in m["To"]
        ]


@pytest.fixture
def smtp(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


@pytest.mark.django_db(transaction=True)
def test_mail_on_submit_return_and_accept_with_the_receipt_and_no_comments(smtp, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    version = enrollment.application.versions.get()
    review_comment_add(version=version, actor=cast.reviewer, part="site", text="施錠の記載が不足")
    act(enrollment, "return_for_correction", cast.reviewer, comment="秘密の指摘内容")
    act(enrollment, "submit", cast.psa)
    act(enrollment, "accept", cast.reviewer)
    outbox_deliver_pending()
    second = enrollment.application.versions.get(number=2)
    psa_mail = smtp.to(cast.psa.email)
    office_mail = smtp.to(cast.reviewer.email)
    receipts = [body for subject, body in psa_mail if "到達番号" in body]
    assert [version.receipt_number in receipts[0], second.receipt_number in receipts[1]] == [
        True,
        True,
    ]
    assert any(second.receipt_number in body for _s, body in office_mail)  # submitted
    assert any("補正" in subject for subject, _b in psa_mail)  # returned
    assert any("現地確認" in subject for subject, _b in psa_mail)  # accepted → ②
    for _subject, body in psa_mail + office_mail:
        assert "施錠" not in body and "秘密" not in body
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"application.receipt", "enrollment.submit", "enrollment.accept"} <= kinds
    assert "enrollment.return_for_correction" in kinds


# Status and review -----------------------------------------------------------------------------


def test_status_goes_from_received_to_under_review_to_accepted(client, site, cast):
    enrollment = new_case(site, cast)
    assert status_of(enrollment) == "draft"
    act(enrollment, "submit", cast.psa)
    assert status_of(enrollment) == "arrived"
    version = enrollment.application.versions.get()
    client.force_login(cast.psa)  # the company reading it changes nothing
    assert "到達" in page(client, f"/application-versions/{version.pk}/")
    assert status_of(enrollment) == "arrived"
    client.force_login(cast.reviewer)  # the reviewer opening it starts the review
    events = AuditEvent.objects.count()
    page(client, f"/application-versions/{version.pk}/")
    assert status_of(enrollment) == "under_review"
    assert AuditEvent.objects.count() == events + 1
    page(client, f"/application-versions/{version.pk}/")  # only once
    assert AuditEvent.objects.count() == events + 1
    act(enrollment, "accept", cast.reviewer)
    assert status_of(enrollment) == "accepted"
    version.refresh_from_db()
    assert (version.decision, version.decided_by) == ("accepted", cast.reviewer)
    assert audit_verify().ok


def test_withdrawn_reads_torisage(site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    act(enrollment, "withdraw", cast.psa)
    assert status_of(enrollment) == "withdrawn"


def test_return_with_comments_per_part_then_correct_and_resubmit(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    version = enrollment.application.versions.get()
    client.force_login(cast.reviewer)
    url = f"/application-versions/{version.pk}/comments/"
    response = client.post(url, {"part": "terminals", "text": "機種名を正式名称で"})
    assert response.status_code == 303
    client.post(url, {"part": "schedule", "text": "<b>契約日</b>を記入"})
    client.post(url, {"part": "nowhere", "text": "x"})  # refused: not a part
    assert ReviewComment.objects.filter(version=version).count() == 2
    assert status_of(enrollment) == "under_review"
    act(enrollment, "return_for_correction", cast.reviewer, comment="2点補正してください")
    assert status_of(enrollment) == "returned"

    # The PSA sees each comment on its part, escaped.
    client.force_login(cast.psa)
    terminals = page(client, f"/enrollments/{enrollment.pk}/application/terminals/")
    assert "機種名を正式名称で" in terminals and 'data-comments="terminals"' in terminals
    schedule = page(client, f"/enrollments/{enrollment.pk}/application/schedule/")
    assert "&lt;b&gt;契約日&lt;/b&gt;" in schedule and "機種名" not in schedule
    overview = page(client, f"/enrollments/{enrollment.pk}/application/")
    assert "2点補正してください" in overview

    client.post(
        f"/enrollments/{enrollment.pk}/application/terminals/",
        {"planned_terminals": "3", "terminal_models": "富士通 DSG-Model-A"},
    )
    response = client.post(f"/enrollments/{enrollment.pk}/application/confirm/")
    assert response.status_code == 302
    second = enrollment.application.versions.get(number=2)
    assert second.snapshot["parts"]["terminals"] == {
        "planned_terminals": 3,
        "terminal_models": "富士通 DSG-Model-A",
    }
    assert status_of(enrollment) == "arrived"
    # The first version is unchanged.
    first = enrollment.application.versions.get(number=1)
    assert first.snapshot["parts"]["terminals"]["planned_terminals"] == 1
    assert first.decision == "returned"

    # The compare page highlights exactly the changed items.
    compare = page(client, f"/enrollments/{enrollment.pk}/application/compare/?a=1&b=2")
    assert compare.count('data-changed="true"') == 2
    assert "<mark>富士通 DSG-Model-A</mark>" in compare
    assert "指定端末 DSG-T1" in compare
    assert (
        client.get(f"/enrollments/{enrollment.pk}/application/compare/?a=1&b=9").status_code == 404
    )


def test_only_the_reviewer_comments_and_only_on_the_version_under_review(site, cast, everyone):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    version = enrollment.application.versions.get()
    for key in ("psa", "delegate", "inspector"):
        with pytest.raises(RuleViolation) as refusal:
            review_comment_add(version=version, actor=everyone[key], part="site", text="x")
        assert refusal.value.status == 403
    with pytest.raises(RuleViolation) as refusal:
        review_comment_add(version=version, actor=cast.reviewer, part="site", text="   ")
    assert refusal.value.code == "comment_required"
    act(enrollment, "return_for_correction", cast.reviewer, comment="補正")
    with pytest.raises(RuleViolation) as refusal:
        review_comment_add(version=version, actor=cast.reviewer, part="site", text="遅い")
    assert refusal.value.code == "wrong_state"
    act(enrollment, "submit", cast.psa)
    with pytest.raises(RuleViolation) as refusal:
        application_review_start(version=version, actor=cast.reviewer)  # the old version
    assert refusal.value.code == "wrong_version"


def test_return_still_requires_a_comment(site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    with pytest.raises(RuleViolation) as refusal:
        act(enrollment, "return_for_correction", cast.reviewer)
    assert refusal.value.code == "comment_required"


# API ------------------------------------------------------------------------------------------


def test_versions_and_comments_through_the_api(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    api = "/api/v1"
    client.force_login(cast.reviewer)
    [listed] = client.get(f"{api}/enrollments/{enrollment.pk}/application/versions").json()
    assert listed["number"] == 1 and listed["review_started_at"] is None
    started = client.post(f"{api}/application-versions/{listed['id']}/review")
    assert started.status_code == 200 and started.json()["review_started_at"]
    created = client.post(
        f"{api}/application-versions/{listed['id']}/comments",
        {"part": "site", "text": "取扱施設の説明を詳しく"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["part"] == "site"
    bad = client.post(
        f"{api}/application-versions/{listed['id']}/comments",
        {"part": "elsewhere", "text": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    detail = client.get(f"{api}/application-versions/{listed['id']}").json()
    assert detail["receipt_number"] == listed["receipt_number"]
    assert detail["snapshot"]["parts"]["site"]["facility_name"] == "第1取扱施設"
    assert [c["text"] for c in detail["comments"]] == ["取扱施設の説明を詳しく"]
    application = client.get(f"{api}/enrollments/{enrollment.pk}/application").json()
    assert application["status"] == "under_review"
    assert {t["part"]: t["status"] for t in application["tasks"]}["documents"] == "complete"
    client.force_login(cast.psa)
    refused = client.post(
        f"{api}/application-versions/{listed['id']}/comments",
        {"part": "site", "text": "自分で"},
        content_type="application/json",
    )
    assert refused.status_code == 403
