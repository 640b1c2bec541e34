"""The inspections' template tags: a deficiency's overdue flag, the dashboard's line."""

from __future__ import annotations

from typing import Any

from django import template

from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from .. import selectors

register = template.Library()


@register.filter
def overdue(deficiency: Any) -> bool:
    return bool(deficiency.is_overdue())


@register.inclusion_tag("inspections/_dashboard.html", takes_context=True)
def inspection_dashboard(context: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's line on inspections: overdue deficiencies (one count query) and links."""
    user = request_user(context["request"])
    if not permissions.may(user, "inspection.view"):
        return {"visible": False}
    return {
        "visible": True,
        "overdue": selectors.overdue_deficiencies_for(user=user).count(),
        "checklists": permissions.may(user, "checklist.view"),
    }


@register.simple_tag(takes_context=True)
def error_at(context: Any, prefix: str, row: Any = "") -> dict[str, str] | None:
    """The error the page's summary links to the input ``prefix`` + ``row`` (its id), if any,
    for ``inspections/_error.html`` to draw beside that input (#12):
    ``{% error_at "rep-" d.pk as e %}{% include "inspections/_error.html" with error=e %}``."""
    anchor = f"{prefix}{row}"
    for error in context.get("errors") or ():
        if isinstance(error, dict) and error.get("anchor") == anchor:
            return {"message": str(error["message"]), "anchor": anchor}
    return None
