"""What ``/metrics`` reports of the outbox and the task queue, read from the database at each
scrape (every app server answers the same figures): registered in ``NotificationsConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.core import GaugeMetricFamily, Metric

from .selectors import outbox_counts


def outbox_metrics() -> Iterable[Metric]:
    counts = outbox_counts()
    yield GaugeMetricFamily(
        "dsg_outbox_unsent",
        "Mail in the outbox not sent yet (waiting or being sent)",
        value=counts["pending"],
    )
    yield GaugeMetricFamily(
        "dsg_outbox_retrying",
        "Unsent mail that failed at least once and will be retried",
        value=counts["retrying"],
    )
    yield GaugeMetricFamily(
        "dsg_outbox_failed",
        "Mail that failed its last attempt (the office resends it)",
        value=counts["failed"],
    )
    oldest = counts["oldest_unsent_seconds"]
    yield GaugeMetricFamily(
        "dsg_outbox_oldest_unsent_seconds",
        "Age of the oldest unsent mail (0: none)",
        value=oldest or 0,
    )


STATES = ("due", "scheduled", "running")


def task_metrics() -> Iterable[Metric]:
    """The background tasks by queue: due now, scheduled for later, being run."""
    now = timezone.now()
    due = Q(run_after=get_date_max()) | Q(run_after__lte=now)
    ready = Q(status=TaskResultStatus.READY)
    waiting = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    rows = waiting.values("queue_name").annotate(
        due=Count("pk", filter=ready & due),
        scheduled=Count("pk", filter=ready & ~due),
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
    )
    depth = GaugeMetricFamily(
        "dsg_task_queue_depth",
        "Background tasks waiting or running, by queue and state",
        labels=["queue", "state"],
    )
    found: dict[str, Any] = {row["queue_name"]: row for row in rows}
    for queue in sorted(set(_configured_queues()) | set(found)):  # an empty queue reads 0
        counts = found.get(queue, {})
        for state in STATES:
            depth.add_metric([queue, state], counts.get(state, 0))
    yield depth


def _configured_queues() -> list[str]:
    return list(settings.TASKS.get("default", {}).get("QUEUES", ["default"]))
