"""Parts for the outage tests: an SMTP server that accepts and never answers, a port where an
aiosmtpd server can be started, stopped and started again, and the worker in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from aiosmtpd.controller import Controller
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker

from .smtp import Inbox


class HungServer:
    """Accepts SMTP connections on loopback and never says a word, until ``release``."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.released = threading.Event()
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.released.is_set():
            try:
                connection, _address = self.sock.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)
            self.accepted.set()

    def release(self) -> None:
        """Hang up on everyone and stop listening."""
        self.released.set()
        self.thread.join()
        for connection in self.connections:
            connection.close()
        self.sock.close()


class Smtp:
    """A real SMTP server (aiosmtpd) on one loopback port that the test stops and starts."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class WorkerThread:
    """``dsg worker`` (django-tasks' database worker) running in a thread of the test."""

    def __init__(self) -> None:
        self.worker = Worker(
            queue_names=["default"],
            interval=0.02,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="outage-test",
            excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.worker.run()
        except BaseException as error:  # noqa: BLE001 — reported to the test
            self.error = error
        finally:
            connections.close_all()

    def __enter__(self) -> WorkerThread:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker.running = False
        self.thread.join()
        assert self.error is None, self.error


def eventually(condition: Callable[[], bool], *, what: str, within: float = 60.0) -> None:
    """Wait for ``condition`` (a generous bound: this checks that it happens, not how fast)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)
