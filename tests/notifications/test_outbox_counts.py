"""``outbox_counts`` (the office's home, ``/readyz``, ``/metrics``, ``dsg outbox``) reads the unsent
and failed messages only, by status, in a query kept compiled (#14): it must answer what the
aggregate over every message answered — for every mix of statuses and attempts, no message, and
again after messages are sent, retried, fail and are queued (nothing kept but the SQL)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Count, Min, Q
from django.utils import timezone

from dsg.notifications import selectors
from dsg.notifications.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


def plain() -> dict[str, object]:
    """The aggregate the office's home ran before (#14), over every message."""
    unsent = Q(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING])
    row = OutboxMessage.objects.aggregate(
        pending=Count("pk", filter=unsent),
        retrying=Count("pk", filter=unsent & Q(attempts__gt=0)),
        failed=Count("pk", filter=Q(status=OutboxStatus.FAILED)),
        oldest=Min("created_at", filter=unsent),
    )
    oldest = row.pop("oldest")
    row["oldest_unsent_seconds"] = int((NOW - oldest).total_seconds()) if oldest else None
    return row


def message(status: str, attempts: int, age: dt.timedelta) -> OutboxMessage:
    return OutboxMessage.objects.create(
        recipients=["someone@example.com"],
        subject="s",
        body="b",
        kind="test",
        status=status,
        attempts=attempts,
        created_at=NOW - age,
    )


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def test_the_counts_answer_as_the_aggregate_over_every_message(frozen):
    selectors._COUNTS.clear()
    assert selectors.outbox_counts() == plain()  # no message
    assert list(selectors.outbox_counts()) == list(plain())  # the keys in the same order
    ages = itertools.cycle([dt.timedelta(seconds=s) for s in (5, 3600, 59, 86_400 * 3, 0)])
    for status, attempts in itertools.product(OutboxStatus.values, (0, 1, 4)):
        message(status, attempts, next(ages))
        assert selectors.outbox_counts() == plain(), (status, attempts)
    # messages move on: sent, retried, failed for good, queued anew
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING, attempts=0).update(
        status=OutboxStatus.SENT
    )
    assert selectors.outbox_counts() == plain()
    OutboxMessage.objects.filter(status=OutboxStatus.SENDING).update(attempts=2)
    assert selectors.outbox_counts() == plain()
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(status=OutboxStatus.FAILED)
    assert selectors.outbox_counts() == plain()
    OutboxMessage.objects.exclude(status=OutboxStatus.SENT).update(status=OutboxStatus.SENT)
    assert (
        selectors.outbox_counts()
        == plain()
        == {
            "pending": 0,
            "retrying": 0,
            "failed": 0,
            "oldest_unsent_seconds": None,
        }
    )
    message(OutboxStatus.PENDING, 0, dt.timedelta(minutes=2))
    assert selectors.outbox_counts() == plain()
    assert plain()["oldest_unsent_seconds"] == 120
