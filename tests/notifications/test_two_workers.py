"""Two `dsg worker` processes on one PostgreSQL take tasks and mail without collisions.

Each worker takes a task with ``SELECT … FOR UPDATE SKIP LOCKED`` (django-tasks-db) and each
message with the same (``outbox_claim``). The SMTP server below holds every mail until two are
being sent at once, so the test only passes when both workers really deliver side by side; then
every message must have arrived exactly once and every task run by exactly one worker.
PostgreSQL only: SQLite serialises writers, so there is nothing to race there.
"""

from __future__ import annotations

import asyncio
import email
import os
import subprocess
import sys
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dsg.notifications.models import OutboxMessage, OutboxStatus
from dsg.notifications.services import outbox_queue
from dsg.notifications.tasks import outbox_deliver

from .smtp import free_port

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two workers race only on PostgreSQL"
)

MESSAGES = 30
WORKERS = 2


class GatedInbox:
    """Keeps what it receives; holds each mail until ``WORKERS`` are being sent at once (or a
    few seconds have passed), and records the most it saw in flight."""

    def __init__(self) -> None:
        self.subjects: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.together: asyncio.Event | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook
        if self.together is None:
            self.together = asyncio.Event()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.in_flight >= WORKERS:
            self.together.set()
        try:
            await asyncio.wait_for(self.together.wait(), timeout=10)
        except TimeoutError:
            pass
        self.in_flight -= 1
        self.subjects.append(str(email.message_from_bytes(envelope.content)["Subject"]))
        return "250 OK"


def worker_env(port: int, data_dir: str) -> dict[str, str]:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"  # the test database
        ),
        DSG_DATA_DIR=data_dir,
        DSG_EMAIL_HOST="127.0.0.1",
        DSG_EMAIL_PORT=str(port),
        DSG_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    return env


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_every_message_once_and_run_every_task_once(tmp_path):
    inbox = GatedInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with transaction.atomic():
            for n in range(MESSAGES):
                outbox_queue(
                    recipients=[f"psa{n}@x.example.jp"], subject=f"mail {n}", body="b", kind="t"
                )
        for _ in range(WORKERS):  # one delivery run for each worker to take
            outbox_deliver.enqueue()
        env = worker_env(controller.port, str(tmp_path))
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "dsg.cli", "worker", "--batch", "--no-startup-delay"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        for worker in workers:
            _out, err = worker.communicate(timeout=180)
            assert worker.returncode == 0, err
    finally:
        controller.stop()

    assert inbox.most_in_flight == WORKERS  # both workers were sending at the same time
    sent = Counter(inbox.subjects)
    assert len(sent) == MESSAGES and set(sent.values()) == {1}, sent.most_common(3)
    statuses = Counter(OutboxMessage.objects.values_list("status", flat=True))
    assert statuses == {OutboxStatus.SENT: MESSAGES}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    runs = DBTaskResult.objects.filter(task_path=outbox_deliver.module_path).exclude(
        status=TaskResultStatus.READY  # a run queued for later, left for a later worker
    )
    assert {r.status for r in runs} == {TaskResultStatus.SUCCESSFUL}
    assert all(len(r.worker_ids) == 1 for r in runs)  # each run taken by one worker only
    assert len({r.worker_ids[0] for r in runs}) == WORKERS
    assert sum(r.return_value for r in runs) == MESSAGES  # what each run sent adds up
