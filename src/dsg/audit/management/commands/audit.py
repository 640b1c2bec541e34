"""`dsg audit verify`: exit 0 when the chain holds, 1 naming the first bad event otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit ledger tools. 'verify' recomputes the hash chain and reports the first break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at event #{result.sequence}: {result.problem} "
                f"({result.checked} events verified before it)",
                returncode=1,
            )
        self.stdout.write(f"audit chain OK: {result.checked} events verified")
