"""The office's and the provider's homes list the cases per step (how many, and the longest
waiting of each), their queries kept compiled per person, step and length
(enrollment.selectors.enrollment_counts_by_step / enrollments_first_at_step, issue #14). A kept
query must answer as one built anew — for every role, after cases moved or were opened (nothing
stale) — and never another company's cases; and its building must read no row (what it reads is
in its key: the person, role and organisation)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.enrollment import selectors
from dsg.enrollment.models import STEP_OF_STATE, State

from ..factories import SiteFactory
from ..kept_builds import Builds
from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db

STEPS = (1, 2, 3, 4, 5, 6, 7, 8, 0)
STATES = (State.DRAFT, State.SUBMITTED, State.INSPECTION, State.SURVEY, State.WITHDRAWN)


@pytest.fixture
def cases(company, other_company, other_psa, cast):
    ours = [walk_to(new_case(SiteFactory(company=company), cast), s, cast) for s in STATES]
    ours.append(new_case(SiteFactory(company=company), cast))  # two drafts: an order to keep
    theirs_cast = dataclasses.replace(cast, psa=other_psa)
    theirs = [
        walk_to(new_case(SiteFactory(company=other_company), theirs_cast), s, theirs_cast)
        for s in (State.DRAFT, State.SURVEY)
    ]
    return ours, theirs


def fresh(user, limit: int) -> tuple[dict[int, int], dict[int, list[int]]]:
    """What the selectors' querysets answer, built anew."""
    counts = Counter(
        STEP_OF_STATE[state]
        for state in selectors.enrollment_list_for(user=user).values_list("state", flat=True)
    )
    first = {
        step: [c.pk for c in selectors.enrollments_at_step(user=user, step=step)[:limit]]
        for step in STEPS
    }
    return dict(counts), first


def kept(user, limit: int) -> tuple[dict[int, int], dict[int, list[int]]]:
    first = {
        step: [c.pk for c in selectors.enrollments_first_at_step(user=user, step=step, limit=limit)]
        for step in STEPS
    }
    return selectors.enrollment_counts_by_step(user=user), first


def test_the_kept_step_lists_answer_as_built_anew_for_every_role(cases, everyone, cast):
    selectors._STEP_LISTS.clear()
    for who, user in everyone.items():
        for limit in (1, 10):
            expected = fresh(user, limit)
            assert kept(user, limit) == expected, (who, limit)  # built and kept
            assert kept(user, limit) == expected, (who, limit)  # the kept queries
    # the rows as the page shows them: with their site and company, read in the same query —
    # what {% case_rows %} and 「次の対応者」 read of them, no column left to a query of its own
    [row] = selectors.enrollments_first_at_step(user=everyone["reviewer"], step=1, limit=1)
    with CaptureQueriesContext(connection) as captured:
        shown = (
            row.site.name,
            row.site.company.name,
            row.number,
            row.state,
            row.get_state_display(),
            row.state_changed_at,
            row.waiting_on,
        )
    assert captured.captured_queries == [] and all(shown)
    # cases move and are opened: the next call answers what the database holds
    ours, _theirs = cases
    walk_to(ours[0], State.SUBMITTED, cast)
    new_case(SiteFactory(company=ours[0].site.company), cast)
    for who, user in everyone.items():
        assert kept(user, 10) == fresh(user, 10), who


def test_another_companys_cases_never_appear(cases, everyone):
    ours, theirs = cases
    selectors._STEP_LISTS.clear()
    for _round in range(2):  # built, then kept
        for who, user in everyone.items():
            counts, first = kept(user, 10)
            listed = {pk for pks in first.values() for pk in pks}
            if who == "other_psa":
                assert listed == {c.pk for c in theirs}
                assert sum(counts.values()) == len(theirs)
            elif who in ("psa", "delegate", "user"):
                assert not listed & {c.pk for c in theirs}, who
                assert sum(counts.values()) <= len(ours), who
            elif who == "provider_staff":
                assert not listed & {c.pk for c in ours if c.step < 3}, who


def test_building_the_step_lists_reads_no_row(cases, everyone, monkeypatch):
    builds = Builds()
    for user in everyone.values():
        user.organization  # noqa: B018  # the person's organisation: read with the person
    monkeypatch.setattr(selectors, "_STEP_LISTS", builds.cache())
    for user in everyone.values():
        kept(user, 10)
    assert builds.firsts() == {"counts", "at_step"}
    assert len(builds.keys) == len(everyone) * (1 + len(STEPS))


def test_a_steps_first_cases_keep_the_plain_order_across_its_states_and_ties(
    company, other_company, other_psa, everyone, cast
):
    """The first cases of a step are chosen by their ids first, then read with their site and
    company (the eighth run): for a step of several states, dates shared by several cases (the
    id breaks the tie) and lists longer and shorter than the step, the same cases in the same
    order as the plain query's — and again after the dates and states changed."""
    from datetime import timedelta

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from dsg.enrollment.models import Enrollment

    cases = [new_case(SiteFactory(company=company), cast) for _ in range(14)]
    theirs_cast = dataclasses.replace(cast, psa=other_psa)
    cases += [new_case(SiteFactory(company=other_company), theirs_cast) for _ in range(4)]
    states = list(State.values)
    start = timezone.now() - timedelta(days=30)

    def shuffle(turn: int) -> None:
        with scopes_disabled():
            for i, case in enumerate(cases):
                Enrollment.objects.filter(pk=case.pk).update(
                    state=states[(i * 5 + turn) % len(states)],
                    state_changed_at=start + timedelta(days=(i * 7 + turn) % 4),  # ties
                )

    selectors._STEP_LISTS.clear()
    for turn in range(3):
        shuffle(turn)
        for who, user in everyone.items():
            for limit in (1, 2, 3, 10):
                assert kept(user, limit) == fresh(user, limit), (turn, who, limit)
