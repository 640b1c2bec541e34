"""What the office and the health endpoint read of the outbox: each in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from .models import OutboxMessage, OutboxStatus

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
    """Counts for ``/readyz`` and the office: unsent, retrying, failed, the oldest unsent's age."""
    unsent = Q(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING])
    row = OutboxMessage.objects.aggregate(
        pending=Count("pk", filter=unsent),
        retrying=Count("pk", filter=unsent & Q(attempts__gt=0)),
        failed=Count("pk", filter=Q(status=OutboxStatus.FAILED)),
        oldest=Min("created_at", filter=unsent),
    )
    oldest = row.pop("oldest")
    row["oldest_unsent_seconds"] = (
        int((timezone.now() - oldest).total_seconds()) if oldest is not None else None
    )
    return row
