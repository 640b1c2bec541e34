"""What each role's home page shows of the 年次確認: what is overdue or due soon.

The company (PSA, delegate): its pending confirmations, flagged overdue or due within
``DUE_SOON_DAYS``. The office: the pending confirmations of every company that are overdue or due
soon, with their counts, and the way to the rounds. Nothing for a 利用者 or the provider. Each
list is one query (at most ``LIMIT`` rows), whatever the number of companies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from dsg.core.panels import Panel, kept_list, register_panel
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from .models import DUE_SOON_DAYS, ConfirmationState
from .policy import READERS
from .selectors import confirmation_list_for, pending_due_by

LIMIT = 20


def dashboard_panel(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    user = request_user(request)
    today = timezone.localdate()
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    if permissions.is_company_member(user) and user.role in READERS:
        pending = kept_list(
            "annual.pending", user, lambda: pending_due_by(user, dt.date.max)[:LIMIT]
        )
        if not pending:
            return None
        return {"annual_pending": pending, "annual_office": False, "annual_soon": soon}
    if not permissions.is_office(user):
        return None
    flagged = list(pending_due_by(user, soon)[:LIMIT])
    counts = confirmation_list_for(user=user).aggregate(
        overdue=Count("pk", filter=Q(state=ConfirmationState.PENDING, round__due_on__lt=today)),
        due_soon=Count(
            "pk",
            filter=Q(
                state=ConfirmationState.PENDING, round__due_on__gte=today, round__due_on__lte=soon
            ),
        ),
    )
    return {
        "annual_pending": flagged,
        "annual_office": True,
        "annual_counts": counts,
        "annual_may_open": permissions.may(user, "annual.open"),
    }


def register_dashboard_panel() -> None:
    register_panel(
        Panel(
            page="dashboard",
            name="annual",
            template="annual/_dashboard_panel.html",
            context=dashboard_panel,
            order=25,
        )
    )
