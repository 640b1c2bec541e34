"""Many pending notices rendered at once on several processes; what each process keeps between
notices (the font configuration, the signer and its signature size) changes nothing printed.

The batch (``notices_render_pending(workers=2)``, ``dsg notice render-pending --workers 2``)
makes the PDFs in forked processes and stores them here. The workers below meet at a barrier
before each rendering, so the test only passes when two really render side by side.
"""

from __future__ import annotations

import multiprocessing
import os
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.documents.services import document_read
from dsg.enrollment.models import Enrollment
from dsg.notices import render, services
from dsg.notices.keys import trial_pair_write
from dsg.notices.models import Notice, NoticeKind
from dsg.notices.services import notice_issue, notices_render_pending
from dsg.notices.verify import notice_verify, trusted_certificates
from dsg.notifications.models import OutboxMessage

from .snapshots import inspection_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(site, psa):
    return Enrollment.objects.create(site=site, created_by=psa)


def pending(enrollment, reviewer, n: int) -> list[Notice]:
    """``n`` notices left pending: the test's transaction never commits, so none is rendered."""
    notices = [
        notice_issue(
            subject=enrollment,
            kind=NoticeKind.INSPECTION_RESULT,
            snapshot=inspection_snapshot(enrollment),
            issued_by=reviewer,
        )
        for _ in range(n)
    ]
    assert all(Notice.objects.get(pk=n.pk).is_pending for n in notices)
    return notices


@pytest.fixture
def two_at_once(monkeypatch):
    """Each rendering waits until another process renders too (at most 20 s), and none may run
    in this process. Set before the pool forks, so the workers inherit it."""
    barrier = multiprocessing.get_context("fork").Barrier(2, timeout=20)
    parent = os.getpid()
    real = services._signed_pdf

    def rendered_beside_another(printed):
        assert os.getpid() != parent, "rendered in the storing process"
        barrier.wait()  # BrokenBarrierError (a failed notice) when no other worker came
        return real(printed)

    monkeypatch.setattr(services, "_signed_pdf", rendered_beside_another)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_batch_renders_each_pending_notice_on_two_processes(enrollment, reviewer, two_at_once):
    notices = pending(enrollment, reviewer, 2)
    assert notices_render_pending(limit=None, workers=2) == (2, 0)
    for notice in notices:
        notice.refresh_from_db()
        assert not notice.is_pending and notice.render_error == ""
        pdf = document_read(document=notice.document, actor=None)
        result = notice_verify(pdf)  # signature and the issued record's SHA-256
        assert result.ok, result.problems
        assert result.number == notice.number and notice.number in _text(pdf)
    assert AuditEvent.objects.filter(action="notice.issued").count() == 2
    assert OutboxMessage.objects.filter(kind="notice.issued").count() == 2
    assert audit_verify().ok
    assert notices_render_pending(workers=2) == (0, 0)  # nothing left


def test_a_notice_failing_in_a_worker_stays_pending_and_the_others_are_stored(
    enrollment, reviewer, monkeypatch
):
    first, second = pending(enrollment, reviewer, 2)
    real = services._signed_pdf

    def broken_for_the_second(printed):
        if printed[2] == second.number:
            raise OSError("fonts are missing")
        return real(printed)

    monkeypatch.setattr(services, "_signed_pdf", broken_for_the_second)
    assert notices_render_pending(limit=None, workers=2) == (1, 1)
    for notice in (first, second):
        notice.refresh_from_db()
    assert not first.is_pending
    assert second.is_pending and second.render_attempts == 1
    assert "fonts are missing" in second.render_error
    assert AuditEvent.objects.filter(action="notice.issued").count() == 1


def test_the_command_renders_the_batch_on_the_workers_asked_for(
    enrollment, reviewer, two_at_once, capsys
):
    pending(enrollment, reviewer, 2)
    call_command("notice", "render-pending", "--workers", "2")
    assert "rendered 2 pending notice(s); 0 failed" in capsys.readouterr().out
    assert not Notice.objects.filter(document__isnull=True).exists()
    with pytest.raises(CommandError, match="at least 1"):
        call_command("notice", "render-pending", "--workers", "0")


def test_the_limit_leaves_the_newer_notices_pending(enrollment, reviewer):
    older, newer = pending(enrollment, reviewer, 2)
    call_command("notice", "render-pending", "--workers", "1", "--limit", "1")
    older.refresh_from_db()
    newer.refresh_from_db()
    assert not older.is_pending and newer.is_pending


# What a process keeps between notices.

NUMBER = "防装庁情第2026-0777号"


def _signed(snapshot=None) -> bytes:
    pdf = render.notice_render(
        snapshot or {"company": "青葉電機株式会社"}, NoticeKind.COMPLETION, NUMBER, timezone.now()
    )
    return render.notice_sign(pdf, number=NUMBER, title="加入完了通知書")


def _reserved(pdf: bytes) -> int:
    signature = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures[0]
    return len(signature.sig_object["/Contents"])


def test_later_signatures_reuse_the_first_ones_size_and_still_verify():
    first, second = _signed(), _signed()
    for pdf in (first, second):
        result = notice_verify(pdf, check_record=False)
        assert result.intact and result.valid and result.trusted and result.whole_file
    assert _reserved(second) == _reserved(first)


def test_a_new_key_is_used_as_soon_as_it_is_configured(tmp_path, monkeypatch):
    _signed()  # the trial key's signer is cached
    key, cert = tmp_path / "office.key", tmp_path / "office.crt"
    trial_pair_write(key_path=key, cert_path=cert, common_name="防衛装備庁 情報システム管理室")
    monkeypatch.setenv("DSG_NOTICE_KEY", str(key))
    monkeypatch.setenv("DSG_NOTICE_CERT", str(cert))
    pdf = _signed()
    assert notice_verify(pdf, trust_roots=trusted_certificates([cert]), check_record=False).ok
    monkeypatch.delenv("DSG_NOTICE_KEY")
    monkeypatch.delenv("DSG_NOTICE_CERT")
    other = _signed()
    assert notice_verify(other, check_record=False).ok
    assert not notice_verify(other, trust_roots=trusted_certificates([cert]), check_record=False).ok


def test_the_kept_font_configuration_prints_what_a_fresh_one_prints(monkeypatch):
    snapshot = {"company": "青葉電機株式会社", "completion": {"started_on": "2026-12-01"}}
    kept = render._cached().font_config()
    _signed(snapshot)
    again = _signed(snapshot)
    assert render._cached().font_config() is kept  # one per process and thread
    monkeypatch.setattr(render, "_local", render._Cache())  # a fresh process's state
    fresh = _signed(snapshot)
    assert render._cached().font_config() is not kept
    assert _text(again) == _text(fresh)
    assert "令和8年12月1日（2026-12-01）" in _text(fresh)
    fonts = {
        str(font["/BaseFont"]).split("+")[-1]
        for page in PdfReader(BytesIO(again)).pages
        for font in page["/Resources"]["/Font"].values()
        for font in [font.get_object()]
    }
    assert {"IPAexMincho", "IPAexGothic"} <= fonts, fonts
