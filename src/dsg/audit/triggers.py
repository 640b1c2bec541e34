"""The database itself refuses to edit the ledger in place, on PostgreSQL and on SQLite.

Events (``audit_auditevent``) are never updated, deleted or truncated; the chain's head
(``audit_audithead``) is never deleted or truncated and moves only forward, one event at a time,
onto an event that exists with that hash — which is exactly what ``audit_record`` does. Every
refusal is an ``IntegrityError`` ("the audit ledger is append-only …"); INSERT is untouched.

- PostgreSQL: django-pgtrigger triggers declared in the models' ``Meta.triggers`` and installed by
  the migrations (``pgtrigger.migrations.AddTrigger``).
- SQLite: ``CREATE TRIGGER … BEFORE UPDATE/DELETE … RAISE(ABORT, …)`` from migration 0002. SQLite
  drops a table's triggers when a migration rebuilds the table; the tests check them on the
  migrated database, so such a migration must run ``SQLITE_INSTALL`` again.

The one way through is ``ledger_unlocked()``, for Django's ``flush`` (it empties the whole
database: the test suite between transactional tests) and for the tests that play an attacker
who has dropped the triggers. On PostgreSQL it is pgtrigger's transaction-local ignore; on SQLite
a row in ``audit_ledger_unlock`` written and removed inside the same transaction, so that no
other connection ever sees it. Whoever can write SQL as the table's owner can also drop a
trigger: against that the hash chain and the signed checkpoints kept outside the database hold.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pgtrigger
from django.db import connections, transaction

EVENT_TABLE = "audit_auditevent"
HEAD_TABLE = "audit_audithead"
UNLOCK_TABLE = "audit_ledger_unlock"

_REFUSE = (
    "RAISE EXCEPTION 'the audit ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME "
    "USING ERRCODE = 'integrity_constraint_violation';"
)

EVENT_TRIGGERS = [
    pgtrigger.Trigger(
        name="ledger_no_update_delete",
        when=pgtrigger.Before,
        operation=pgtrigger.Update | pgtrigger.Delete,
        func=_REFUSE + " RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="ledger_no_truncate",
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        func=_REFUSE + " RETURN NULL;",
    ),
]

HEAD_TRIGGERS = [
    pgtrigger.Trigger(
        name="head_forward_only",
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        func=(
            "IF NEW.id <> OLD.id OR NEW.sequence <> OLD.sequence + 1 OR NOT EXISTS ("
            f"SELECT 1 FROM {EVENT_TABLE} WHERE sequence = NEW.sequence AND hash = NEW.hash) "
            "THEN RAISE EXCEPTION 'the audit ledger is append-only: its head moves only to the "
            "next event' USING ERRCODE = 'integrity_constraint_violation'; END IF; RETURN NEW;"
        ),
    ),
    pgtrigger.Trigger(
        name="head_no_delete",
        when=pgtrigger.Before,
        operation=pgtrigger.Delete,
        func=_REFUSE + " RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="head_no_truncate",
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        func=_REFUSE + " RETURN NULL;",
    ),
]

PG_URIS = [f"audit.AuditEvent:{t.name}" for t in EVENT_TRIGGERS] + [
    f"audit.AuditHead:{t.name}" for t in HEAD_TRIGGERS
]

_UNLOCKED = f"EXISTS (SELECT 1 FROM {UNLOCK_TABLE})"
_SQLITE_REFUSE = "SELECT RAISE(ABORT, 'the audit ledger is append-only: {op} on {table} refused')"

SQLITE_INSTALL = [
    f"CREATE TABLE IF NOT EXISTS {UNLOCK_TABLE} (reason TEXT NOT NULL)",
    *(
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"WHEN NOT {_UNLOCKED} BEGIN {_SQLITE_REFUSE.format(op=op, table=table)}; END"
        for table, op in ((EVENT_TABLE, "UPDATE"), (EVENT_TABLE, "DELETE"), (HEAD_TABLE, "DELETE"))
    ),
    f"CREATE TRIGGER IF NOT EXISTS {HEAD_TABLE}_forward_only BEFORE UPDATE ON {HEAD_TABLE} "
    f"WHEN NOT {_UNLOCKED} AND (NEW.id <> OLD.id OR NEW.sequence <> OLD.sequence + 1 OR NOT EXISTS "
    f"(SELECT 1 FROM {EVENT_TABLE} WHERE sequence = NEW.sequence AND hash = NEW.hash)) "
    "BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only: its head moves only to the next "
    "event'); END",
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {EVENT_TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {EVENT_TABLE}_no_delete",
    f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_no_delete",
    f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_forward_only",
    f"DROP TABLE IF EXISTS {UNLOCK_TABLE}",
]


@contextlib.contextmanager
def ledger_unlocked(*, reason: str, using: str = "default") -> Iterator[None]:
    """Let UPDATE, DELETE and TRUNCATE through for the block, in this transaction only."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with pgtrigger.ignore(*PG_URIS, databases=[using]):
                yield
        elif connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {UNLOCK_TABLE} (reason) VALUES (%s)", [reason])
            yield
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")
        else:
            yield
