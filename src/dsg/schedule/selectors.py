"""Reads of the schedule: the durations in force and each case's plan with its actual dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dsg.enrollment.models import STEP_OF_STATE, Enrollment

from . import planner
from .calendar import business_day_on_or_after
from .models import StepDuration
from .planner import Actual, Plan, PlanWarning


def step_durations_current() -> dict[int, int]:
    """The office's durations where set, the defaults elsewhere (one query)."""
    stored = dict(StepDuration.objects.values_list("step", "business_days"))
    return {step: stored.get(step, days) for step, days in planner.DEFAULT_DURATIONS.items()}


def actuals_of(enrollment: Enrollment) -> dict[int, Actual]:
    """When each step started and ended, from the case's step records (one query).

    A record that moves the case on from step a to step b ends a and starts b on its date (the
    date given with the record, else the day it was recorded); ① starts on submission.
    """
    starts: dict[int, dt.date] = {}
    ends: dict[int, dt.date] = {}
    rows = enrollment.records.order_by("recorded_at", "pk").values_list(
        "step", "to_state", "performed_on", "recorded_at"
    )
    for step, to_state, performed_on, recorded_at in rows:
        to_step = STEP_OF_STATE[to_state]
        if not (1 <= step < to_step <= 8):
            continue
        day = performed_on or timezone.localdate(recorded_at)
        ends[step] = day
        if to_step <= 7:
            starts.setdefault(to_step, day)
    submitted = enrollment.application.submitted_at
    if submitted is not None:
        starts[1] = timezone.localdate(submitted)
    return {n: Actual(starts.get(n), ends.get(n)) for n in planner.STEPS if n in starts}


def schedule_start(enrollment: Enrollment, today: dt.date) -> dt.date:
    submitted = enrollment.application.submitted_at
    return timezone.localdate(submitted) if submitted is not None else today


def schedule_for(
    enrollment: Enrollment,
    *,
    today: dt.date | None = None,
    durations: dict[int, int] | None = None,
) -> Plan:
    """The case's plan: from submission (or today, for a draft), with its actual dates.

    Two queries (durations, records), whatever the case's history; the application must be
    loaded with the case (``enrollment_get_for`` does).
    """
    today = today or timezone.localdate()
    return planner.plan(
        schedule_start(enrollment, today),
        terminals=enrollment.application.planned_terminals or 1,
        durations=durations or step_durations_current(),
        actuals=actuals_of(enrollment),
        today=None if enrollment.is_closed else today,
    )


@dataclass(frozen=True)
class CaseSchedule:
    plan: Plan
    today: dt.date
    desired_start: dt.date | None
    contract_expected_on: dt.date | None
    latest_start: dt.date | None
    notes: list[PlanWarning] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.plan.to_dict(),
            "latest_start": self.latest_start.isoformat() if self.latest_start else None,
            "desired_start": self.desired_start.isoformat() if self.desired_start else None,
            "contract_expected_on": (
                self.contract_expected_on.isoformat() if self.contract_expected_on else None
            ),
            "warnings": [w.to_dict() for w in [*self.plan.warnings, *self.notes]],
        }


def case_schedule_for(enrollment: Enrollment, *, today: dt.date | None = None) -> CaseSchedule:
    """The plan with the application's wishes set against it: the desired start of use, and
    the contract date planned backwards (the latest application date that still meets it)."""
    today = today or timezone.localdate()
    durations = step_durations_current()
    plan = schedule_for(enrollment, today=today, durations=durations)
    application = enrollment.application
    contract = application.contract_expected_on
    latest = (
        planner.latest_start(contract, terminals=plan.terminals, durations=durations)
        if contract
        else None
    )
    notes = _desired_start_notes(plan, application.desired_start)
    notes += _contract_notes(enrollment, plan, contract, latest, today)
    return CaseSchedule(plan, today, application.desired_start, contract, latest, notes)


def _desired_start_notes(plan: Plan, desired: dt.date | None) -> list[PlanWarning]:
    if desired is None or plan.completion <= desired:
        return []
    message = _(
        "The desired start of use ({desired}) is before the planned completion ({completion}): "
        "the enrollment cannot be completed by then. Write a schedule request in the "
        "application if the date is essential."
    ).format(desired=desired.isoformat(), completion=plan.completion.isoformat())
    return [PlanWarning("desired_start", message)]


def _contract_notes(
    enrollment: Enrollment,
    plan: Plan,
    contract: dt.date | None,
    latest: dt.date | None,
    today: dt.date,
) -> list[PlanWarning]:
    if contract is None or plan.completion <= contract:
        return []
    if latest is None or (
        enrollment.application.submitted_at is None and latest < business_day_on_or_after(today)
    ):
        message = _(
            "The contract date ({contract}) cannot be met: the plan completes on {completion}."
        ).format(contract=contract.isoformat(), completion=plan.completion.isoformat())
    else:
        message = _(
            "The contract date ({contract}) is before the planned completion ({completion}): "
            "to meet it, the application had to be submitted by {latest}."
        ).format(
            contract=contract.isoformat(),
            completion=plan.completion.isoformat(),
            latest=latest.isoformat(),
        )
    return [PlanWarning("contract_date", message)]
