"""The worker's daily reminder run of the 年次確認, which schedules its own next run.

Opening a round queues a run; each run queues reminders (``annual_remind_pending``) and then the
next run for the next morning (09:00 in the portal's time zone) while any confirmation is still
pending, unless a run is queued by then already. ``dsg annual remind`` does the same by hand or
from cron; the reminders are recorded, so two runs on one day mail nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from .services import annual_pending_exists, annual_remind_pending

RUN_AT = dt.time(9, 0)


@task()
def annual_remind() -> int:
    try:
        with scopes_disabled():  # every company's confirmations: the worker is the system
            due_soon, overdue = annual_remind_pending()
    finally:  # also when this run broke off: tomorrow's run is not forgotten
        with scopes_disabled():
            pending = annual_pending_exists()
        if pending:
            remind_schedule(at=next_run())
    return due_soon + overdue


def next_run(now: dt.datetime | None = None) -> dt.datetime:
    """The next morning's run time, in the portal's time zone."""
    local = timezone.localtime(now)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, RUN_AT, tzinfo=local.tzinfo)


def remind_schedule(*, at: dt.datetime | None = None) -> None:
    """Make sure a reminder run is queued to start by ``at`` (None: now)."""
    backend = annual_remind.get_backend()
    if isinstance(backend, DatabaseBackend):
        queued = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path=annual_remind.module_path,
            backend_name=backend.alias,
        )
        by = Q(run_after=get_date_max()) | Q(run_after__lte=at or timezone.now())
        if queued.filter(by).exists():
            return
    if at is None:
        annual_remind.enqueue()
    else:
        annual_remind.using(run_after=at).enqueue()
