"""The inbox in the API: the signed-in person's own notifications, and marking them read.

The same as the pages (``inbox_views``): nobody reads or marks another person's notification;
an id that is not the caller's is answered 404. Reading through the API changes nothing: a client
marks what it showed with ``POST /notifications/read``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from dsg.core.pagination import LimitOffsetPagination
from dsg.core.schemas import ERRORS, READ_ERRORS

from .inbox import inbox_mark_all_read, notification_mark_read
from .models import Notification
from .selectors import (
    DeliveryState,
    delivery_state,
    inbox_of,
    inbox_unread_count,
    notification_get_for,
)

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str | None  # None: a mail with a one-time link, whose text is in the mail only
    language: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    mailed: bool
    delivery: DeliveryState

    @staticmethod
    def resolve_kind(obj: Notification) -> str:
        return obj.message.kind

    @staticmethod
    def resolve_subject(obj: Notification) -> str:
        return obj.message.subject

    @staticmethod
    def resolve_body(obj: Notification) -> str | None:
        return None if obj.message.secret else obj.message.body

    @staticmethod
    def resolve_language(obj: Notification) -> str:
        return obj.message.language

    @staticmethod
    def resolve_created_at(obj: Notification) -> dt.datetime:
        return obj.message.created_at

    @staticmethod
    def resolve_delivery(obj: Notification) -> DeliveryState:
        return delivery_state(obj)


class ReadIn(Schema):
    notification_id: int | None = None  # None: every unread notification of yours


class UnreadOut(Schema):
    unread: int


def _user_id(request: HttpRequest) -> int:
    pk = request.user.pk
    assert isinstance(pk, int)  # behind the API's authentication
    return pk


@router.get("/notifications", response={200: list[NotificationOut], **READ_ERRORS})
@paginate(LimitOffsetPagination)
def notification_list(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    """Every mail the portal sent you, newest first, with what became of it (?unread=true)."""
    found = inbox_of(user_id=_user_id(request)).defer(None)
    return found.filter(read_at__isnull=True) if unread else found


@router.post("/notifications/read", response={200: UnreadOut, **ERRORS})
def notification_read(request: HttpRequest, payload: ReadIn) -> dict[str, Any]:
    """Mark one of your notifications read (``notification_id``), or all of them."""
    user_id = _user_id(request)
    if payload.notification_id is None:
        inbox_mark_all_read(user_id=user_id)
    else:
        found = notification_get_for(user_id=user_id, pk=payload.notification_id)
        notification_mark_read(notification=found)
    return {"unread": inbox_unread_count(user_id=user_id)}
