"""`dsg notice verify FILE [--cert PEM] [--offline] [--json]`: is this notice genuine and unchanged?

Exits 0 only when the office's signature is intact, trusted and covers the whole file, and the
issued notice with the printed document number has the file's SHA-256 (skipped with --offline).
Anything else — a changed byte, an appended update, another signer, an unknown number, a different
file under a known number — exits 1 with the reason.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.notices.verify import notice_verify, trusted_certificates


class Command(BaseCommand):
    help = (
        "Notice tools. 'verify FILE' checks a notice PDF's signature (trusting the office's "
        "notice certificate, or --cert PEM) and that it is the notice issued under its number."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify"])
        parser.add_argument("file", type=Path, help="the notice PDF")
        parser.add_argument(
            "--cert",
            type=Path,
            action="append",
            help="trust this certificate (PEM or DER) instead of the portal's; repeatable",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="check the signature only, without the database's record of issued notices",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
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
