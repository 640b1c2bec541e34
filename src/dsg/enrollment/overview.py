"""What the office's overview reads of the cases: how many stand at each step, which are behind
their plan, and how long each step took over the last twelve months.

How long a step took comes from the step records (the same reading as the case's schedule:
``schedule.step_actuals``), ① counted from the first submission: the calendar days from the
step's start to its end, for the steps that ended in the last twelve months.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from dsg.orgs import permissions
from dsg.orgs.models import User
from dsg.schedule import planner
from dsg.schedule.selectors import step_durations_current

from .models import STEP_NAMES, ApplicationVersion, Enrollment, StepRecord
from .schedule import step_actuals
from .search import behind_plan_q, plan_extras, with_first_submission
from .selectors import enrollment_counts_by_step, enrollment_list_for

BEHIND_ROWS = 20
MEASURED_DAYS = 365


@dataclass(frozen=True)
class StepTime:
    step: int
    name: str
    cases: int  # how many cases ended the step in the period
    median_days: float | None
    planned_business_days: int


def step_counts(*, user: User) -> list[tuple[int, str, int]]:
    """(step, name, open cases) for ①–⑦ (one query)."""
    counts = enrollment_counts_by_step(user=user)
    return [(n, str(STEP_NAMES[n]), counts.get(n, 0)) for n in planner.STEPS]


def behind_plan(*, user: User) -> tuple[int, list[Enrollment]]:
    """How many visible cases are behind their plan, and those longest in their state."""
    visible = enrollment_list_for(user=user)
    cases = with_first_submission(visible).filter(behind_plan_q(extras=plan_extras(visible)))
    return cases.count(), list(cases.order_by("state_changed_at", "pk")[:BEHIND_ROWS])


def _first_submissions(ids: QuerySet[Enrollment]) -> dict[int, dt.date]:
    rows = ApplicationVersion.objects.filter(number=1, application__enrollment__in=ids)
    return {
        case: timezone.localdate(at)
        for case, at in rows.values_list("application__enrollment_id", "submitted_at")
    }


def step_times(*, user: User, today: dt.date | None = None) -> list[StepTime]:
    """The median calendar days of each step, over the steps that ended in the last twelve
    months, of the cases ``user`` sees (four queries)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=MEASURED_DAYS)
    visible = permissions.restrict(user, Enrollment.objects.all())
    recent = StepRecord.objects.filter(
        enrollment__in=visible.values("pk"), recorded_at__date__gte=since
    ).values("enrollment_id")
    ids = visible.filter(pk__in=recent)
    actuals = step_actuals(list(ids.values_list("pk", flat=True)))
    first = _first_submissions(ids)
    days: dict[int, list[int]] = {n: [] for n in planner.STEPS}
    for case, steps in actuals.items():
        for step, actual in steps.items():
            start = first.get(case) if step == 1 else actual.start
            if start is not None and actual.end is not None and since <= actual.end <= today:
                days[step].append((actual.end - start).days)
    planned = planner.step_durations(durations=step_durations_current())
    return [
        StepTime(
            n,
            str(STEP_NAMES[n]),
            len(days[n]),
            statistics.median(days[n]) if days[n] else None,
            planned[n],
        )
        for n in planner.STEPS
    ]
