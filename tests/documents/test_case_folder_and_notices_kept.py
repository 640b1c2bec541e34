"""The case page's notices and folder summary read by queries compiled once per person, kind of
subject and content types, the subject's id a parameter (notices.selectors.
notices_of_subject_kept, documents.selectors.folder_summary_for; issue #14): for every role
and case they answer what the queries built anew answer (the notices with their PDF and
issuer; the count, the password-protected, the current audit result), again after a document
is stored; never a row of a case the person does not see; building them reads no row."""

from __future__ import annotations

import dataclasses

import pytest
from django.db.models import Count, Q

from dsg.documents import selectors as documents
from dsg.enrollment.models import State
from dsg.notices import selectors as notices

from ..factories import SiteFactory
from ..kept_builds import Builds
from ..walk import attach_documents, new_case, walk_to

pytestmark = pytest.mark.django_db


def notices_seen(rows) -> list[tuple]:
    return [
        (n.pk, n.kind, n.number, n.document_id, n.document and n.document.sha256, n.issued_by_id)
        for n in rows
    ]


def summary_anew(user, case) -> dict:
    return documents.documents_for(user, case).aggregate(
        count=Count("pk"),
        protected=Count("pk", filter=Q(password_protected=True)),
        audit=Count("pk", filter=Q(kind="audit_result", is_current=True)),
    )


@pytest.fixture
def cases(company, other_company, other_psa, cast):
    done = walk_to(new_case(SiteFactory(company=company), cast), State.COMPLETED, cast)
    survey = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    theirs_cast = dataclasses.replace(cast, psa=other_psa)
    theirs = walk_to(
        new_case(SiteFactory(company=other_company), theirs_cast), State.SURVEY, theirs_cast
    )
    return {"done": done, "survey": survey, "theirs": theirs}


def every_answer(everyone, cases) -> dict:
    answers = {}
    for who, user in everyone.items():
        for name, case in cases.items():
            kept = notices.notices_of_subject_kept(user=user, subject=case)
            anew = notices.notices_of_subject_for(user=user, subject=case)
            assert notices_seen(kept) == notices_seen(anew), (who, name)
            summary = documents.folder_summary_for(user, case)
            assert summary == summary_anew(user, case), (who, name)
            answers[who, name] = (notices_seen(kept), summary)
    return answers


def test_the_kept_notices_and_folder_answer_as_built_anew(everyone, cases, cast):
    notices._OF_SUBJECT.clear()
    documents._SUMMARIES.clear()
    before = every_answer(everyone, cases)
    assert before["psa", "done"][0] and before["psa", "done"][1]["count"]  # notices, documents
    for who in ("psa", "delegate", "user"):  # another company's case: nothing of it
        assert before[who, "theirs"] == ([], {"count": 0, "protected": 0, "audit": 0}), who
    assert before["other_psa", "done"] == ([], {"count": 0, "protected": 0, "audit": 0})
    assert before["provider_staff", "done"][0] == []  # the provider reads no notice
    attach_documents(cases["survey"], cast.psa, kinds=("audit_result",))
    after = every_answer(everyone, cases)
    assert after["psa", "survey"][1]["count"] == before["psa", "survey"][1]["count"] + 1
    assert after["psa", "survey"][1]["audit"] == 1


def test_building_the_notices_and_folder_queries_reads_no_row(everyone, cases, monkeypatch):
    builds = Builds()
    for user in everyone.values():
        user.organization  # noqa: B018  # read with the person
    monkeypatch.setattr(notices, "_OF_SUBJECT", builds.cache())
    monkeypatch.setattr(documents, "_SUMMARIES", builds.cache())
    for user in everyone.values():
        for case in cases.values():
            notices.notices_of_subject_kept(user=user, subject=case)
            documents.folder_summary_for(user, case)
    assert len(builds.keys) == 2 * len(everyone)
