"""Grow a generated installation's ledger (bench/generate.py) to the issue's scale for
bench/ledger.py (#14: `dsg audit verify` at 500,000 events), on SQLite or PostgreSQL.

    DSG_DATA_DIR=/tmp/verify-data python bench/ledger_grow.py --events 500000
    DSG_DATA_DIR=/tmp/verify-pg DATABASE_URL=postgres://… \
        python bench/ledger_grow.py --events 125137 --copy-from /tmp/verify-data/dsg.sqlite3

Growing: the stored events are taken again in sequence order, each appended as a new event
(the same actor, company, action, object, ``before``/``after`` and request id; its time the
template's moved past the last event's, so the times keep their mix of whole seconds and
microseconds) and chained as ``audit_record`` chains one — ``chain_hash`` of the event's
``canonical_payload`` over the hash before it — then written in bulk. The head moves to the last
event once at the end, through ``ledger_unlocked`` (the database lets it move one event at a
time otherwise). ``dsg audit verify`` must hold on the result: run it.

Copying (``--copy-from`` an SQLite file of the portal, for the same ledger on PostgreSQL): the
events after the ledger's head up to ``--events`` copied as they are stored, hashes included
(PostgreSQL's COPY), then the head moved to the last one as above.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "dsg.settings"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from dsg.audit.models import AuditEvent, AuditHead  # noqa: E402
from dsg.audit.services import chain_hash  # noqa: E402
from dsg.audit.triggers import ledger_unlocked  # noqa: E402

# Every column of the ledger's table, copied as it is (the hashes with the rest).
COPIED = tuple(field.column for field in AuditEvent._meta.concrete_fields)
BATCH = 5000


def _move_head(sequence: int, hash_: str) -> None:
    with ledger_unlocked(reason="bench/ledger_grow.py: the ledger grown in bulk"):
        AuditHead.objects.update_or_create(id=1, defaults={"sequence": sequence, "hash": hash_})


def grow(target: int) -> int:
    head = AuditHead.objects.get(id=1)
    stored = head.sequence
    if not stored or stored >= target:
        return 0
    first = AuditEvent.objects.order_by("sequence").values_list("occurred_at", flat=True)[0]
    last = AuditEvent.objects.get(sequence=stored).occurred_at
    step = last - first + dt.timedelta(seconds=1)  # one pass over the templates moves time by it
    sequence, previous = stored, head.hash
    added = 0
    while sequence < target:
        moved = step * (sequence // stored)  # the templates' times moved past the last pass
        templates = AuditEvent.objects.filter(
            sequence__gt=sequence % stored, sequence__lte=stored
        ).order_by("sequence")
        batch: list[AuditEvent] = []
        for template in templates.iterator(chunk_size=BATCH):
            if sequence >= target:
                break
            sequence += 1
            event = AuditEvent(
                sequence=sequence,
                occurred_at=template.occurred_at + moved,
                actor_id=template.actor_id,
                actor_label=template.actor_label,
                organization_id=template.organization_id,
                company_id=template.company_id,
                action=template.action,
                object_type=template.object_type,
                object_id=template.object_id,
                before=template.before,
                after=template.after,
                request_id=template.request_id,
                previous_hash=previous,
            )
            event.hash = previous = chain_hash(previous, event.canonical_payload())
            batch.append(event)
            if len(batch) == BATCH:
                _write(batch)
                added += len(batch)
                batch = []
                print(f"\r  {sequence:,} / {target:,}", end="", file=sys.stderr, flush=True)
        if batch:
            _write(batch)
            added += len(batch)
        # the next pass starts again at the first template
    _move_head(sequence, previous)
    print(file=sys.stderr)
    return added


def _write(batch: list[AuditEvent]) -> None:
    with transaction.atomic():
        AuditEvent.objects.bulk_create(batch, batch_size=1000)


def copy_from(path: str, target: int) -> int:
    """The events of an SQLite ledger after this one's head, up to ``target``, as stored."""
    if connection.vendor != "postgresql":
        sys.exit("--copy-from copies into PostgreSQL (DATABASE_URL)")
    head = AuditHead.objects.filter(id=1).first()
    stored = head.sequence if head else 0
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = source.execute(
        f"SELECT {', '.join(COPIED)} FROM audit_auditevent "  # noqa: S608
        "WHERE sequence > ? AND sequence <= ? ORDER BY sequence",
        (stored, target),
    )
    copied, last = 0, None
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY
        with raw.copy(f"COPY audit_auditevent ({', '.join(COPIED)}) FROM STDIN") as copy:
            for row in rows:
                values = list(row)
                values[2] = f"{values[2]}+00"  # SQLite's text of the time is UTC
                copy.write_row(values)
                copied += 1
                last = row
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), "
            "(SELECT max(id) FROM audit_auditevent))"
        )
    if last is not None:
        _move_head(last[1], last[-1])
    return copied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--copy-from", metavar="SQLITE_FILE")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.copy_from:
        done, verb = copy_from(args.copy_from, args.events), "copied"
    else:
        done, verb = grow(args.events), "added"
    total = AuditEvent.objects.count()
    print(f"{verb} {done:,} events in {time.perf_counter() - started:.1f} s: {total:,} in all")


if __name__ == "__main__":
    main()
