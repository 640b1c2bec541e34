"""`dsg annual remind`: queue the reminders of the pending 年次確認 (due soon, overdue).

The worker runs the same every morning once a round is open; run this from cron or by hand when
no worker runs. Each reminder is queued once per confirmation, so running it again the same day
queues nothing. The worker (or `dsg outbox send`) delivers what it queued.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from dsg.annual.services import annual_remind_pending


class Command(BaseCommand):
    help = (
        "Annual confirmation (年次確認) tools. 'remind' queues a reminder for each pending "
        "confirmation due within 7 days and for each one past its due date (each once)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["remind"])
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="the day (YYYY-MM-DD)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():  # every company's confirmations: the command is the system
            due_soon, overdue = annual_remind_pending(today=options["today"])
        self.stdout.write(f"annual: {due_soon} due-soon reminders, {overdue} overdue mails queued")
