"""`dsg worker`: the background worker (django-tasks database backend): delivers the outbox."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run the background worker that delivers mail from the outbox (django-tasks db_worker)."
