"""What each role's home page shows of the 年次確認: what is overdue or due soon.

The company (PSA, delegate): its pending confirmations, flagged overdue or due within
``DUE_SOON_DAYS``. The office: the pending confirmations of every company that are overdue or due
soon, with their counts, and the way to the rounds. Nothing for a 利用者 or the provider. Each
list is one query (at most ``LIMIT`` rows), whatever the number of companies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone

from dsg.core.panels import Panel, kept_list, register_panel
from dsg.core.prepared import PreparedCache, PreparedQuery, person_key
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
    flagged, counts = office_due(user=user, today=today)
    return {
        "annual_pending": flagged,
        "annual_office": True,
        "annual_counts": counts,
        "annual_may_open": permissions.may(user, "annual.open"),
    }


# The office's list and counts, kept compiled per person and day (#14): the day is in their SQL
# (due before today, within DUE_SOON_DAYS), so it is in their key; building and compiling them
# each view cost more than running them. Their building reads no row
# (tests/annual/test_dashboard_kept.py).
_OFFICE: PreparedCache[PreparedQuery] = PreparedCache(size=64)


def office_due(*, user: Any, today: dt.date) -> tuple[list[Any], dict[str, int]]:
    """The office's first ``LIMIT`` pending confirmations due by ``today`` + ``DUE_SOON_DAYS``
    (the earliest first), and how many pending ones are overdue and due soon."""
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    key = (*person_key(user), today)
    flagged = _OFFICE.get(
        ("flagged", *key), lambda: PreparedQuery(pending_due_by(user, soon)[:LIMIT], [])
    )
    counts = _OFFICE.get(
        ("counts", *key), lambda: PreparedQuery(_due_counts(user, today, soon), [])
    )
    by_bucket = dict(counts.rows([]))
    return flagged.objects([]), {
        "overdue": by_bucket.get("overdue", 0),
        "due_soon": by_bucket.get("due_soon", 0),
    }


def _due_counts(user: Any, today: dt.date, soon: dt.date) -> QuerySet[Any]:
    """The pending confirmations due by ``soon``, counted as overdue (due before ``today``) or
    due soon (the rest: due from ``today`` to ``soon``): one row per kind."""
    bucket = Case(When(round__due_on__lt=today, then=Value("overdue")), default=Value("due_soon"))
    return (
        confirmation_list_for(user=user)
        .filter(state=ConfirmationState.PENDING, round__due_on__lte=soon)
        .order_by()
        .annotate(bucket=bucket)
        .values_list("bucket")
        .annotate(n=Count("pk"))
    )


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
