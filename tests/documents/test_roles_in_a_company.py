"""Roles inside one company are as strict as tenancy: a 利用者 reads of the folder only the
加入完了通知書 and the disposal certificates — never the application's documents, an audit result,
a 現地確認結果通知書, inspection photos or remediation evidence — through any page or API."""

from __future__ import annotations

import pytest
from django.test import Client

from dsg.audit.models import AuditEvent
from dsg.documents.models import Document
from dsg.enrollment.models import State
from dsg.notices.models import NoticeKind

from ..walk import after_commit, new_case, walk_to


@pytest.fixture
def completed(site, cast):
    with after_commit():  # the notices' PDFs are rendered and signed after the commit
        return walk_to(new_case(site, cast), State.COMPLETED, cast)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_user_reads_the_completion_notice_and_nothing_else_of_the_case(
    completed, company_user, psa
):
    documents = Document.objects.filter(company=completed.site.company)
    completion = documents.get(notice__kind=NoticeKind.COMPLETION)
    hidden = documents.exclude(pk=completion.pk)
    assert hidden.filter(kind="notice", notice__kind=NoticeKind.INSPECTION_RESULT).exists()
    assert hidden.filter(kind__in=["layout", "contract_evidence"]).exists()

    user, owner = _client(company_user), _client(psa)
    # the 利用者 uses no API (#12): the folder page is theirs
    assert user.get(f"/api/v1/enrollments/{completed.pk}/documents").status_code == 403
    page = user.get("/folder/").content.decode()
    assert completion.filename in page
    for document in hidden:
        assert document.filename not in page
        assert user.get(f"/documents/{document.pk}/download/").status_code == 404
        for url in (f"/api/v1/documents/{document.pk}", f"/api/v1/documents/{document.pk}/content"):
            assert user.get(url).status_code == 403, url
        assert owner.get(f"/documents/{document.pk}/download/").status_code == 200
    assert user.get(f"/documents/{completion.pk}/download/").status_code == 200
    reads = AuditEvent.objects.filter(action="document.read", actor_id=company_user.pk)
    assert [int(e.object_id) for e in reads] == [completion.pk]
