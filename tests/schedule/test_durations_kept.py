"""The office's step durations are read by a query compiled once (schedule.selectors, issue
#14): every call still reads them — a change is seen by the next call — and building the query
reads no row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.schedule import planner, selectors
from dsg.schedule.models import StepDuration

pytestmark = pytest.mark.django_db


def test_the_durations_are_read_every_call_by_a_kept_query():
    selectors._KEPT.clear()
    with CaptureQueriesContext(connection) as captured:
        assert selectors.step_durations_current() == planner.DEFAULT_DURATIONS
    assert len(captured.captured_queries) == 1  # its run: building it read nothing
    StepDuration.objects.create(step=3, business_days=planner.DEFAULT_DURATIONS[3] + 7)
    with CaptureQueriesContext(connection) as captured:
        current = selectors.step_durations_current()
    assert len(captured.captured_queries) == 1
    assert current == {**planner.DEFAULT_DURATIONS, 3: planner.DEFAULT_DURATIONS[3] + 7}
    StepDuration.objects.filter(step=3).delete()
    assert selectors.step_durations_current() == planner.DEFAULT_DURATIONS
