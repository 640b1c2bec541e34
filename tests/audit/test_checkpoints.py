"""Signed checkpoints catch a rewrite of the whole chain, which the chain alone cannot."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dsg.audit.checkpoints import checkpoint_path, checkpoints_verify
from dsg.audit.models import AuditEvent, AuditHead
from dsg.audit.services import audit_verify, chain_hash
from dsg.audit.triggers import ledger_unlocked
from dsg.enrollment.models import State

from ..walk import new_case, walk_to


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _rewrite_whole_chain_consistently() -> None:
    """What an attacker with write access to the table could do: change an event, re-hash all."""
    previous = "0" * 64
    with ledger_unlocked(reason="test: rewrite"), connection.cursor() as cursor:
        for event in AuditEvent.objects.order_by("sequence"):
            if event.sequence == 2:
                event.actor_label = "someone-else@test.example.jp"
            new_hash = chain_hash(previous, event.canonical_payload())
            table = AuditEvent._meta.db_table
            cursor.execute(
                f"UPDATE {table} SET actor_label = %s, previous_hash = %s, hash = %s "  # noqa: S608
                "WHERE sequence = %s",
                [event.actor_label, previous, new_hash, event.sequence],
            )
            previous = new_hash
        cursor.execute(f"UPDATE {AuditHead._meta.db_table} SET hash = %s", [previous])  # noqa: S608


@pytest.mark.django_db
def test_a_consistent_rewrite_passes_the_chain_but_not_the_checkpoint(site, cast):
    walk_to(new_case(site, cast), State.INSPECTION, cast)
    call_command("audit", "checkpoint")
    call_command("audit", "verify")
    _rewrite_whole_chain_consistently()
    assert audit_verify().ok  # the chain alone cannot tell
    checked, problem = checkpoints_verify()
    assert problem is not None and "rewritten" in problem.problem
    with pytest.raises(CommandError, match="checkpoint"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_a_forged_checkpoint_is_refused(site, cast):
    walk_to(new_case(site, cast), State.SUBMITTED, cast)
    call_command("audit", "checkpoint")
    entry = json.loads(checkpoint_path().read_text())
    entry["sequence"] = 1
    checkpoint_path().write_text(json.dumps(entry) + "\n")
    _checked, problem = checkpoints_verify()
    assert problem is not None and "signature" in problem.problem


@pytest.mark.django_db
def test_checkpoints_taken_as_the_chain_grows_all_hold(site, cast):
    enrollment = new_case(site, cast)
    call_command("audit", "checkpoint")
    walk_to(enrollment, State.SURVEY, cast)
    call_command("audit", "checkpoint")
    assert checkpoints_verify() == (2, None)
