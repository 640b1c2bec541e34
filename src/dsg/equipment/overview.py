"""The §5 requests on the office's overview (page ``office_overview`` of enrollment): how many of
each kind (terminals, software, media) stand in each state (one query)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _

from dsg.core.charts import cross_table
from dsg.core.panels import Panel, register_panel
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from .models import EquipmentRequest, RequestKind, RequestState


def overview_panel(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    user = request_user(request)
    if not permissions.is_office(user):
        return None
    rows = (
        permissions.restrict(user, EquipmentRequest.objects.all())
        .values_list("kind", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table = cross_table(
        _("Terminal, software and media requests by kind (利用端末等の申請)"),
        value_label=_("Number of requests"),
        kinds=RequestKind.choices,
        states=RequestState.choices,
        counts={(kind, state): n for kind, state, n in rows},
    )
    return {"table": table, "heading": table.title}


def register_overview_panel() -> None:
    register_panel(
        Panel(
            page="office_overview",
            name="equipment",
            template="_overview_panel.html",
            context=overview_panel,
            order=20,
        )
    )
