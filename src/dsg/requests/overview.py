"""The change applications on the office's overview (page ``office_overview`` of enrollment):
how many of each kind stand in each state (two queries, whatever their number)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _

from dsg.core.charts import cross_table
from dsg.core.panels import Panel, register_panel
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from .models import ChangeKind, ChangeRequest, ChangeState


def overview_panel(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    user = request_user(request)
    if not permissions.is_office(user):
        return None
    rows = (
        permissions.restrict(user, ChangeRequest.objects.all())
        .values_list("kind_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(str(kind), state): n for kind, state, n in rows}
    table = cross_table(
        _("Change applications by kind (加入申請内容の変更)"),
        value_label=_("Number of requests"),
        kinds=[(str(kind.pk), kind.name) for kind in ChangeKind.objects.all()],
        states=ChangeState.choices,
        counts=counts,
    )
    return {"table": table, "heading": table.title}


def register_overview_panel() -> None:
    register_panel(
        Panel(
            page="office_overview",
            name="changes",
            template="_overview_panel.html",
            context=overview_panel,
            order=10,
        )
    )
