"""`dsg notice verify FILE [--cert PEM] [--offline] [--json]`: is this notice genuine and unchanged?

Exits 0 only when the office's signature is intact, trusted and covers the whole file, and the
issued notice with the printed document number has the file's SHA-256 (skipped with --offline).
Anything else — a changed byte, an appended update, another signer, an unknown number, a different
file under a known number — exits 1 with the reason.

`dsg notice render-pending [--workers N] [--limit N]` renders and signs the notices still waiting
for their PDF (a rendering that failed right after the notice was issued, or a batch issued
without rendering), on N processes (default: one per CPU; this process stores each PDF); it exits
1 while some still fail.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.notices.services import notices_render_pending
from dsg.notices.verify import notice_verify, trusted_certificates


class Command(BaseCommand):
    help = (
        "Notice tools. 'verify FILE' checks a notice PDF's signature (trusting the office's "
        "notice certificate, or --cert PEM) and that it is the notice issued under its number. "
        "'render-pending' renders and signs the notices still waiting for their PDF."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        verify = commands.add_parser("verify", help="check a notice PDF")
        verify.add_argument("file", type=Path, help="the notice PDF")
        verify.add_argument(
            "--cert",
            type=Path,
            action="append",
            help="trust this certificate (PEM or DER) instead of the portal's; repeatable",
        )
        verify.add_argument(
            "--offline",
            action="store_true",
            help="check the signature only, without the database's record of issued notices",
        )
        verify.add_argument("--json", action="store_true", help="print the result as JSON")
        pending = commands.add_parser(
            "render-pending", help="render and sign the notices still waiting for their PDF"
        )
        pending.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes rendering side by side (default: one per CPU)",
        )
        pending.add_argument(
            "--limit", type=int, default=None, help="render at most this many (default: all)"
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "render-pending":
            self.render_pending(workers=options["workers"], limit=options["limit"])
        else:
            self.verify(options["file"], options)

    def verify(self, file: Path, options: dict[str, Any]) -> None:
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # the verdict says it all
        try:
            data = file.read_bytes()
            roots = trusted_certificates(options["cert"])
        except OSError as error:
            raise CommandError(
                f"cannot read {error.filename}: {error.strerror}", returncode=2
            ) from error
        except ValueError as error:
            raise CommandError(f"not a certificate: {error}", returncode=2) from error
        result = notice_verify(data, trust_roots=roots, check_record=not options["offline"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        elif result.ok:
            checked = "signature and issued record" if result.record_checked else "signature"
            self.stdout.write(
                f"OK: {result.number} — {checked} verified\n"
                f"signer: {result.signer}\nsigned at: {result.signed_at}\nsha256: {result.sha256}"
            )
        if not result.ok:
            problems = "; ".join(result.problems) or "not verified"
            raise CommandError(f"NOT VERIFIED: {file}: {problems}", returncode=1)

    def render_pending(self, *, workers: int, limit: int | None) -> None:
        if workers < 1 or (limit is not None and limit < 1):
            raise CommandError("--workers and --limit must be at least 1", returncode=2)
        rendered, failed = notices_render_pending(limit=limit, workers=workers)
        self.stdout.write(f"rendered {rendered} pending notice(s); {failed} failed")
        if failed:
            raise CommandError(f"{failed} notice(s) could not be rendered", returncode=1)
