"""Reads of the schedule settings: the office's step durations in force."""

from __future__ import annotations

from . import planner
from .models import StepDuration


def step_durations_current() -> dict[int, int]:
    """The office's durations where set, the defaults elsewhere (one query)."""
    stored = dict(StepDuration.objects.values_list("step", "business_days"))
    return {step: stored.get(step, days) for step, days in planner.DEFAULT_DURATIONS.items()}
