"""Django's `flush`, which empties the whole database, past the ledger's triggers.

The triggers refuse DELETE and TRUNCATE of the ledger, and flush is made of them. Emptying a
ledger that holds events is refused unless the settings allow it (``DSG_FLUSH_EMPTIES_LEDGER``,
set by the test suite, which flushes between transactional tests): a running portal's ledger is
never emptied by a command. An empty ledger is flushed as before.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush

from dsg.audit.models import AuditEvent
from dsg.audit.triggers import ledger_unlocked


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        allowed = getattr(settings, "DSG_FLUSH_EMPTIES_LEDGER", False)
        if not allowed and AuditEvent.objects.using(database).exists():
            raise CommandError(
                "flush refused: the audit ledger holds events and is append-only. Restore a "
                "backup into a new, empty instance instead (dsg restore)."
            )
        with ledger_unlocked(reason="flush", using=database):
            super().handle(**options)
