"""The schedule's one action: the office's reviewer sets the default step durations."""

from __future__ import annotations

from dsg.orgs.models import Role
from dsg.orgs.permissions import register


def register_policy() -> None:
    register(actions={"schedule.change_durations": {Role.REVIEWER}})
