"""A notice's PDF is rendered and signed after the issuing transaction, outside the case's lock.

The number and the snapshot are fixed in the transaction that issues the notice; the PDF follows
right after commit. A rendering that fails leaves the notice pending — listed as such, its PDF
answered with a message — until the worker or ``dsg notice render-pending`` renders it.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.enrollment.models import Enrollment
from dsg.notices import render as notice_render_module
from dsg.notices.models import Notice, NoticeKind
from dsg.notices.services import notice_issue, notices_render_pending
from dsg.notifications.models import OutboxMessage

from ..walk import after_commit
from .snapshots import inspection_snapshot


@pytest.fixture
def enrollment(site, psa):
    return Enrollment.objects.create(site=site, created_by=psa)


def issue(enrollment, reviewer) -> Notice:
    return notice_issue(
        subject=enrollment,
        kind=NoticeKind.INSPECTION_RESULT,
        snapshot=inspection_snapshot(enrollment),
        issued_by=reviewer,
    )


def test_the_pdf_is_rendered_only_after_the_issuing_transaction(enrollment, reviewer):
    with after_commit():
        with transaction.atomic():
            notice = issue(enrollment, reviewer)
            inside = Notice.objects.get(pk=notice.pk)
            assert inside.is_pending and inside.number  # numbered, not rendered, in the lock
            assert AuditEvent.objects.filter(action="notice.prepared").count() == 1
            assert not AuditEvent.objects.filter(action="notice.issued").exists()
            assert not OutboxMessage.objects.filter(kind="notice.issued").exists()
    notice.refresh_from_db()
    assert not notice.is_pending and notice.document.kind == "notice"
    issued = AuditEvent.objects.get(action="notice.issued")
    assert issued.after["sha256"] == notice.document.sha256
    assert OutboxMessage.objects.filter(kind="notice.issued").count() == 1


def test_a_failed_rendering_keeps_the_notice_pending_until_it_is_retried(
    enrollment, reviewer, psa, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("fonts are missing")

    monkeypatch.setattr("dsg.notices.services.notice_render", broken)
    with after_commit():
        notice = issue(enrollment, reviewer)
    notice.refresh_from_db()
    assert notice.is_pending and notice.render_attempts == 1
    assert "fonts are missing" in notice.render_error

    client = Client()
    client.force_login(psa)
    listed = client.get(f"/enrollments/{enrollment.pk}/notices/").content.decode()
    assert notice.number in listed and "data-pending" in listed
    api = client.get(f"/api/v1/notices/{notice.pk}/pdf")
    assert api.status_code == 409 and api.json()["code"] == "notice_pending"
    assert client.get(f"/api/v1/notices/{notice.pk}").json()["pending"] is True
    page = client.get(f"/notices/{notice.pk}/pdf/", follow=True)
    assert page.redirect_chain[-1][0] == f"/enrollments/{enrollment.pk}/notices/"
    assert "作成・署名の処理中" in page.content.decode()

    with pytest.raises(CommandError):
        call_command("notice", "render-pending")  # still broken: exits 1

    monkeypatch.setattr("dsg.notices.services.notice_render", notice_render_module.notice_render)
    call_command("notice", "render-pending")
    notice.refresh_from_db()
    assert not notice.is_pending and notice.render_error == ""
    assert client.get(f"/api/v1/notices/{notice.pk}/pdf").content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="notice.issued").count() == 1
    assert OutboxMessage.objects.filter(kind="notice.issued").count() == 1
    assert audit_verify().ok


def test_rendering_twice_stores_one_pdf(enrollment, reviewer):
    with after_commit():
        notice = issue(enrollment, reviewer)
    assert notices_render_pending() == (0, 0)  # nothing left to render
    notice.refresh_from_db()
    assert AuditEvent.objects.filter(action="notice.issued").count() == 1
    assert Notice.objects.filter(document__isnull=False).count() == 1
