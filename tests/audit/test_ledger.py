"""The hash-chained ledger: a clean chain verifies; each kind of tampering is found and located."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from dsg.audit.models import AppendOnlyError, AuditEvent, AuditHead
from dsg.audit.services import audit_record, audit_verify, chain_hash
from dsg.audit.triggers import ledger_unlocked
from dsg.enrollment.models import State

from ..factories import OfficeFactory
from ..walk import new_case, walk_to

TABLE = connection.ops.quote_name(AuditEvent._meta.db_table)


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    """`audit verify` also reads the signed checkpoints in DSG_DATA_DIR: start without any."""
    settings.DATA_DIR = tmp_path


@pytest.fixture
def chain(site, cast) -> list[AuditEvent]:
    """A full walk to 加入完了; returns the events in sequence order."""
    walk_to(new_case(site, cast), State.COMPLETED, cast)
    events = list(AuditEvent.objects.order_by("sequence"))
    assert len(events) >= 10
    return events


def sql(statement: str, params: list | None = None) -> None:
    """Raw SQL as someone who got past the ledger's triggers (the tables' owner can drop them):
    what the chain must catch. Without the unlock the database refuses it (test_triggers.py)."""
    with ledger_unlocked(reason="test: tampering"), connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def expect_break(sequence: int, words: str) -> None:
    result = audit_verify()
    assert not result.ok
    assert result.sequence == sequence, result
    assert words in result.problem
    assert result.checked == sequence - 1
    # In ranges checked on their own and joined (the command's path on a long chain): the same
    # first break, whether it falls inside a range or at the join of two (a range of 1 event
    # puts a join at every event). Inside the test's transaction this runs in process.
    for stretch in (1, 2, 3, 5):
        assert audit_verify(stretch=stretch, workers=2) == result, stretch
    with pytest.raises(CommandError) as error:
        call_command("audit", "verify", stdout=StringIO())
    assert error.value.returncode == 1
    assert f"#{sequence}:" in str(error.value)


# A clean chain ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_clean_chain_verifies(chain):
    result = audit_verify()
    assert (result.ok, result.checked, result.sequence) == (True, len(chain), None)
    assert [e.sequence for e in chain] == list(range(1, len(chain) + 1))
    head = AuditHead.objects.get()
    assert (head.sequence, head.hash) == (chain[-1].sequence, chain[-1].hash)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert f"audit chain OK: {len(chain)} events verified" in out.getvalue()


@pytest.mark.django_db
def test_an_empty_ledger_verifies():
    assert audit_verify().ok
    assert audit_verify().checked == 0


@pytest.mark.django_db
def test_a_small_batch_size_changes_nothing(chain):
    assert audit_verify(batch_size=3).checked == len(chain)


@pytest.mark.django_db(transaction=True)
def test_the_chain_verified_in_ranges_on_two_processes(chain):
    """Outside a transaction the ranges go to a pool of worker processes: a clean chain holds,
    and a changed event is found at the same place as by one process."""
    parallel = audit_verify(stretch=3, workers=2)
    assert (parallel.ok, parallel.checked) == (True, len(chain))
    target = chain[len(chain) // 2]
    sql(f"UPDATE {TABLE} SET action = %s WHERE sequence = %s", ["site.delete", target.sequence])
    one = audit_verify()
    assert (one.ok, one.sequence) == (False, target.sequence)
    assert audit_verify(stretch=3, workers=2) == one
    assert audit_verify(stretch=1, workers=2) == one


# Tampering with raw SQL ------------------------------------------------------------------------
CHANGES = {
    "action": ("action = %s", "enrollment.reject"),
    "actor_label": ("actor_label = %s", "someone-else@test.example.jp"),
    "actor_id": ("actor_id = %s", 999999),
    "company_id": ("company_id = %s", 424242),
    "object_id": ("object_id = %s", "999999"),
    "after": ("after = %s", json.dumps({"state": "completed"})),
    "before": ("before = %s", json.dumps({"state": "draft"})),
}


@pytest.mark.django_db
@pytest.mark.parametrize("field", sorted(CHANGES))
def test_a_changed_field_is_found(chain, field):
    target = chain[len(chain) // 2]
    assignment, value = CHANGES[field]
    assert getattr(target, field) != (json.loads(value) if field in ("before", "after") else value)
    sql(f"UPDATE {TABLE} SET {assignment} WHERE sequence = %s", [value, target.sequence])
    expect_break(target.sequence, "content does not match")


@pytest.mark.django_db
def test_a_changed_time_is_found(chain):
    target = chain[3]
    earlier = connection.ops.adapt_datetimefield_value(target.occurred_at - dt.timedelta(days=30))
    sql(f"UPDATE {TABLE} SET occurred_at = %s WHERE sequence = %s", [earlier, target.sequence])
    expect_break(target.sequence, "content does not match")


@pytest.mark.django_db
def test_a_changed_hash_is_found_at_that_event(chain):
    target = chain[4]
    sql(f"UPDATE {TABLE} SET hash = %s WHERE sequence = %s", ["e" * 64, target.sequence])
    expect_break(target.sequence, "content does not match")


@pytest.mark.django_db
def test_an_event_deleted_in_the_middle_is_found(chain):
    target = chain[len(chain) // 2]
    sql(f"DELETE FROM {TABLE} WHERE sequence = %s", [target.sequence])
    expect_break(target.sequence, "sequence gap")


@pytest.mark.django_db
def test_an_event_deleted_in_the_middle_and_renumbered_is_found(chain):
    """Closing the gap does not help: the next event's link points at the deleted one."""
    target = chain[len(chain) // 2]
    sql(f"DELETE FROM {TABLE} WHERE sequence = %s", [target.sequence])
    shift(from_sequence=target.sequence + 1, by=-1)
    expect_break(target.sequence, "previous hash does not match")


@pytest.mark.django_db
def test_the_last_event_deleted_is_found(chain):
    sql(f"DELETE FROM {TABLE} WHERE sequence = %s", [chain[-1].sequence])
    expect_break(chain[-1].sequence, "events at the end were deleted")


def shift(*, from_sequence: int, by: int) -> None:
    """Renumber the events from ``from_sequence`` on, in two steps (sequence is unique)."""
    offset = 1_000_000_000
    sql(
        f"UPDATE {TABLE} SET sequence = sequence + %s WHERE sequence >= %s", [offset, from_sequence]
    )
    sql(f"UPDATE {TABLE} SET sequence = sequence - %s WHERE sequence >= %s", [offset - by, offset])


@pytest.mark.django_db
def test_a_forged_event_inserted_in_the_middle_is_found(chain):
    """The forger links the event correctly to the one before; the one after gives it away."""
    position = len(chain) // 2
    before, displaced = chain[position - 1], chain[position]
    shift(from_sequence=displaced.sequence, by=1)
    occurred = connection.ops.adapt_datetimefield_value(before.occurred_at)
    sql(
        f"INSERT INTO {TABLE} (sequence, occurred_at, actor_id, actor_label, organization_id, "
        "action, object_type, object_id, company_id, before, after, previous_hash, hash) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            displaced.sequence,
            occurred,
            before.actor_id,
            before.actor_label,
            before.organization_id,
            "enrollment.accept",
            "enrollment.enrollment",
            before.object_id,
            before.company_id,
            json.dumps({"state": "submitted"}),
            json.dumps({"state": "inspection"}),
            before.hash,
            "f" * 64,
        ],
    )
    forged = AuditEvent.objects.get(sequence=displaced.sequence)
    plausible = chain_hash(before.hash, forged.canonical_payload())
    sql(f"UPDATE {TABLE} SET hash = %s WHERE sequence = %s", [plausible, forged.sequence])
    assert AuditEvent.objects.get(sequence=forged.sequence).hash == plausible

    expect_break(displaced.sequence + 1, "previous hash does not match")


@pytest.mark.django_db
def test_two_events_swapped_in_order_are_found(chain):
    first, second = chain[5], chain[6]
    sql(f"UPDATE {TABLE} SET sequence = %s WHERE sequence = %s", [-1, first.sequence])
    sql(f"UPDATE {TABLE} SET sequence = %s WHERE sequence = %s", [first.sequence, second.sequence])
    sql(f"UPDATE {TABLE} SET sequence = %s WHERE sequence = %s", [second.sequence, -1])
    expect_break(first.sequence, "previous hash does not match")


@pytest.mark.django_db
def test_two_events_with_swapped_contents_are_found(chain):
    first, second = chain[3], chain[7]
    columns = ("action", "object_type", "object_id", "before", "after")
    assignments = ", ".join(f"{c} = %s" for c in columns)
    for mine, theirs in ((first, second), (second, first)):
        values = [
            json.dumps(getattr(theirs, c)) if c in ("before", "after") else getattr(theirs, c)
            for c in columns
        ]
        sql(f"UPDATE {TABLE} SET {assignments} WHERE sequence = %s", [*values, mine.sequence])
    expect_break(first.sequence, "content does not match")


# The ORM never updates or deletes events ---------------------------------------------------------
@pytest.mark.django_db
def test_the_orm_refuses_to_update_or_delete_events(chain):
    event = AuditEvent.objects.get(sequence=2)
    attempts = {
        "queryset update": lambda: AuditEvent.objects.filter(sequence=2).update(action="x"),
        "manager update": lambda: AuditEvent.objects.update(action="x"),
        "queryset delete": lambda: AuditEvent.objects.filter(sequence=2).delete(),
        "delete all": lambda: AuditEvent.objects.all().delete(),
        "bulk_update": lambda: AuditEvent.objects.bulk_update([event], ["action"]),
        "instance delete": event.delete,
    }
    for what, attempt in attempts.items():
        with pytest.raises(AppendOnlyError):
            with transaction.atomic():
                attempt()
        assert AuditEvent.objects.count() == len(chain), what
    event.action = "enrollment.reject"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(sequence=2).action == chain[1].action
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused():
    office = OfficeFactory()
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        audit_record(actor=None, action="organization.create", obj=office)
    assert not AuditEvent.objects.exists()
    with transaction.atomic():
        event = audit_record(actor=None, action="organization.create", obj=office)
    assert (event.sequence, event.actor_label) == (1, "system")
    assert audit_verify().ok


# The real console command ------------------------------------------------------------------------
def test_the_console_command_exits_0_on_a_clean_chain_and_1_on_a_tampered_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DSG_DATA_DIR"] = str(tmp_path)  # a fresh SQLite database in its own directory

    def dsg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dsg.cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    migrated = dsg("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    seeded = dsg(
        "shell",
        "-c",
        "from django.db import transaction\n"
        "from dsg.audit.services import audit_record\n"
        "from dsg.orgs.models import Organization\n"
        "with transaction.atomic():\n"
        "    office = Organization.objects.create(kind='office', name='情報システム管理室')\n"
        "    for action in ('organization.create', 'organization.update', 'site.create'):\n"
        "        audit_record(actor=None, action=action, obj=office)\n",
    )
    assert seeded.returncode == 0, seeded.stderr

    clean = dsg("audit", "verify")
    assert clean.returncode == 0, clean.stderr
    assert "audit chain OK: 3 events verified" in clean.stdout
    clean = dsg("audit", "verify", "--workers", "2", "--stretch", "1")
    assert clean.returncode == 0, clean.stderr
    assert "audit chain OK: 3 events verified" in clean.stdout

    tamper = f"UPDATE {AuditEvent._meta.db_table} SET action = 'site.delete' WHERE sequence = 2"
    with sqlite3.connect(tmp_path / "dsg.sqlite3") as db:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(tamper)
    with sqlite3.connect(tmp_path / "dsg.sqlite3") as db:  # whoever owns the file can drop it
        db.execute("DROP TRIGGER audit_auditevent_no_update")
        db.execute(tamper)
    broken = dsg("audit", "verify")
    assert broken.returncode == 1
    assert "#2:" in broken.stderr
    # One range per event on two worker processes: the same event is named.
    in_ranges = dsg("audit", "verify", "--workers", "2", "--stretch", "1")
    assert in_ranges.returncode == 1
    assert "#2:" in in_ranges.stderr
