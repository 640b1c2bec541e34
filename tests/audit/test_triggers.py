"""The database refuses to edit the ledger in place (PostgreSQL and SQLite alike), with raw SQL.

Every attempt is plain SQL on the migrated test database: UPDATE and DELETE of an event, TRUNCATE
(PostgreSQL), DELETE of the head, moving the head back or onto a forged hash. Each is refused with
an IntegrityError and changes nothing; INSERT still works, and `dsg audit verify` still passes.
"""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from dsg.audit.models import AuditEvent, AuditHead
from dsg.audit.services import audit_record, audit_verify
from dsg.audit.triggers import PG_URIS, SQLITE_INSTALL, ledger_unlocked
from dsg.enrollment.models import State

from ..walk import new_case, walk_to

EVENTS = AuditEvent._meta.db_table
HEAD = AuditHead._meta.db_table


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def chain(site, cast) -> list[AuditEvent]:
    walk_to(new_case(site, cast), State.INSPECTION, cast)
    return list(AuditEvent.objects.order_by("sequence"))


def snapshot() -> tuple[list[tuple], tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sequence, action, actor_label, hash FROM {EVENTS} ORDER BY sequence"
        )
        events = cursor.fetchall()
        cursor.execute(f"SELECT id, sequence, hash FROM {HEAD}")
        head = tuple(cursor.fetchall())
    return events, head


def refused(statement: str, params: list | None = None) -> str:
    """Run ``statement``; it must fail with an IntegrityError. Returns the database's message."""
    with pytest.raises(IntegrityError) as error:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params or [])
    return str(error.value)


ATTEMPTS = {
    "update an event": (f"UPDATE {EVENTS} SET action = 'site.delete' WHERE sequence = 2", None),
    "update every event": (f"UPDATE {EVENTS} SET actor_label = 'someone else'", None),
    "re-hash an event": (f"UPDATE {EVENTS} SET hash = %s WHERE sequence = 3", ["e" * 64]),
    "renumber events": (f"UPDATE {EVENTS} SET sequence = sequence + 1000", None),
    "delete an event": (f"DELETE FROM {EVENTS} WHERE sequence = 2", None),
    "delete the last event": (
        f"DELETE FROM {EVENTS} WHERE sequence = (SELECT MAX(sequence) FROM {EVENTS})",
        None,
    ),
    "delete every event": (f"DELETE FROM {EVENTS}", None),
    "delete the head": (f"DELETE FROM {HEAD}", None),
    "move the head back": (f"UPDATE {HEAD} SET sequence = sequence - 1", None),
    "move the head onto a forged hash": (
        f"UPDATE {HEAD} SET sequence = sequence + 1, hash = %s",
        ["f" * 64],
    ),
    "reset the head": (f"UPDATE {HEAD} SET sequence = 0, hash = %s", ["0" * 64]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("what", sorted(ATTEMPTS))
def test_raw_sql_cannot_change_the_ledger(chain, what):
    before = snapshot()
    statement, params = ATTEMPTS[what]
    assert "append-only" in refused(statement, params)
    assert snapshot() == before
    assert audit_verify().ok


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
@pytest.mark.parametrize("table", [EVENTS, HEAD, f"{EVENTS}, {HEAD}"])
def test_truncate_is_refused_on_postgresql(chain, table):
    before = snapshot()
    assert "append-only" in refused(f"TRUNCATE {table}")
    assert snapshot() == before


@pytest.mark.django_db
def test_insert_still_works_and_the_chain_still_verifies(chain, office):
    with transaction.atomic():
        event = audit_record(actor=None, action="organization.update", obj=office)
    assert event.sequence == len(chain) + 1
    assert AuditHead.objects.get().sequence == event.sequence
    # A raw INSERT is not refused either (the chain shows a forged one: test_ledger.py).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EVENTS} (sequence, occurred_at, actor_label, action, object_type, "
            "object_id, previous_hash, hash) VALUES (%s, %s, '', 'x', 'x', '1', %s, %s)",
            [
                event.sequence + 1,
                connection.ops.adapt_datetimefield_value(event.occurred_at),
                event.hash,
                "a" * 64,
            ],
        )
    assert AuditEvent.objects.filter(sequence=event.sequence + 1, action="x").exists()


@pytest.mark.django_db
def test_dsg_audit_verify_passes_after_every_attempt_was_refused(chain):
    for statement, params in ATTEMPTS.values():
        refused(statement, params)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert f"audit chain OK: {len(chain)} events verified" in out.getvalue()


@pytest.mark.django_db
def test_the_unlock_holds_only_inside_its_block(chain):
    with ledger_unlocked(reason="test"), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET action = 'x' WHERE sequence = 2")
    assert not audit_verify().ok
    refused(f"UPDATE {EVENTS} SET action = 'y' WHERE sequence = 3")


@pytest.mark.django_db
def test_every_trigger_is_installed_on_the_migrated_database():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                "(%s::regclass, %s::regclass)",
                [EVENTS, HEAD],
            )
            assert len(cursor.fetchall()) == len(PG_URIS) == 5
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            names = {row[0] for row in cursor.fetchall()}
            assert {
                f"{EVENTS}_no_update",
                f"{EVENTS}_no_delete",
                f"{HEAD}_no_delete",
                f"{HEAD}_forward_only",
            } <= names


def test_the_migration_installs_the_sqlite_triggers_of_the_module():
    """The migration freezes its SQL; dsg.audit.triggers keeps the same for a later one."""
    migration = importlib.import_module("dsg.audit.migrations.0002_ledger_triggers")
    assert migration.SQLITE_INSTALL == SQLITE_INSTALL


# flush: the test suite's way between transactional tests, refused on a running portal --------
@pytest.mark.django_db
def test_flush_of_a_ledger_with_events_is_refused_outside_the_tests(chain, settings):
    settings.DSG_FLUSH_EMPTIES_LEDGER = False
    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == len(chain)
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_ledger_in_the_test_suite(site, cast):
    walk_to(new_case(site, cast), State.SUBMITTED, cast)
    assert AuditEvent.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists() and not AuditHead.objects.exists()
    with transaction.atomic():  # the chain starts again, and the triggers still hold
        audit_record(actor=None, action="site.update", obj=site)
    assert "append-only" in refused(f"DELETE FROM {EVENTS}")
    assert audit_verify().ok
