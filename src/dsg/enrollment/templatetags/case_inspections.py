"""``{% inspection_panel enrollment %}``: the case page's ②/⑦ section, from the inspections."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from dsg.inspections import selectors
from dsg.inspections.inspected import INSPECTING
from dsg.inspections.models import InspectionKind, InspectionStatus
from dsg.inspections.services import audit_results_of
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from ..inspection import STEP_OF_KIND, case_stage

register = template.Library()


@register.inclusion_tag("enrollment/_inspections.html", takes_context=True)
def inspection_panel(context: dict[str, Any], enrollment: Any) -> dict[str, Any]:
    user = request_user(context["request"])
    if not permissions.may(user, "inspection.view", enrollment):
        return {"visible": False}
    rounds = selectors.inspections_of(user=user, subject=enrollment)
    today = timezone.localdate()
    stage = case_stage(enrollment)
    # The kind of round the case waits for (② or ⑦), None when it is not at an inspection.
    open_kind = stage.kind if stage is not None and stage.phase == INSPECTING else None
    inspecting = open_kind is not None
    has_open = any(r.status != InspectionStatus.FINISHED for r in rounds)
    failed = context.get("failed")
    failed_key, failed_form = (failed.key, failed.form) if failed is not None else ("", None)
    deem = open_kind == InspectionKind.SITE and permissions.may(
        user, "inspection.deem_by_audit", enrollment
    )
    return {
        "visible": True,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "enrollment": enrollment,
        "rounds": [(STEP_OF_KIND[InspectionKind(r.kind)], r) for r in rounds],
        "overdue": [d for r in rounds for d in r.deficiencies.all() if d.is_overdue(today)],
        "can_open": inspecting
        and not has_open
        and permissions.may(user, "inspection.schedule", enrollment),
        "open_step": STEP_OF_KIND[open_kind] if open_kind is not None else None,
        "can_deem": deem,
        # the round's opening refused: the refusal beside the button, linked from the summary
        "open_form": failed_form if failed_key == "inspection-open" else None,
        "audit_results": list(audit_results_of(enrollment.site.company_id)[:20]) if deem else [],
    }
