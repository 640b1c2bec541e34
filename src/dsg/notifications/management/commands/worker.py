"""`dsg worker`: the background worker (django-tasks database backend): delivers the outbox."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from dsg.notifications.tasks import delivery_schedule


class Command(DbWorkerCommand):
    help = (
        "Run the background worker that delivers mail from the outbox (django-tasks db_worker). "
        "On start it queues a delivery run, so that mail left over from before is sent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        delivery_schedule(at=None)
        super().handle(*args, **options)
