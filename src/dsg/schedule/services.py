"""Changes to the schedule settings: the office's default step durations."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from .models import StepDuration
from .planner import MAX_DURATION, MIN_DURATION, STEPS


def step_durations_update(*, actor: User, durations: dict[int, int]) -> list[StepDuration]:
    """A reviewer sets the business days of some steps; each change goes to the ledger."""
    require_permission(actor=actor, action="schedule.change_durations")
    _validate(durations)
    with transaction.atomic():
        current = {row.step: row for row in StepDuration.objects.select_for_update()}
        from .selectors import step_durations_current

        before = step_durations_current()
        for step, days in sorted(durations.items()):
            if before[step] == days:  # unchanged: nothing to store or record
                continue
            row = current.get(step) or StepDuration(step=step)
            row.business_days, row.updated_by, row.updated_at = days, actor, timezone.now()
            row.save()
            audit_record(
                actor=actor,
                action="schedule.step_duration.update",
                obj=row,
                before={"step": step, "business_days": before[step]},
                after={"step": step, "business_days": days},
            )
            current[step] = row
    return sorted(current.values(), key=lambda row: row.step)


def _validate(durations: dict[int, int]) -> None:
    for step, days in durations.items():
        if step not in STEPS:
            raise RuleViolation(
                _("Unknown step {step}: steps are 1 to 7.").format(step=step),
                code="invalid",
                status=422,
                field="step",
            )
        if not isinstance(days, int) or not MIN_DURATION <= days <= MAX_DURATION:
            raise RuleViolation(
                _("A step takes from {low} to {high} business days.").format(
                    low=MIN_DURATION, high=MAX_DURATION
                ),
                code="invalid",
                status=422,
                field=f"step_{step}",
            )
