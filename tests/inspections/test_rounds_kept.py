"""The rounds of a subject as a person sees them (inspections.selectors.inspections_of, the case
page's ②/⑦ section) read by a query compiled once per person and kind of subject, the subject's
id a parameter (issue #14). For every role and subject it answers what the query built anew
answers — each round with its counts, its date taken, its deficiencies and their reports — and
nothing of another company; building it reads no row."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects
from django.test.utils import CaptureQueriesContext

from dsg.enrollment.models import State
from dsg.inspections import selectors
from dsg.inspections.models import Deficiency, RemediationReport

from ..factories import SiteFactory
from ..kept_builds import Builds
from ..walk import new_case, report_every_deficiency, walk_to

pytestmark = pytest.mark.django_db


def seen(rounds) -> list[tuple]:
    return [
        (
            r.pk,
            r.kind,
            r.round,
            r.status,
            r.company.name,
            r.recorded,
            r.total,
            r.scheduled_for,
            r.subject_id,
            [a.pk for a in r.appointments.all()],
            [
                (d.pk, d.finding.item.pk, [x.pk for x in d.reports.all()])
                for d in r.deficiencies.all()
            ],
        )
        for r in rounds
    ]


def built_anew(user, subject) -> list[tuple]:
    rounds = list(selectors._rounds_of(user=user, subject=subject))
    prefetch_related_objects(rounds, "appointments", "deficiencies__finding__item")
    prefetch_related_objects(rounds, "deficiencies__reports")
    return seen(rounds)


@pytest.fixture
def subjects(company, other_company, other_psa, cast):
    """A case with a deficient ② and its remediation reported, one at ② with no round yet, and
    another company's case inspected."""
    reported = walk_to(
        new_case(SiteFactory(company=company), cast), State.INSPECTION_REMEDIATION, cast
    )
    report_every_deficiency(reported, cast)
    waiting = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    theirs_cast = dataclasses.replace(cast, psa=other_psa)
    theirs = walk_to(
        new_case(SiteFactory(company=other_company), theirs_cast), State.SURVEY, theirs_cast
    )
    return reported, waiting, theirs


def test_the_kept_rounds_answer_as_built_anew_for_every_role_and_subject(subjects, everyone):
    selectors._ROUNDS.clear()
    reported, _waiting, theirs = subjects
    for _round in range(2):  # built, then kept
        for who, user in everyone.items():
            for subject in subjects:
                got = selectors.inspections_of(user=user, subject=subject)
                assert seen(got) == built_anew(user, subject), (who, subject.pk)
                assert all(r.subject is subject for r in got)
    reviewer = everyone["reviewer"]
    [kept] = selectors.inspections_of(user=reviewer, subject=reported)
    assert kept.total > 0 and kept.recorded == kept.total
    assert [d.reports.all() for d in kept.deficiencies.all()][0]  # the report, prefetched
    for who in ("psa", "delegate", "user", "provider_staff"):
        assert selectors.inspections_of(user=everyone[who], subject=theirs) == [], who
    assert selectors.inspections_of(user=everyone["other_psa"], subject=reported) == []
    assert selectors.inspections_of(user=everyone["other_psa"], subject=theirs)


def test_building_the_rounds_query_reads_no_row(subjects, everyone, monkeypatch):
    builds = Builds()
    selectors._content_type_ids()  # the content types: read once (Django keeps them), in the key
    for user in everyone.values():
        user.organization  # noqa: B018  # read with the person
    monkeypatch.setattr(selectors, "_ROUNDS", builds.cache())
    for user in everyone.values():
        selectors.inspections_of(user=user, subject=subjects[0])
    assert len(builds.keys) == len(everyone)


def carried(rounds) -> list[tuple]:
    """What each round carries past its own row: its dates, its deficiencies (with the finding's
    item, and the round as theirs) and their reports (each with its reporter, evidence, and the
    deficiency as theirs)."""
    return [
        (
            r.pk,
            [(a.pk, a.state, a.starts_at, a.party) for a in r.appointments.all()],
            [
                (
                    d.pk,
                    d.due_on,
                    d.finding.item.text,
                    d.inspection is r,
                    [
                        (x.pk, x.reported_by.pk, x.evidence_id, x.deficiency is d)
                        for x in d.reports.all()
                    ],
                )
                for d in r.deficiencies.all()
            ],
            r.scheduled_at,
        )
        for r in rounds
    ]


def carried_anew(user, subject) -> list[tuple]:
    """As inspections_of read them before (#14): the three prefetches built on each call."""
    rounds = list(selectors._rounds_of(user=user, subject=subject))
    for r in rounds:
        r.subject = subject
    prefetch_related_objects(
        rounds,
        "appointments",
        Prefetch(
            "deficiencies",
            queryset=Deficiency.objects.select_related("finding__item").prefetch_related(
                Prefetch(
                    "reports",
                    queryset=RemediationReport.objects.select_related("reported_by", "evidence"),
                )
            ),
        ),
    )
    return carried(rounds)


def test_the_rounds_carry_what_the_prefetches_gave_them_as_the_data_changes(
    company, other_company, other_psa, cast, everyone
):
    """Dates, deficiencies and reports read by the kept queries: for every role and subject as
    the prefetches built anew, before and after the company reports its remediation, and
    without a query once read."""
    selectors._ROUNDS.clear()
    selectors._ROUND_PARTS.clear()
    deficient = walk_to(
        new_case(SiteFactory(company=company), cast), State.INSPECTION_REMEDIATION, cast
    )
    theirs_cast = dataclasses.replace(cast, psa=other_psa)
    theirs = walk_to(
        new_case(SiteFactory(company=other_company), theirs_cast), State.SURVEY, theirs_cast
    )

    def every_answer() -> list:
        answers = []
        for who, user in everyone.items():
            for subject in (deficient, theirs):
                got = selectors.inspections_of(user=user, subject=subject)
                with CaptureQueriesContext(connection) as read:
                    shown = carried(got)
                assert read.captured_queries == [], who
                assert shown == carried_anew(user, subject), (who, subject.pk)
                answers.append(shown)
        return answers

    before = every_answer()
    assert any(d[4] == [] for rounds in before for r in rounds for d in r[2])  # not reported
    report_every_deficiency(deficient, cast)
    after = every_answer()
    assert after != before
    assert all(d[4] for rounds in after for r in rounds for d in r[2])  # each report carried
    assert selectors.inspections_of(user=everyone["other_psa"], subject=deficient) == []


def test_building_the_rounds_dates_deficiencies_and_reports_reads_no_row(
    subjects, everyone, monkeypatch
):
    builds = Builds()
    selectors._content_type_ids()
    for user in everyone.values():
        user.organization  # noqa: B018  # read with the person
    monkeypatch.setattr(selectors, "_ROUND_PARTS", builds.cache())
    for user in everyone.values():
        for subject in subjects:
            selectors.inspections_of(user=user, subject=subject)
    assert builds.keys  # built for those who see a round
