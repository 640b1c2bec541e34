"""Issuing: who may, what is recorded (notice, document, ledger, mail), numbers, the snapshot."""

from __future__ import annotations

import hashlib
import threading
from io import BytesIO

import pytest
from django.db import connection, transaction
from django_scopes import scopes_disabled
from pypdf import PdfReader

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.documents.models import DocumentKind
from dsg.documents.services import document_read
from dsg.enrollment.models import Enrollment
from dsg.notices.models import Notice, NoticeCounter, NoticeKind
from dsg.notices.render import notice_render
from dsg.notices.services import notice_issue, notice_number_next
from dsg.notifications.models import OutboxMessage

from ..walk import after_commit
from .snapshots import completion_snapshot, inspection_snapshot


@pytest.fixture
def enrollment(site, psa):
    return Enrollment.objects.create(site=site, created_by=psa)


def _issue(enrollment, actor, kind=NoticeKind.INSPECTION_RESULT):
    snapshot = (
        inspection_snapshot(enrollment)
        if kind == NoticeKind.INSPECTION_RESULT
        else completion_snapshot(enrollment)
    )
    with after_commit():
        notice = notice_issue(subject=enrollment, kind=kind, snapshot=snapshot, issued_by=actor)
    notice.refresh_from_db()
    return notice


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_issue_stores_the_signed_pdf_records_the_ledger_and_tells_the_psa(
    enrollment, reviewer, psa
):
    notice = _issue(enrollment, reviewer, NoticeKind.COMPLETION)

    document = notice.document
    pdf = document_read(document=document, actor=None)
    assert pdf.startswith(b"%PDF-") and document.kind == DocumentKind.NOTICE
    assert document.company_id == enrollment.site.company_id
    assert document.subject == enrollment
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert notice.snapshot == completion_snapshot(enrollment)
    assert "加入完了通知書" in _text(pdf) and "令和8年12月1日" in _text(pdf)

    event = AuditEvent.objects.get(action="notice.issued")
    assert event.object_id == str(notice.pk) and event.company_id == enrollment.site.company_id
    assert event.after["sha256"] == document.sha256 and event.after["number"] == notice.number

    mail = OutboxMessage.objects.get(kind="notice.issued")
    assert mail.recipients == [psa.email]
    assert "PC-01" not in mail.body and "SN-0001" not in mail.body  # no contents in mail
    assert f"/enrollments/{enrollment.pk}/notices/" in mail.body


def test_an_inspector_may_issue_too(enrollment, inspector):
    assert _issue(enrollment, inspector).issued_by == inspector


@pytest.mark.parametrize("who", ["psa", "delegate", "provider_staff", "other_psa"])
def test_no_one_outside_the_office_may_issue(enrollment, everyone, who):
    with pytest.raises(RuleViolation) as refusal:
        _issue(enrollment, everyone[who])
    assert refusal.value.status == 403
    assert not Notice.objects.exists() and not NoticeCounter.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="notice.").exists()


def test_an_unknown_kind_is_refused(enrollment, reviewer):
    with pytest.raises(RuleViolation) as refusal:
        notice_issue(subject=enrollment, kind="memo", snapshot={}, issued_by=reviewer)
    assert refusal.value.status == 422 and not Notice.objects.exists()


def test_numbers_run_per_year_without_gaps(enrollment, reviewer):
    first, second = _issue(enrollment, reviewer), _issue(enrollment, reviewer)
    year = first.issued_at.astimezone().year
    assert first.number == f"防装庁情第{year}-0001号"
    assert second.number == f"防装庁情第{year}-0002号"
    assert first.document_id != second.document_id
    assert first.number in _text(document_read(document=first.document, actor=None))
    with transaction.atomic():
        assert notice_number_next(year=year + 1) == f"防装庁情第{year + 1}-0001号"


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_unique_when_issued_at_the_same_moment():
    """Two writers take numbers at once: each number once, none skipped (a locked counter row)."""
    taken: list[str] = []
    errors: list[BaseException] = []

    def take(count: int) -> None:
        try:
            for _ in range(count):
                with transaction.atomic():
                    taken.append(notice_number_next(year=2031))
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(10,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(taken) == [f"防装庁情第2031-{n:04d}号" for n in range(1, 21)]


def test_rerendering_reads_only_the_snapshot(enrollment, reviewer):
    notice = _issue(enrollment, reviewer)
    company = enrollment.site.company
    old_name = company.name
    company.name = "改名後株式会社"
    company.save()
    enrollment.site.name = "移転後の拠点"
    enrollment.site.save()

    with scopes_disabled():
        stored = Notice.objects.get(pk=notice.pk)
    text = _text(notice_render(stored.snapshot, stored.kind, stored.number, stored.issued_at))
    assert old_name in text and "改名後株式会社" not in text and "移転後の拠点" not in text
    assert stored.number in text
