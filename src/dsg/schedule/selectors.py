"""Reads of the schedule settings: the office's step durations in force."""

from __future__ import annotations

from dsg.core.prepared import PreparedCache, PreparedQuery

from . import planner
from .models import StepDuration

# The durations' query compiled once (issue #14): read on every call (the office may change
# them at any time), built once — its building cost more than its run of seven rows.
_KEPT: PreparedCache[PreparedQuery] = PreparedCache(size=1)


def step_durations_current() -> dict[int, int]:
    """The office's durations where set, the defaults elsewhere (one query)."""
    query = _KEPT.get(
        "durations",
        lambda: PreparedQuery(StepDuration.objects.values_list("step", "business_days"), []),
    )
    stored = dict(query.rows([]))
    return {step: stored.get(step, days) for step, days in planner.DEFAULT_DURATIONS.items()}
