"""The case page's notices panel asks here, so the case view needs no change for it."""

from __future__ import annotations

from typing import Any

from django import template

from dsg.notices.selectors import notices_of_subject_kept
from dsg.orgs.auth import request_user

register = template.Library()


@register.simple_tag(takes_context=True)
def case_notices(context: dict[str, Any], subject: Any) -> list[Any]:
    """The notices of ``subject`` (a case) the requesting user may see (one query, kept)."""
    request = context.get("request")
    if request is None or subject is None:
        return []
    return notices_of_subject_kept(user=request_user(request), subject=subject)
