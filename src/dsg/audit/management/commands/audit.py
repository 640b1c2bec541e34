"""`dsg audit verify|checkpoint`: check the ledger; pin its head with a signed checkpoint.

verify exits 0 when the chain and every checkpoint hold, and 1 naming the first bad event.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.audit.checkpoints import checkpoint_path, checkpoint_write, checkpoints_verify
from dsg.audit.services import audit_verify

# Events per range that a worker verifies: large enough that starting the workers (a fork each)
# is small beside it, small enough that both cores get several.
STRETCH = 20_000


class Command(BaseCommand):
    # The system checks import every URL and API module and took longer than verifying tens of
    # thousands of events (bench/ledger.py); the ledger's checks need none of them.
    requires_system_checks: list[str] = []
    help = (
        "Audit ledger tools. 'verify' recomputes the hash chain and checks the signed "
        "checkpoints; 'checkpoint' signs the current head and appends it to the checkpoints."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify", "checkpoint"])
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="verify: processes recomputing the hashes, each a range of the chain "
            "(default: one per CPU)",
        )
        parser.add_argument(
            "--stretch",
            type=int,
            default=STRETCH,
            help=f"verify: events per range (default {STRETCH}; a shorter chain is one range)",
        )

    def handle(
        self, *args: Any, subcommand: str, workers: int, stretch: int, **options: Any
    ) -> None:
        if subcommand == "checkpoint":
            entry = checkpoint_write()
            self.stdout.write(
                f"checkpoint #{entry['sequence']} {entry['hash']} written to {checkpoint_path()}"
            )
            return
        result = audit_verify(workers=workers, stretch=stretch)
        if not result.ok:
            raise CommandError(
                f"audit chain broken at event #{result.sequence}: {result.problem} "
                f"({result.checked} events verified before it)",
                returncode=1,
            )
        checked, problem = checkpoints_verify()
        if problem is not None:
            raise CommandError(
                f"audit checkpoint line {problem.line} (event #{problem.sequence}): "
                f"{problem.problem}",
                returncode=1,
            )
        self.stdout.write(
            f"audit chain OK: {result.checked} events verified, {checked} signed checkpoints hold"
        )
