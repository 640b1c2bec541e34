"""The office's home shows the first unseen storage reports (「格納した旨を連絡」) and how many
there are, both queries kept compiled per person (documents.selectors.storage_reports_first,
issue #14). For every role they answer as the queryset built anew — before and after reports
are filed and marked seen — and nobody but the office sees one; building them reads no row."""

from __future__ import annotations

import pytest

from dsg.documents import folder, selectors

from ..kept_builds import Builds
from . import files
from .test_folder import store

pytestmark = pytest.mark.django_db


def fresh(user, limit: int) -> tuple[list[tuple], int]:
    reports = selectors.storage_reports_for(user)
    shown = list(reports[:limit])
    return [seen(r) for r in shown], reports.count()


def seen(report) -> tuple:
    subject = selectors.subject_ref(report.document.subject)
    return (
        report.pk,
        report.company.name,
        report.document.filename,
        str(report.document.uploaded_by),
        subject.label if subject else None,
    )


def kept(user, limit: int) -> tuple[list[tuple], int]:
    shown, count = selectors.storage_reports_first(user, limit=limit)
    return [seen(r) for r in shown], count


def test_the_kept_reports_answer_as_built_anew_for_every_role(everyone, company, other_company):
    selectors._REPORTS.clear()
    for n in range(3):
        store(everyone["psa"], company, files.xlsx(), name=f"申請書{n}.xlsx")
    store(everyone["other_psa"], other_company, files.xlsx(), name="他社.xlsx")
    for _round in range(2):  # built, then kept
        for who, user in everyone.items():
            for limit in (2, 20):
                assert kept(user, limit) == fresh(user, limit), (who, limit)
    reviewer = everyone["reviewer"]
    assert kept(reviewer, 2)[1] == 4 and len(kept(reviewer, 2)[0]) == 2
    for who in ("psa", "delegate", "user", "provider_staff", "other_psa"):
        assert kept(everyone[who], 20) == ([], 0), who
    first = selectors.storage_reports_for(reviewer).first()
    folder.storage_report_mark_seen(report=first, actor=reviewer)
    store(everyone["psa"], company, files.xlsx(), name="追加.xlsx")
    for who, user in everyone.items():
        for limit in (2, 20):
            assert kept(user, limit) == fresh(user, limit), (who, limit)
    assert first.pk not in {row[0] for row in kept(reviewer, 20)[0]}


def test_building_the_reports_queries_reads_no_row(everyone, company, monkeypatch):
    for n in range(2):
        store(everyone["psa"], company, files.xlsx(), name=f"申請書{n}.xlsx")
    builds = Builds()
    for user in everyone.values():
        user.organization  # noqa: B018  # read with the person
    monkeypatch.setattr(selectors, "_REPORTS", builds.cache())
    for user in everyone.values():
        selectors.storage_reports_first(user, limit=1)
    assert builds.firsts() == {"first", "count"}
