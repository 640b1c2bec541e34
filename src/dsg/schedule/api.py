"""The スケジュール表: steps ①–⑦ planned on Japanese business days, forwards and backwards.

A case's own plan (``/enrollments/{id}/schedule``) is served by the enrollment part.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from dsg.core.errors import RuleViolation
from dsg.core.schemas import ERRORS, Error
from dsg.orgs.auth import request_user

from . import planner, selectors, services

router = Router(tags=["schedule"])


class StepOut(Schema):
    step: int
    start: dt.date
    end: dt.date
    business_days: int
    actual_start: dt.date | None
    actual_end: dt.date | None
    slipped: bool


class WarningOut(Schema):
    code: str
    message: str


class PlanOut(Schema):
    start: dt.date
    completion: dt.date
    terminals: int
    steps: list[StepOut]
    latest_start: dt.date | None
    warnings: list[WarningOut]


class PlanQuery(Schema):
    start: dt.date | None = None
    target: dt.date | None = None
    terminals: int = Field(1, ge=planner.MIN_TERMINALS, le=planner.MAX_TERMINALS)


class DurationsIO(Schema):
    step_1: int = Field(ge=planner.MIN_DURATION, le=planner.MAX_DURATION)
    step_2: int = Field(ge=planner.MIN_DURATION, le=planner.MAX_DURATION)
    step_3: int = Field(ge=planner.MIN_DURATION, le=planner.MAX_DURATION)
    step_4: int = Field(ge=planner.MIN_DURATION, le=planner.MAX_DURATION)
    step_5: int = Field(ge=planner.MIN_DURATION, le=planner.MAX_DURATION)
    step_6: int = Field(ge=planner.MIN_DURATION, le=planner.MAX_DURATION)
    step_7: int = Field(ge=planner.MIN_DURATION, le=planner.MAX_DURATION)


def _durations_out() -> dict[str, int]:
    return {f"step_{n}": days for n, days in selectors.step_durations_current().items()}


@router.get("/schedule/plan", response={200: PlanOut, 401: Error, 422: Error})
def schedule_plan(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    """Pure planning: forwards from ``start`` (default today), backwards from ``target``."""
    start = query.start or timezone.localdate()
    if query.target is not None and query.target < start:
        raise RuleViolation(
            _("The target date is before the start date."),
            code="target_before_start",
            status=422,
            field="target",
        )
    durations = selectors.step_durations_current()
    result = planner.plan(start, terminals=query.terminals, durations=durations).to_dict()
    latest = (
        planner.latest_start(query.target, terminals=query.terminals, durations=durations)
        if query.target
        else None
    )
    return {**result, "latest_start": latest}


@router.get("/schedule/durations", response={200: DurationsIO, 401: Error})
def schedule_durations(request: HttpRequest) -> dict[str, int]:
    """The business days each step gets in new plans."""
    return _durations_out()


@router.put("/schedule/durations", response={200: DurationsIO, **ERRORS})
def schedule_durations_update(request: HttpRequest, payload: DurationsIO) -> dict[str, int]:
    """Set the business days of every step (reviewer only; 1–120 each; written to the ledger)."""
    durations = {int(key.split("_")[1]): value for key, value in payload.dict().items()}
    services.step_durations_update(actor=request_user(request), durations=durations)
    return _durations_out()
