"""One case's actual dates (enrollment.schedule.actuals_of, the case page's schedule) read by a
query compiled once, the case's id a parameter (issue #14): at every step, and again after the
case moves on, they are what the records read anew give (``step_actuals``); building the query
reads no row."""

from __future__ import annotations

import pytest

from dsg.enrollment import schedule
from dsg.enrollment.models import State

from ..factories import SiteFactory
from ..kept_builds import Builds
from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db


def anew(case) -> dict:
    """actuals_of as it read them before: the records of the case by step_actuals."""
    actuals = schedule.step_actuals([case.pk])[case.pk]
    submitted = case.application.submitted_at
    if submitted is not None:
        actuals[1] = schedule.Actual(
            schedule.timezone.localdate(submitted), actuals.get(1, schedule.Actual(None, None)).end
        )
    return {n: a for n, a in actuals.items() if a.start is not None}


def test_the_actual_dates_are_the_records_read_anew_at_every_step(company, cast):
    schedule._RECORDS_OF_ONE.clear()
    cases = [new_case(SiteFactory(company=company), cast)]  # a draft: nothing started
    for state in (State.SUBMITTED, State.SURVEY, State.TERMINAL_SETUP, State.COMPLETED):
        cases.append(walk_to(new_case(SiteFactory(company=company), cast), state, cast))
    for _round in range(2):  # built, then kept
        for case in cases:
            assert schedule.actuals_of(case) == anew(case), case.state
    known = [len(schedule.actuals_of(case)) for case in cases]
    assert known == sorted(known) and known[0] == 0 and known[-1] == 7
    assert len(schedule._RECORDS_OF_ONE._items) == 1


def test_building_the_actual_dates_query_reads_no_row(company, cast, monkeypatch):
    case = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    builds = Builds()
    monkeypatch.setattr(schedule, "_RECORDS_OF_ONE", builds.cache())
    assert schedule.actuals_of(case) == anew(case)
    assert builds.keys == ["records"]
