"""``{% inspection_panel enrollment %}``: the case page's ②/⑦ section, from this app's data."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from dsg.enrollment.models import State
from dsg.orgs import permissions

from .. import selectors, services
from ..models import InspectionStatus

register = template.Library()


@register.inclusion_tag("inspections/_panel.html", takes_context=True)
def inspection_panel(context: dict[str, Any], enrollment: Any) -> dict[str, Any]:
    user = context["request"].user
    if not permissions.may(user, "inspection.view", enrollment):
        return {"visible": False}
    rounds = selectors.inspections_of(user=user, enrollment=enrollment)
    today = timezone.localdate()
    inspecting = enrollment.state in services.INSPECTING_STATES
    has_open = any(r.status != InspectionStatus.FINISHED for r in rounds)
    step = services.INSPECTING_STATES.get(enrollment.state)
    deem = enrollment.state == State.INSPECTION and permissions.may(
        user, "inspection.deem_by_audit", enrollment
    )
    return {
        "visible": True,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "enrollment": enrollment,
        "rounds": rounds,
        "overdue": [d for r in rounds for d in r.deficiencies.all() if d.is_overdue(today)],
        "can_open": inspecting
        and not has_open
        and permissions.may(user, "inspection.schedule", enrollment),
        "open_step": step,
        "can_deem": deem,
        "audit_results": list(services.audit_results_of(enrollment)[:20]) if deem else [],
    }


@register.filter
def overdue(deficiency: Any) -> bool:
    return bool(deficiency.is_overdue())


@register.inclusion_tag("inspections/_dashboard.html", takes_context=True)
def inspection_dashboard(context: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's line on inspections: overdue deficiencies (one count query) and links."""
    user = context["request"].user
    if not permissions.may(user, "inspection.view"):
        return {"visible": False}
    return {
        "visible": True,
        "overdue": selectors.overdue_deficiencies_for(user=user).count(),
        "checklists": permissions.may(user, "checklist.view"),
    }
