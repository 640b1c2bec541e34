"""The open items of the §5 requests (core.todos): a request filed waits on the office to take it
up, then to decide on its lines; a 追加資料依頼 waits on the company's PSA to answer by its date.
One query over every open request the person sees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dsg.core.todos import COMPANY, OFFICE, Todo, TodoQuery, TodoRows, register_todos
from dsg.orgs import permissions

from .models import EquipmentRequest, InfoRequest, RequestState
from .subject import SUBJECT_KEY

# state -> (code, who, what, action, anchor, button)
ITEMS: dict[str, tuple[str, str, Any, str, str, Any]] = {
    RequestState.FILED: (
        "equipment_request.take_up",
        OFFICE,
        _("Take up the request (受理)"),
        "equipment_request.review",
        "actions",
        _("Open the request"),
    ),
    RequestState.UNDER_REVIEW: (
        "equipment_request.decide",
        OFFICE,
        _("Decide on each line of the request"),
        "equipment_request.review",
        "decide",
        _("Open the request"),
    ),
    RequestState.INFO_REQUESTED: (
        "equipment_request.answer",
        COMPANY,
        _("Answer the request for more documents (追加資料依頼)"),
        "equipment_request.answer",
        "asks",
        _("Answer"),
    ),
}


def equipment_todos(query: TodoQuery) -> Iterator[Todo]:
    if not query.wants(SUBJECT_KEY):
        return
    states = [state for state, item in ITEMS.items() if query.asks(item[1])]
    requests = EquipmentRequest.objects.filter(state__in=states)
    ids = query.ids(SUBJECT_KEY)
    if ids is not None:
        requests = requests.filter(pk__in=ids)
    unanswered = Q(info_requests__answered_at__isnull=True)
    rows = (
        permissions.restrict(query.user, requests)
        .annotate(
            asked_due=Min("info_requests__due_on", filter=unanswered),
            asked_at=Min("info_requests__asked_at", filter=unanswered),
        )
        .select_related("site__company")
        .order_by()
    )
    for request in rows:
        code, who, what, action, anchor, button = ITEMS[request.state]
        page = reverse("equipment_request_detail", args=[request.pk])
        asked = request.state == RequestState.INFO_REQUESTED
        yield Todo(
            code=code,
            case=(SUBJECT_KEY, request.pk),
            who=who,
            what=what,
            url=f"{page}#{anchor}",
            action=action,
            due=request.asked_due if asked else None,
            since=(request.asked_at if asked else request.accepted_at) or request.filed_at,
            number=request.receipt_number,
            case_url=page,
            company=request.site.company.name,
            site_id=request.site_id,
            site=request.site.name,
            detail=str(request.get_kind_display()),
            button=button,
        )


def equipment_todo_rows(query: TodoQuery) -> Iterator[TodoRows]:
    """The same items as rows (core.todos.TodoRows), one kind per state."""
    if not query.wants(SUBJECT_KEY):
        return
    requests = EquipmentRequest.objects.all()
    ids = query.ids(SUBJECT_KEY)
    if ids is not None:
        requests = requests.filter(pk__in=ids)
    requests = permissions.restrict(query.user, requests)
    unanswered = InfoRequest.objects.filter(
        request=OuterRef("pk"), answered_at__isnull=True
    ).order_by()
    for state, (code, who, what, action, _anchor, _button) in ITEMS.items():
        if not query.asks(who):
            continue
        asked = state == RequestState.INFO_REQUESTED
        first = unanswered.values("request").annotate(due=Min("due_on"), at=Min("asked_at"))
        yield TodoRows(
            key=SUBJECT_KEY,
            code=code,
            who=who,
            action=action,
            rows=requests.filter(state=state),
            due=Subquery(first.values("due")[:1]) if asked else None,
            since=Coalesce(Subquery(first.values("at")[:1]), F("filed_at"))
            if asked
            else Coalesce(F("accepted_at"), F("filed_at")),
            label=what,
        )


def register() -> None:
    register_todos("equipment", equipment_todos, equipment_todo_rows)
