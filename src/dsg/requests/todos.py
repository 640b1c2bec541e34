"""The open items of the change applications (core.todos): a draft or a returned application waits
on the company, a submitted one on the office; a 依頼 waits on the company's PSA to answer by its
date; the provider's work on the provider. Three queries over every open change the person sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dsg.core.todos import (
    COMPANY,
    OFFICE,
    PROVIDER,
    Todo,
    TodoQuery,
    TodoRows,
    kept_objects,
    register_todos,
)
from dsg.orgs import permissions

from .models import ActionRequest, ChangeRequest, ChangeState, ProviderWork

KEY = "change"
ASKING_STATES = [ChangeState.SUBMITTED, ChangeState.RETURNED, ChangeState.ACCEPTED]

# state -> (code, who, what, action, page, button)
ITEMS: dict[str, tuple[str, str, Any, str, str, Any]] = {
    ChangeState.DRAFT: (
        "change.submit",
        COMPANY,
        _("Complete and submit the change application (加入申請内容の変更)"),
        "change.submit",
        "change_edit",
        _("Open the application"),
    ),
    ChangeState.RETURNED: (
        "change.correct",
        COMPANY,
        _("Correct the change application and submit it again (補正)"),
        "change.submit",
        "change_edit",
        _("Open the application"),
    ),
    ChangeState.SUBMITTED: (
        "change.review",
        OFFICE,
        _("Review the change application (審査)"),
        "change.review",
        "change_detail",
        _("Review the application"),
    ),
}


def _todo(change: ChangeRequest, **fields: Any) -> Todo:
    return Todo(
        case=(KEY, change.pk),
        number=change.number,
        case_url=reverse("change_detail", args=[change.pk]),
        company=change.site.company.name,
        site_id=change.site_id,
        site=change.site.name,
        **fields,
    )


def _scoped(query: TodoQuery, queryset: Any, path: str) -> Any:
    ids = query.ids(KEY)
    if ids is not None:
        queryset = queryset.filter(**{f"{path}__in": ids})
    return permissions.restrict(query.user, queryset).order_by()


def _open_changes(query: TodoQuery) -> Any:
    states = [state for state, item in ITEMS.items() if query.asks(item[1])]
    changes = _scoped(query, ChangeRequest.objects.filter(state__in=states), "pk")
    return changes.select_related("site__company")


def _open_asks(query: TodoQuery) -> Any:
    return _scoped(
        query,
        ActionRequest.objects.filter(answered_at__isnull=True, change__state__in=ASKING_STATES),
        "change_id",
    ).select_related("change__site__company")


def _open_works(query: TodoQuery) -> Any:
    return _scoped(
        query,
        ProviderWork.objects.filter(done_on__isnull=True, change__state=ChangeState.ACCEPTED),
        "change_id",
    ).select_related("change__site__company")


def change_todos(query: TodoQuery) -> Iterator[Todo]:
    if not query.wants(KEY):
        return
    for change in kept_objects(query, "requests.changes", KEY, _open_changes):
        code, who, what, action, page, button = ITEMS[change.state]
        yield _todo(
            change,
            code=code,
            who=who,
            what=what,
            url=reverse(page, args=[change.pk]),
            action=action,
            since=change.state_changed_at,
            button=button,
        )
    if not query.asks(COMPANY, PROVIDER):
        return
    for ask in kept_objects(query, "requests.asks", KEY, _open_asks):
        yield _todo(
            ask.change,
            code="change.answer",
            who=COMPANY,
            what=_("Answer the request (依頼) of the change application"),
            url=reverse("change_detail", args=[ask.change_id]) + "#asks",
            action="change.answer",
            due=ask.due_on,
            since=ask.asked_at,
            detail=ask.text[:80],
            button=_("Answer"),
        )
    for work in kept_objects(query, "requests.works", KEY, _open_works):
        yield _todo(
            work.change,
            code="change.provider_work",
            who=PROVIDER,
            what=_("Carry out the work of the change and record it as done"),
            url=reverse("change_detail", args=[work.change_id]) + "#work",
            action="change.provider_work",
            since=work.opened_at,
            detail=str(work.get_kind_display()),
            button=_("Open the change"),
        )


def change_todo_rows(query: TodoQuery) -> Iterator[TodoRows]:
    """The same items as rows (core.todos.TodoRows)."""
    if not query.wants(KEY):
        return
    for state, (code, who, what, action, _page, _button) in ITEMS.items():
        if not query.asks(who):
            continue
        yield TodoRows(
            key=KEY,
            code=code,
            who=who,
            action=action,
            rows=_scoped(query, ChangeRequest.objects.filter(state=state), "pk"),
            since=F("state_changed_at"),
            label=what,
        )
    if not query.asks(COMPANY, PROVIDER):
        return
    yield TodoRows(
        key=KEY,
        code="change.answer",
        who=COMPANY,
        action="change.answer",
        rows=_scoped(
            query,
            ActionRequest.objects.filter(answered_at__isnull=True, change__state__in=ASKING_STATES),
            "change_id",
        ),
        case="change_id",
        due=F("due_on"),
        since=F("asked_at"),
    )
    yield TodoRows(
        key=KEY,
        code="change.provider_work",
        who=PROVIDER,
        action="change.provider_work",
        rows=_scoped(
            query,
            ProviderWork.objects.filter(done_on__isnull=True, change__state=ChangeState.ACCEPTED),
            "change_id",
        ),
        case="change_id",
        since=F("opened_at"),
    )


def register() -> None:
    register_todos("requests", change_todos, change_todo_rows)
