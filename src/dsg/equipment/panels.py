"""The section the §5 requests add to the site page: the way to the site's requests (「利用端末等の
申請」), how many are open, and — for the PSA — the start of a new one."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from dsg.core.panels import Panel, register_panel
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from . import selectors
from .models import OPEN_STATES, HelpdeskState
from .policy import APPLICANTS


def site_panel(request: HttpRequest, site: Any) -> dict[str, Any] | None:
    """Nothing for a 利用者 (they read no request: the registry shows them their equipment)."""
    user = request_user(request)
    if permissions.is_company_member(user) and user.role not in APPLICANTS:
        return None
    requests = selectors.request_list_for(user).filter(site=site)
    counts = requests.aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)), total=Count("pk")
    )
    helpdesk = selectors.helpdesk_list_for(user).filter(site=site, state=HelpdeskState.OPEN).count()
    return {
        "site": site,
        "equipment_counts": counts,
        "equipment_helpdesk_open": helpdesk,
        "equipment_can_file": permissions.may(user, "equipment_request.file", site)
        and not site.is_closed,
    }


def register_panels() -> None:
    register_panel(
        Panel(
            page="site",
            name="equipment",
            template="equipment/_site_panel.html",
            context=site_panel,
            order=45,
        )
    )
