"""`dsg serve`: run the portal with gunicorn (WSGI), static files served by WhiteNoise, and the
background worker that delivers the mail (`dsg worker`) beside it.

Both are children of this command: Ctrl+C (or SIGTERM) stops both, and when one of them ends
the other is stopped too. Links in mail point to ``DSG_PORTAL_URL``; when it is not set and the
portal is served on loopback, it is this server's own address (``http://127.0.0.1:<port>``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsg.core.trial import is_loopback

STOP_GRACE = 10  # seconds a child has to stop before it is killed


def local_url(host: str, port: int) -> str:
    """The server's own address, as a browser on this machine reaches it."""
    name = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{name}:{port}"


class Command(BaseCommand):
    help = (
        "Serve the portal with gunicorn on the given loopback host and port, with the worker "
        "that delivers mail (dsg worker) beside it; Ctrl+C stops both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the mail worker (run `dsg worker` as a service of its own).",
        )

    def handle(
        self, *args: Any, host: str, port: int, workers: int, no_worker: bool, **options: Any
    ) -> None:
        if settings.DSG_TRIAL_MODE and not is_loopback(host):
            raise CommandError(
                f"DSG_SECRET_KEY is not set: a local trial is served on loopback only, not on "
                f"{host}. Set DSG_SECRET_KEY (docs/operators/deployment.md) to serve elsewhere."
            )
        if not os.environ.get("DSG_PORTAL_URL") and is_loopback(host):
            os.environ["DSG_PORTAL_URL"] = local_url(host, port)  # links in mail (#12)
        self.stdout.write(f"DSG Portal: {local_url(host, port)}/  (Ctrl+C to stop)")
        bin_dir = os.path.dirname(sys.executable)
        commands = [
            [
                os.path.join(bin_dir, "gunicorn"),
                "dsg.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
            ]
        ]
        if not no_worker:
            self.stdout.write("Mail worker: dsg worker (mail is delivered as it is queued)")
            commands.append([sys.executable, "-m", "dsg.cli", "worker"])
        self.stdout.flush()
        sys.exit(run_together(commands))


def run_together(commands: list[list[str]]) -> int:
    """Run the commands as children until one ends or we are told to stop; stop the others.

    Returns the exit status of the child that ended first (0 when we were stopped).
    """
    children = [subprocess.Popen(command) for command in commands]  # noqa: S603 — our own
    status = 0

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    interrupted = False
    try:
        _pid, code = os.wait()
        status = os.waitstatus_to_exitcode(code)
    except KeyboardInterrupt:  # Ctrl+C reached the children too; SIGTERM reached us alone
        interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous)
        if interrupted:
            _wait_all(children, timeout=STOP_GRACE)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        _wait_all(children, timeout=STOP_GRACE)
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    return status


def _wait_all(children: list[subprocess.Popen[bytes]], *, timeout: float) -> None:
    """Give the children up to ``timeout`` seconds in all to end by themselves."""
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return
