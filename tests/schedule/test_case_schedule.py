"""A case's schedule: start from submission, actual dates from its step records, warnings about
the desired start and the contract date, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsg.enrollment.models import Application, State
from dsg.enrollment.schedule import case_schedule_for, schedule_for
from dsg.enrollment.selectors import enrollment_get_for
from dsg.inspections import services as insp
from dsg.schedule.calendar import business_day_on_or_after
from dsg.schedule.planner import plan

from ..inspections.helpers import record
from ..walk import new_case, today, walk_to


def _reload(enrollment, user):
    return enrollment_get_for(user=user, pk=enrollment.pk)


@pytest.mark.django_db
def test_a_draft_is_planned_from_today(site, cast):
    enrollment = _reload(new_case(site, cast), cast.psa)
    result = schedule_for(enrollment)
    assert result.start == today()
    assert result.step(1).start == business_day_on_or_after(today())
    assert all(s.actual_start is None for s in result.steps)


@pytest.mark.django_db
def test_a_submitted_case_is_planned_from_its_submission_with_actual_dates(site, cast):
    enrollment = walk_to(new_case(site, cast), State.SURVEY, cast)
    enrollment = _reload(enrollment, cast.reviewer)
    result = schedule_for(enrollment)
    submitted = timezone.localdate(enrollment.application.submitted_at)
    assert result.start == submitted
    assert result.step(1).actual_start == submitted
    assert result.step(1).actual_end == today()  # accepted today
    assert result.step(2).actual_start == today()
    assert result.step(2).actual_end == today()  # inspection passed today (performed_on)
    assert result.step(3).actual_start == today() and result.step(3).actual_end is None
    assert result.step(4).actual_start is None
    assert result.step(4).start > result.step(3).end


@pytest.mark.django_db
def test_performed_on_is_the_actual_date_of_a_step(site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspected = today() - dt.timedelta(days=3)
    inspection = insp.inspection_open(subject=enrollment, actor=cast.inspector)
    record(inspection, cast)
    insp.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=inspected)
    result = schedule_for(_reload(enrollment, cast.reviewer))
    assert result.step(2).actual_end == inspected
    assert result.step(3).actual_start == inspected


@pytest.mark.django_db
def test_planned_terminals_lengthen_step_six(site, cast):
    enrollment = new_case(site, cast)
    Application.objects.filter(enrollment=enrollment).update(planned_terminals=45)
    result = schedule_for(_reload(enrollment, cast.psa))
    assert result.terminals == 45
    assert result.step(6).business_days == plan(result.start, terminals=45).step(6).business_days
    assert result.step(6).business_days > plan(result.start).step(6).business_days


@pytest.mark.django_db
def test_desired_start_before_completion_and_unreachable_contract_warn(site, cast):
    enrollment = new_case(site, cast)
    soon = today() + dt.timedelta(days=30)
    Application.objects.filter(enrollment=enrollment).update(
        desired_start=soon, contract_expected_on=soon
    )
    schedule = case_schedule_for(_reload(enrollment, cast.psa))
    codes = {n.code for n in schedule.notes}
    assert codes == {"desired_start", "contract_date"}
    contract = next(n for n in schedule.notes if n.code == "contract_date")
    assert soon.isoformat() in contract.message
    assert schedule.latest_start is not None and schedule.latest_start < today()


@pytest.mark.django_db
def test_a_reachable_contract_gives_the_latest_start_without_warning(site, cast):
    enrollment = new_case(site, cast)
    later = today() + dt.timedelta(days=365)
    Application.objects.filter(enrollment=enrollment).update(
        desired_start=later, contract_expected_on=later
    )
    schedule = case_schedule_for(_reload(enrollment, cast.psa))
    assert schedule.notes == []
    assert schedule.latest_start is not None
    assert plan(schedule.latest_start).completion <= later
    assert schedule.to_dict()["latest_start"] == schedule.latest_start.isoformat()


@pytest.mark.django_db
def test_the_schedule_takes_a_fixed_number_of_queries(site, cast):
    few = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    from ..factories import SiteFactory

    many = walk_to(new_case(SiteFactory(company=site.company), cast), State.TERMINAL_SETUP, cast)
    counts = []
    for enrollment in (few, many):
        loaded = _reload(enrollment, cast.reviewer)
        with CaptureQueriesContext(connection) as queries:
            case_schedule_for(loaded)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 2


@pytest.mark.django_db
def test_a_completed_case_shows_every_step_done(site, cast):
    enrollment = walk_to(new_case(site, cast), State.COMPLETED, cast)
    result = schedule_for(_reload(enrollment, cast.reviewer))
    assert all(s.actual_start and s.actual_end for s in result.steps)
    assert result.completion == today()
    assert "over_four_months" not in {w.code for w in result.warnings}
