"""The case page's folder summary asks here, so the case view needs no change for it."""

from __future__ import annotations

from typing import Any

from django import template

from dsg.documents.selectors import folder_summary_for
from dsg.orgs.auth import request_user

register = template.Library()


@register.simple_tag(takes_context=True)
def folder_summary(context: dict[str, Any], subject: Any) -> dict[str, Any]:
    """How many documents of ``subject`` the user sees, how many protected (one query, kept)."""
    request = context.get("request")
    if request is None or subject is None:
        return {"count": 0}
    return folder_summary_for(request_user(request), subject)
