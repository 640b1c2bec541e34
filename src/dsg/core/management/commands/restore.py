"""`dsg restore ARCHIVE [--keys KEYS_FILE] [--force]`: check every digest, then restore into an
empty instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `dsg backup`: every member is checked against the manifest "
        "first and a damaged archive is refused with nothing changed. Restores only into an "
        "empty instance (no table in the database, no file in DSG_DATA_DIR) of the same database "
        "kind; --force replaces what a non-empty instance holds. Stop the portal and the worker "
        "first; afterwards run dsg migrate, dsg audit verify and dsg documents verify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--keys", type=Path, metavar="KEYS_FILE", help="the keys file too")
        parser.add_argument(
            "--force", action="store_true", help="replace the data of a non-empty instance"
        )

    def handle(self, *args: Any, archive: Path, keys: Path | None, force: bool, **o: Any) -> None:
        try:
            report = backup_restore(archive=archive, keys=keys, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"restored: the {report.vendor} database, {report.files} files, {report.keys} keys"
        )
        if report.keys_missing:
            self.stdout.write(
                "no keys restored: put the instance's keys into DSG_DATA_DIR/keys (0600) before "
                "it starts, or its documents will not open"
            )
        self.stdout.write("next: dsg migrate, dsg audit verify, dsg documents verify")
