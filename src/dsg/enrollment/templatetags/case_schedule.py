"""{% case_schedule enrollment as schedule %}: the plan of a case and its Gantt chart, for the
case page's partial ``schedule/_gantt.html`` (the page's view already checked visibility)."""

from __future__ import annotations

from typing import Any

from django import template

from dsg.orgs import permissions
from dsg.schedule.gantt import gantt
from dsg.schedule.steps import STEP_NAMES

from ..schedule import case_schedule_read_by

register = template.Library()


@register.simple_tag(takes_context=True)
def case_schedule(context: Any, enrollment: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    schedule = case_schedule_read_by(user=user, enrollment=enrollment)
    chart = gantt(schedule.plan, schedule.today)
    rows = [(row, STEP_NAMES[row.step]) for row in chart["rows"]]
    return {
        "schedule": schedule,
        "weeks": chart["weeks"],
        "rows": rows,
        "reads_application": user is not None
        and permissions.may(user, "application.view", enrollment),
        "can_change_durations": user is not None
        and permissions.may(user, "schedule.change_durations"),
    }
