"""What each role's home page shows of the §5 requests: what waits on them.

The company's applicants (PSA, delegate): requests awaiting their answer to a 追加資料依頼, and
the helpdesk's recent answers. The office's reviewer: the requests to review, with the count in
each open state. The provider: the helpdesk requests to answer. Nothing for a 利用者 or the
inspector. Each list is one query (at most ``LIMIT`` rows), whatever the number of requests;
the lists and counts without a clock are compiled once per person (``core.panels.kept_list``,
#14: building them was ~9 % of the office's home and ~14 % of the provider's).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from dsg.core.panels import Panel, kept_dicts, kept_list, register_panel
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import Role

from . import selectors
from .display import age_days
from .models import HelpdeskState, RequestState
from .policy import APPLICANTS

LIMIT = 20
ANSWERS_SHOWN_DAYS = 30
OPEN_ORDER = (RequestState.FILED, RequestState.UNDER_REVIEW, RequestState.INFO_REQUESTED)


def _company(user: Any) -> dict[str, Any] | None:
    asked = kept_list(
        "equipment.asked",
        user,
        lambda: (
            selectors.request_list_for(user)
            .filter(state=RequestState.INFO_REQUESTED)
            .order_by("filed_at", "pk")[:LIMIT]
        ),
    )
    since = timezone.now() - dt.timedelta(days=ANSWERS_SHOWN_DAYS)
    answers = list(
        selectors.helpdesk_list_for(user)
        .filter(state=HelpdeskState.ANSWERED, answered_at__gte=since)
        .order_by("-answered_at", "-pk")[:LIMIT]
    )
    if not (asked or answers):
        return None
    return {"equipment_asked": asked, "equipment_answers": answers}


def _reviewer(user: Any) -> dict[str, Any] | None:
    rows = kept_dicts("equipment.counts", user, lambda: selectors.request_counts_query(user))
    counts = {row["state"]: row["n"] for row in rows}
    if not counts:
        return None
    queue: list[Any] = kept_list(
        "equipment.queue", user, lambda: selectors.request_queue_for(user)[:LIMIT]
    )
    for row in queue:
        row.age = age_days(row)
    return {
        "equipment_counts": [(s, RequestState(s).label, counts.get(s, 0)) for s in OPEN_ORDER],
        "equipment_queue": queue,
    }


def _provider(user: Any) -> dict[str, Any] | None:
    tickets = kept_list(
        "equipment.tickets",
        user,
        lambda: (
            selectors.helpdesk_list_for(user)
            .filter(state=HelpdeskState.OPEN)
            .order_by("filed_at", "pk")[:LIMIT]
        ),
    )
    return {"equipment_tickets": tickets} if tickets else None


def dashboard_panel(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    user = request_user(request)
    if permissions.is_company_member(user):
        return _company(user) if user.role in APPLICANTS else None
    if user.role == Role.REVIEWER and permissions.is_office(user):
        return _reviewer(user)
    if user.role == Role.PROVIDER_STAFF and permissions.is_provider(user):
        return _provider(user)
    return None


def register_dashboard_panel() -> None:
    register_panel(
        Panel(
            page="dashboard",
            name="equipment",
            template="equipment/_dashboard_panel.html",
            context=dashboard_panel,
            order=35,
        )
    )
