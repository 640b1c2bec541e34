"""Reads of 加入案件 that depend on who asks; a miss is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from dsg.core.errors import NotVisible
from dsg.orgs import permissions
from dsg.orgs.models import User

from .models import Enrollment


def enrollment_list_for(*, user: User) -> QuerySet[Enrollment]:
    queryset = Enrollment.objects.select_related("site", "site__company", "application")
    return permissions.restrict_enrollments(user, queryset)


def enrollment_get_for(*, user: User, pk: int) -> Enrollment:
    enrollment = enrollment_list_for(user=user).filter(pk=pk).first()
    if enrollment is None:
        raise NotVisible()
    return enrollment


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
