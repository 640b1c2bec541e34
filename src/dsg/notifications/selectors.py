"""What the office, the health endpoint and each person's inbox read of the outbox: each in a
fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from dsg.core.errors import NotVisible
from dsg.core.prepared import PreparedCache, PreparedQuery, int_sentinels

from .kinds import required_categories
from .models import MailCategory, MailOptOut, Notification, OutboxMessage, OutboxStatus

TROUBLED = Q(status=OutboxStatus.FAILED) | Q(
    status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], attempts__gt=0
)


def outbox_troubled() -> QuerySet[OutboxMessage]:
    """Messages that failed for good or are being retried, most urgent first; no bodies."""
    return (
        OutboxMessage.objects.filter(TROUBLED)
        .defer("body")
        .order_by("status", "next_attempt_at", "pk")  # failed, then the next to be retried
    )


def outbox_counts() -> dict[str, Any]:
    """Counts for ``/readyz`` and the office: unsent, retrying, failed, the oldest unsent's age.

    One query kept compiled (``core.prepared``: it reads neither a person nor the clock) that
    reads the unsent and failed messages only, by the index on their status, grouped by status:
    the office's home asked an aggregate over every message, sent ones included, built and
    compiled each view (#14; ``tests/notifications/test_outbox_counts.py`` holds it to that
    aggregate)."""
    query = _COUNTS.get("by_status", lambda: PreparedQuery(_counts_by_status(), []))
    row: dict[str, Any] = {"pending": 0, "retrying": 0, "failed": 0}
    oldest = None
    for status, n, retried, first in query.rows([]):
        if status == OutboxStatus.FAILED:
            row["failed"] += n
            continue
        row["pending"] += n
        row["retrying"] += retried
        oldest = first if oldest is None or first < oldest else oldest
    row["oldest_unsent_seconds"] = (
        int((timezone.now() - oldest).total_seconds()) if oldest is not None else None
    )
    return row


_UNSENT = [OutboxStatus.PENDING, OutboxStatus.SENDING]
_COUNTS: PreparedCache[PreparedQuery] = PreparedCache(size=4)


def _counts_by_status() -> QuerySet[Any]:
    """Per status of the unsent and failed messages: how many, how many retried, the oldest."""
    return (
        OutboxMessage.objects.filter(status__in=[*_UNSENT, OutboxStatus.FAILED])
        .values_list("status")
        .annotate(n=Count("pk"), retried=Count("pk", filter=Q(attempts__gt=0)))
        .annotate(oldest=Min("created_at"))
        .order_by()
    )


# The inbox: a person's own notifications, never anyone else's ---------------------------------


def inbox_of(*, user_id: int) -> QuerySet[Notification]:
    """The person's notifications, newest first, each with its message (one query a page)."""
    return (
        Notification.objects.filter(user_id=user_id)
        .select_related("message")
        .defer("message__body", "message__recipients", "message__last_error")
    )


def inbox_unread_count(*, user_id: int) -> int:
    """How many of the person's notifications are unread: one query (the header's count, on
    every page), kept compiled — built each request, it cost more than it ran (#14)."""
    query = _UNREAD.get("unread", _unread_count_query)
    return query.count([user_id])


_UNREAD: PreparedCache[PreparedQuery] = PreparedCache(size=2)
_ANYONE = int_sentinels(1)  # stands for the person's id


def _unread_count_query() -> PreparedQuery:
    unread = Notification.objects.filter(user_id=_ANYONE[0], read_at__isnull=True)
    return PreparedQuery(unread.order_by().values("pk"), _ANYONE, counted=True)


def notification_get_for(*, user_id: int, pk: int) -> Notification:
    """One of the person's own notifications; another's is as if it did not exist (404)."""
    found = Notification.objects.filter(user_id=user_id, pk=pk).select_related("message").first()
    if found is None:
        raise NotVisible()
    return found


def mail_opt_outs_of(*, user_id: int) -> set[str]:
    """The categories of optional mail the person turned off."""
    return set(MailOptOut.objects.filter(user_id=user_id).values_list("category", flat=True))


@dataclass(frozen=True)
class MailChoice:
    """One category as the person sees it: required by the office, or theirs to turn off."""

    category: MailCategory
    required: bool
    receive: bool  # mailed to them (a required one always is; the inbox has every one)


def mail_choices_of(*, user_id: int) -> list[MailChoice]:
    """Every category with the office's rule and the person's choice (two queries)."""
    required = required_categories()
    off = mail_opt_outs_of(user_id=user_id)
    return [
        MailChoice(
            category, str(category) in required, str(category) in required or category not in off
        )
        for category in MailCategory
    ]


class DeliveryState(models.TextChoices):
    """What became of the mail of a notification, as its recipient reads it in the inbox."""

    QUEUED = "queued", pgettext_lazy("mail", "queued")
    SENDING = "sending", pgettext_lazy("mail", "being sent")
    RETRIED = "retried", pgettext_lazy("mail", "retried")
    SENT = "sent", pgettext_lazy("mail", "sent")
    FAILED = "failed", pgettext_lazy("mail", "failed")
    NOT_MAILED = "not_mailed", pgettext_lazy("mail", "not mailed (turned off)")


def delivery_state(notification: Notification) -> DeliveryState:
    message = notification.message
    if not notification.mailed:
        return DeliveryState.NOT_MAILED
    if message.status == OutboxStatus.SENT:
        return DeliveryState.SENT
    if message.status == OutboxStatus.FAILED:
        return DeliveryState.FAILED
    if message.attempts > 1 or (message.attempts and message.status == OutboxStatus.PENDING):
        return DeliveryState.RETRIED  # an attempt failed; it is tried again
    if message.status == OutboxStatus.SENDING:
        return DeliveryState.SENDING
    return DeliveryState.QUEUED
