"""`dsg documents verify [--remove-orphans]`: check every stored document against its record."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.documents.integrity import documents_verify


class Command(BaseCommand):
    help = (
        "Document folder tools. 'verify' decrypts every stored document in memory and checks it "
        "against its SHA-256 (nothing is shown), and lists files without a record older than an "
        "hour; --remove-orphans deletes those. Exit status 1 if a document is missing or altered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify"])
        parser.add_argument("--remove-orphans", action="store_true")

    def handle(self, *args: Any, subcommand: str, remove_orphans: bool, **options: Any) -> None:
        report = documents_verify(remove_orphans=remove_orphans)
        for name in report.orphans:
            verb = "removed" if name in report.removed else "found"
            self.stdout.write(f"orphan file {verb}: {name}")
        if not report.ok:
            for pk, problem in report.broken:
                self.stderr.write(f"document #{pk}: {problem}")
            raise CommandError(
                f"{len(report.broken)} of {report.checked} documents failed their check",
                returncode=1,
            )
        self.stdout.write(
            f"documents OK: {report.checked} verified, {len(report.orphans)} orphan files"
        )
