"""The worker's delivery run, which schedules its own next run.

Each run sends what is due, then enqueues the next run for when the next message is due (a
retry put off by backoff, or the lease of a message being sent), unless a run is already queued
by then. After its first claim a run does the same for that claim's lease, so that if the worker
dies mid-send the message is taken up again. Nobody needs to run ``dsg outbox send`` by hand.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from .services import Claim, outbox_deliver_pending, outbox_next_due


@task()
def outbox_deliver() -> int:
    claimed: list[Claim] = []

    def follow_up(claim: Claim) -> None:
        if not claimed:
            delivery_schedule(at=claim.lease_until)
        claimed.append(claim)

    try:
        sent, _failed = outbox_deliver_pending(on_claim=follow_up)
    finally:  # also when this run broke off: what is left is not forgotten
        due = outbox_next_due()
        if due is not None:
            delivery_schedule(at=due)
    return sent


def delivery_schedule(*, at: dt.datetime | None) -> None:
    """Make sure a delivery run is queued to start by ``at`` (None: now)."""
    backend = outbox_deliver.get_backend()
    if isinstance(backend, DatabaseBackend):
        queued = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path=outbox_deliver.module_path,
            backend_name=backend.alias,
        )
        by = Q(run_after=get_date_max()) | Q(run_after__lte=at or timezone.now())
        if queued.filter(by).exists():
            return
    if at is None:
        outbox_deliver.enqueue()
    else:
        outbox_deliver.using(run_after=at).enqueue()
