"""Reads of 加入案件 that depend on who asks; a miss is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery

from dsg.core.errors import NotVisible
from dsg.orgs import permissions
from dsg.orgs.models import User

from .models import STEP_OF_STATE, Enrollment, StepRecord

# The provider's part of the procedure: ③ survey to ⑥ setup (whose last record is the request
# for ⑦). Records of ① and ② and of the inspection at ⑦ are the office's review and findings.
PROVIDER_RECORD_STEPS = range(3, 7)


def enrollment_list_for(*, user: User) -> QuerySet[Enrollment]:
    """Visible cases, with the step of their latest record (where a closed case stopped)."""
    last_step = (
        StepRecord.objects.filter(enrollment=OuterRef("pk"))
        .order_by("-recorded_at", "-pk")
        .values("step")[:1]
    )
    queryset = Enrollment.objects.select_related("site", "site__company", "application").annotate(
        last_step=Subquery(last_step)
    )
    return permissions.restrict_enrollments(user, queryset)


def enrollment_get_for(*, user: User, pk: int) -> Enrollment:
    enrollment = enrollment_list_for(user=user).filter(pk=pk).first()
    if enrollment is None:
        raise NotVisible()
    return enrollment


def step_records_for(*, user: User, enrollment: Enrollment) -> QuerySet[StepRecord]:
    """The step records of a visible case that ``user`` may read: the provider never reads the
    review or the inspection findings (the design's "not inspection findings")."""
    records = enrollment.records.select_related("actor")
    if permissions.is_provider(user):
        return records.filter(step__in=PROVIDER_RECORD_STEPS)
    return records


@dataclass(frozen=True)
class TransitionOption:
    name: str
    label: Any
    payload: dict[str, bool]  # field name -> required
    blocked_by: list[Any]  # messages of the rules that stop it now


def transition_options_for(*, user: User, enrollment: Enrollment) -> list[TransitionOption]:
    """The transitions ``user`` may take from the case's current state, with what blocks them."""
    options = []
    for transition in enrollment.transitions_from_here():
        if not transition.has_perm(enrollment, user):
            continue
        blocked = [rule.message for rule in transition.conditions if not rule(enrollment)]
        options.append(
            TransitionOption(
                transition.name, transition.custom["label"], transition.custom["payload"], blocked
            )
        )
    return options


def states_of_step(step: int) -> list[str]:
    """The states of one of ①–⑦, 8 for completed, 0 for withdrawn or rejected."""
    return [state for state, number in STEP_OF_STATE.items() if number == step]


def enrollment_counts_by_step(*, user: User) -> dict[int, int]:
    counts: dict[int, int] = {}
    rows = (
        permissions.restrict_enrollments(user, Enrollment.objects.all())
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        step = STEP_OF_STATE[row["state"]]
        counts[step] = counts.get(step, 0) + row["n"]
    return counts


def enrollments_at_step(*, user: User, step: int) -> QuerySet[Enrollment]:
    """The cases at one step, those waiting longest first."""
    return (
        enrollment_list_for(user=user)
        .filter(state__in=states_of_step(step))
        .order_by("state_changed_at", "pk")
    )
