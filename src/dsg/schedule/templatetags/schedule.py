"""{% case_schedule enrollment as schedule %}: the plan of a case and its Gantt chart, for the
case page's partial ``schedule/_gantt.html`` (the page's view already checked visibility)."""

from __future__ import annotations

from typing import Any

from django import template

from dsg.enrollment.models import STEP_NAMES

from ..gantt import gantt
from ..selectors import case_schedule_for

register = template.Library()


@register.simple_tag
def case_schedule(enrollment: Any) -> dict[str, Any]:
    schedule = case_schedule_for(enrollment)
    chart = gantt(schedule)
    rows = [(row, STEP_NAMES[row.step]) for row in chart["rows"]]  # type: ignore[attr-defined]
    return {"schedule": schedule, "weeks": chart["weeks"], "rows": rows}
