"""`dsg outbox send`: deliver every pending message now (also run by the worker after commits)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dsg.notifications.services import outbox_deliver_pending


class Command(BaseCommand):
    help = "Mail outbox tools. 'send' delivers the pending messages and reports failures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["send"])

    def handle(self, *args: Any, **options: Any) -> None:
        sent, failed = outbox_deliver_pending()
        self.stdout.write(f"outbox: {sent} sent, {failed} failed")
