"""0002 gives the outbox's old rows their status: sent stays sent, abandoned becomes failed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_outbox_retries")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_old_rows_get_their_status():
    old = (
        _migrate(BEFORE)
        .loader.project_state(BEFORE)
        .apps.get_model("notifications", "OutboxMessage")
    )
    try:
        sent = old.objects.create(
            subject="s", body="b", kind="k", attempts=1, sent_at="2026-04-01T00:00Z"
        )
        abandoned = old.objects.create(subject="s", body="b", kind="k", attempts=10)
        waiting = old.objects.create(subject="s", body="b", kind="k", attempts=3)
    finally:
        executor = _migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("notifications", "OutboxMessage")
    status = dict(new.objects.values_list("pk", "status"))
    _migrate(executor.loader.graph.leaf_nodes())  # later migrations, for the tests after this
    assert status == {sent.pk: "sent", abandoned.pk: "failed", waiting.pk: "pending"}
