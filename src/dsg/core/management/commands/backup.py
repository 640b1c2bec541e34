"""`dsg backup ARCHIVE [--keys KEYS_FILE]`: the database and DSG_DATA_DIR in one checked archive;
the keys only into a separate file, and only with --keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.core.backup import BackupError, backup_check, backup_create


class Command(BaseCommand):
    help = (
        "Write a consistent backup: the database (SQLite online backup API or pg_dump), the "
        "files of DSG_DATA_DIR and a manifest with the SHA-256 of every member, into ARCHIVE "
        "(a new .tar.gz, mode 0600). The keys (documents, account information, audit and notice "
        "signing) are left out unless --keys names a separate file for them. --check ARCHIVE "
        "only checks an existing archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the archive to write (must not exist)")
        parser.add_argument(
            "--keys",
            type=Path,
            metavar="KEYS_FILE",
            help="also write DSG_DATA_DIR/keys to this separate file; keep it apart and secret",
        )
        parser.add_argument(
            "--check", action="store_true", help="check an existing archive instead of writing"
        )

    def handle(self, *args: Any, archive: Path, keys: Path | None, check: bool, **o: Any) -> None:
        try:
            if check:
                manifest = backup_check(archive=archive, keys=keys)
                self.stdout.write(
                    f"backup OK: {len(manifest['members'])} members of {manifest['created_at']} "
                    "match their SHA-256"
                )
                return
            report = backup_create(archive=archive, keys=keys)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"backup written to {report.archive}: the {report.vendor} database and "
            f"{report.files} files"
        )
        if report.keys is None:
            self.stdout.write(
                "keys not included: back up DSG_DATA_DIR/keys separately (or use --keys FILE)"
            )
        else:
            self.stdout.write(f"{report.keys_written} keys written to {report.keys}: keep it apart")
        for name in report.keys_elsewhere:
            self.stdout.write(f"{name} is set: back up that key yourself, it is not in any file")
