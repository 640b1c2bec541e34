"""`dsg serve`: run the portal with gunicorn (WSGI), static files served by WhiteNoise."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.core.trial import is_loopback


class Command(BaseCommand):
    help = "Serve the portal with gunicorn on the given loopback host and port."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        if settings.DSG_TRIAL_MODE and not is_loopback(host):
            raise CommandError(
                f"DSG_SECRET_KEY is not set: a local trial is served on loopback only, not on "
                f"{host}. Set DSG_SECRET_KEY (docs/operators/deployment.md) to serve elsewhere."
            )
        self.stdout.write(f"DSG Portal: http://{host}:{port}/  (Ctrl+C to stop)")
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        os.execv(
            gunicorn,
            [
                gunicorn,
                "dsg.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
            ],
        )
