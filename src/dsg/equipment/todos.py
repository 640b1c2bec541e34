"""The open items of the §5 requests (core.todos): a request filed waits on the office to take it
up, then to decide on its lines; a 追加資料依頼 waits on the company's PSA to answer by its date.
One query over every open request the person sees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from dsg.core.todos import (
    COMPANY,
    OFFICE,
    Todo,
    TodoQuery,
    TodoRows,
    kept_rows,
    register_todos,
    url_maker,
)
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


def _open_requests(query: TodoQuery) -> QuerySet[Any]:
    """The open requests ``query.user`` sees, in the states whose party is asked, as the columns
    of an item (``_COLUMNS``)."""
    states = [state for state, item in ITEMS.items() if query.asks(item[1])]
    requests = EquipmentRequest.objects.filter(state__in=states)
    ids = query.ids(SUBJECT_KEY)
    if ids is not None:
        requests = requests.filter(pk__in=ids)
    unanswered = Q(info_requests__answered_at__isnull=True)
    return (
        permissions.restrict(query.user, requests)
        .annotate(
            asked_due=Min("info_requests__due_on", filter=unanswered),
            asked_at=Min("info_requests__asked_at", filter=unanswered),
        )
        .order_by()
        .values_list(*_COLUMNS)
    )


_COLUMNS = (
    "pk",
    "state",
    "kind",
    "receipt_number",
    "filed_at",
    "accepted_at",
    "asked_due",
    "asked_at",
    "site_id",
    "site__name",
    "site__company__name",
)


def equipment_todos(query: TodoQuery) -> Iterator[Todo]:
    """One item per open request: read as rows (its query kept compiled), not instances — a
    company's home lists every one of them (docs/performance.md)."""
    if not query.wants(SUBJECT_KEY):
        return
    rows = kept_rows(query, "equipment.requests", SUBJECT_KEY, _open_requests)
    kinds = dict(EquipmentRequest._meta.get_field("kind").flatchoices)
    page_of = url_maker("equipment_request_detail")
    for (
        pk,
        state,
        kind,
        number,
        filed_at,
        accepted_at,
        due,
        asked_at,
        site_id,
        site,
        company,
    ) in rows:
        code, who, what, action, anchor, button = ITEMS[state]
        page = page_of(pk)
        asked = state == RequestState.INFO_REQUESTED
        yield Todo(
            code=code,
            case=(SUBJECT_KEY, pk),
            who=who,
            what=what,
            url=f"{page}#{anchor}",
            action=action,
            due=due if asked else None,
            since=(asked_at if asked else accepted_at) or filed_at,
            number=number,
            case_url=page,
            company=company,
            site_id=site_id,
            site=site,
            detail=str(kinds.get(kind, kind)),
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
