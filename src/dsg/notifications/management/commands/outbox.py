"""`dsg outbox send|status`: deliver the due messages now; print the outbox's counts as JSON.

Neither is needed in operation: the worker (`dsg worker`) delivers and retries by itself.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dsg.notifications.selectors import outbox_counts
from dsg.notifications.services import outbox_deliver_pending, outbox_next_due
from dsg.notifications.tasks import delivery_schedule


class Command(BaseCommand):
    help = (
        "Mail outbox tools. 'send' delivers the messages that are due now and reports failures "
        "(the worker retries them later); 'status' prints the counts that /readyz reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["send", "status"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "status":
            self.stdout.write(json.dumps(outbox_counts()))
            return
        sent, failed = outbox_deliver_pending()
        due = outbox_next_due()
        if due is not None:
            delivery_schedule(at=due)
        self.stdout.write(f"outbox: {sent} sent, {failed} failed")
