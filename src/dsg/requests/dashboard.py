"""What each role's home page shows of the change applications: what waits on them.

The PSA: changes to finish or correct, and requests (依頼) to answer; the office: changes to
review, accepted changes whose work still runs, and answers to read; the provider: its work for
changes. Each list is one query (at most ``LIMIT`` rows), whatever the number of changes.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dsg.core.panels import Panel, kept_list, register_panel
from dsg.orgs.auth import request_user
from dsg.orgs.models import Role
from dsg.orgs.permissions import restrict

from .models import OPEN_STATES, ActionRequest, ChangeRequest, ChangeState, ProviderWork

LIMIT = 20
WAITING_ON_COMPANY = (ChangeState.DRAFT, ChangeState.RETURNED)
WAITING_ON_OFFICE = (ChangeState.SUBMITTED, ChangeState.ACCEPTED)


def _changes(user: Any, states: tuple[str, ...]) -> list[Any]:
    def build() -> Any:
        rows = restrict(user, ChangeRequest.objects.filter(state__in=states))
        return rows.select_related("site", "kind", "company").order_by("state_changed_at", "pk")[
            :LIMIT
        ]

    return kept_list(f"requests.changes:{','.join(states)}", user, build)


def _open_requests(user: Any, **answered: Any) -> list[Any]:
    def build() -> Any:
        rows = restrict(user, ActionRequest.objects.filter(change__state__in=OPEN_STATES))
        return (
            rows.filter(**answered)
            .select_related("change", "change__site", "change__kind")
            .order_by("due_on", "pk")[:LIMIT]
        )

    # the filter's values are part of the key (the office's and the provider's: the person)
    key = ",".join(f"{k}={getattr(v, 'pk', v)}" for k, v in sorted(answered.items()))
    return kept_list(f"requests.asked:{key}", user, build)


def dashboard_panel(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    user = request_user(request)
    if user.role == Role.PSA:
        changes = _changes(user, WAITING_ON_COMPANY)
        asked = _open_requests(user, answered_at__isnull=True)
        work: list[ProviderWork] = []
    elif user.role == Role.REVIEWER:
        changes = _changes(user, WAITING_ON_OFFICE)
        asked = _open_requests(user, answered_at__isnull=False, asked_by=user)
        work = []
    elif user.role == Role.PROVIDER_STAFF:
        changes = []
        asked = _open_requests(user, answered_at__isnull=False, asked_by=user)
        work = list(
            restrict(user, ProviderWork.objects.filter(done_on__isnull=True))
            .filter(change__state=ChangeState.ACCEPTED)
            .select_related("change", "change__site", "change__company")
            .order_by("opened_at", "pk")[:LIMIT]
        )
    else:
        return None
    if not (changes or asked or work):
        return None
    return {"waiting_changes": changes, "waiting_requests": asked, "waiting_work": work}


def register_dashboard_panel() -> None:
    register_panel(
        Panel(
            page="dashboard",
            name="changes",
            template="requests/_dashboard_panel.html",
            context=dashboard_panel,
            order=30,
        )
    )
