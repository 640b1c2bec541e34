"""`dsg inspections remind`: queue the day-before reminders and the overdue-deficiency mails.

Run it once a day (cron or a systemd timer); each mail is queued once, so running it again the
same day queues nothing. The worker (or `dsg outbox send`) delivers what it queued.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from dsg.inspections.services import inspections_remind


class Command(BaseCommand):
    help = (
        "On-site inspection tools. 'remind' queues a reminder for tomorrow's inspections and a "
        "mail for each deficiency past its due date without a remediation report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["remind"])
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="the day (YYYY-MM-DD)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():  # every company's inspections: the command is the system
            reminded, overdue = inspections_remind(today=options["today"])
        self.stdout.write(f"inspections: {reminded} reminders, {overdue} overdue mails queued")
