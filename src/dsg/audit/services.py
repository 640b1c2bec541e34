"""Appending to the ledger and verifying it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

from dsg.core.request_log import current_request_id

from .models import GENESIS_HASH, AuditEvent, AuditHead


def canonical_json(payload: dict[str, Any]) -> bytes:
    return _CANONICAL.encode(payload).encode()


def chain_hash(previous_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode() + canonical_json(payload)).hexdigest()


def _normalise(value: Any) -> Any:
    """Round-trip through JSON so the stored value hashes the same when read back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder), parse_float=_as_stored)


def _as_stored(literal: str) -> float | int:
    """A JSON number with a fraction or an exponent as both databases' JSON columns give it
    back: PostgreSQL's ``jsonb`` keeps numbers as ``numeric``, which writes a float of 10¹⁶ or
    more (Python's ``1e+16``) in full and has no negative zero. Written so before it is hashed,
    an event holding such a number verifies on PostgreSQL as on SQLite (it used to read back as
    another number there: a false alarm of a changed event)."""
    value = float(literal)
    if value == 0.0:
        return 0.0  # -0.0: numeric has no sign for zero
    if ("e" in literal or "E" in literal) and value.is_integer():
        return int(Decimal(literal))  # 1e+16: numeric writes it 10000000000000000
    return value


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    company_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain; must run inside the transaction of the change it records.

    ``before`` and ``after`` are normalised as they read back (``_normalise``), then written
    once as canonical JSON: that text is both what the hash covers and what the column stores
    (it decodes to the normalised value, which verify writes again as the same text). Before,
    a 500-line snapshot was encoded three times: the round trip, the hash, the column (#14)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the change's transaction")
    previous_sequence, previous_hash = _head_locked(connection)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    before, before_text = _encoded(before)
    after, after_text = _encoded(after)
    event = AuditEvent(
        sequence=previous_sequence + 1,
        occurred_at=timezone.now(),
        actor_id=actor.pk if is_person else None,
        actor_label=f"{actor.email}" if is_person else str(actor or "system"),
        organization_id=getattr(actor, "organization_id", None) if is_person else None,
        company_id=company_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        request_id=current_request_id(),
        previous_hash=previous_hash,
    )
    event.hash = hashlib.sha256(
        (previous_hash + _event_text(event, before_text, after_text)).encode()
    ).hexdigest()
    # The columns get the texts just written (JSONField would encode the values once more).
    event.before, event.after = _json_column(before_text), _json_column(after_text)
    event.save()
    event.before, event.after = before, after
    _head_move(connection, event.sequence, event.hash)
    return event


# The chain's head read under its lock and moved, as plain SQL: building the two ORM queries
# cost more than running them, three times a filing of an .xlsx form (#14).
_HEAD = AuditHead._meta.db_table


def _head_locked(connection: Any) -> tuple[int, str]:
    """The head's sequence and hash, its row locked until the transaction ends (created at the
    first event)."""
    table = connection.ops.quote_name(_HEAD)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sequence, hash FROM {table} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        head, _created = AuditHead.objects.select_for_update().get_or_create(id=1)
        return head.sequence, head.hash
    return int(row[0]), str(row[1])


def _head_move(connection: Any, sequence: int, hash_: str) -> None:
    table = connection.ops.quote_name(_HEAD)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET sequence = %s, hash = %s WHERE id = 1",  # noqa: S608
            [sequence, hash_],
        )


# json.dumps without sort_keys (a dict's keys of several types cannot be sorted): what
# _normalise encodes with, built once.
_PLAIN = DjangoJSONEncoder(ensure_ascii=False)


def _encoded(value: Any) -> tuple[Any, str | None]:
    """``_normalise(value)`` and its canonical JSON text (None for None)."""
    if value is None:
        return None, None
    normalised = json.loads(_PLAIN.encode(value), parse_float=_as_stored)
    return normalised, _json_text(normalised)


def _event_text(event: AuditEvent, before_text: str | None, after_text: str | None) -> str:
    """``canonical_json(event.canonical_payload())`` as text, ``before`` and ``after`` given
    as their canonical texts; any value not of its column's plain type goes the general way."""
    ints = (event.sequence, event.actor_id, event.organization_id, event.company_id)
    texts = (event.actor_label, event.action, event.object_type, event.object_id)
    if (
        all(type(v) is int or v is None for v in ints)
        and all(type(v) is str for v in texts)
        and (event.request_id is None or type(event.request_id) is str)
    ):
        return _canonical_of_texts(
            event.sequence,
            event.occurred_at.isoformat(),
            event.actor_id,
            event.actor_label,
            event.organization_id,
            event.company_id,
            event.action,
            event.object_type,
            event.object_id,
            "null" if before_text is None else before_text,
            "null" if after_text is None else after_text,
            event.request_id,
        )
    return canonical_json(event.canonical_payload()).decode()


class _JSONColumn(models.Expression):
    """A JSON column's value given as its JSON text (PostgreSQL: cast to jsonb)."""

    def __init__(self, text: str) -> None:
        super().__init__(output_field=models.JSONField())
        self.text = text

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str]]:
        return "%s", (self.text,)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str]]:
        return "%s::jsonb", (self.text,)


def _json_column(text: str | None) -> _JSONColumn | None:
    return None if text is None else _JSONColumn(text)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    sequence: int | None = None


@dataclass(frozen=True)
class _Stretch:
    """One stretch of the chain checked on its own: where it starts (its first event's sequence
    and stored previous hash), its first break inside, and where it ends."""

    first_sequence: int | None
    first_previous: str
    checked: int
    last_hash: str
    problem: str = ""
    sequence: int | None = None


# Built once: json.dumps builds an encoder on every call (a tenth of verifying an event).
_CANONICAL = DjangoJSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
# What _CANONICAL writes a string with (ensure_ascii=False: json's C function when there is one).
_string = json.encoder.encode_basestring


def _json_writer() -> Callable[[Any], str]:
    """_CANONICAL.encode without its per-call set-up: json's C encoder made once, with the
    arguments _CANONICAL.iterencode makes it with on every call — bar the check for circular
    references, which a value decoded from JSON cannot have."""
    make = json.encoder.c_make_encoder  # type: ignore[attr-defined]
    if make is None:  # a Python without json's C accelerator
        return _CANONICAL.encode
    encoder = make(None, _CANONICAL.default, _string, None, ":", ",", True, False, True)
    join = "".join

    def write(value: Any) -> str:
        return join(encoder(value, 0))

    return write


_json_text = _json_writer()

# The columns verify reads, in the order _canonical_text takes them; the hashes last.
_COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "organization_id",
    "company_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "request_id",
    "previous_hash",
    "hash",
)


def _canonical_of_texts(
    sequence: int,
    occurred_at: str,
    actor_id: int | None,
    actor_label: str,
    organization_id: int | None,
    company_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    before_text: str,
    after_text: str,
    request_id: str | None,
) -> str:
    """``canonical_json(event.canonical_payload())`` of an event's values, as text, written out:
    the top level's keys in their sorted order, its numbers and strings as _CANONICAL writes
    them, ``before`` and ``after`` given as their canonical texts ("null" for None). Raises
    TypeError for a value not of its column's type (``_canonical_text`` then goes the general
    way)."""
    return (
        f'{{"action":{_string(action)},'
        f'"actor_id":{"null" if actor_id is None else int.__repr__(actor_id)},'
        f'"actor_label":{_string(actor_label)},'
        f'"after":{after_text},'
        f'"before":{before_text},'
        f'"company_id":{"null" if company_id is None else int.__repr__(company_id)},'
        f'"object_id":{_string(object_id)},"object_type":{_string(object_type)},'
        f'"occurred_at":{_string(occurred_at)},'
        f'"organization_id":'
        f"{'null' if organization_id is None else int.__repr__(organization_id)},"
        + ("" if request_id is None else f'"request_id":{_string(request_id)},')
        + f'"sequence":{int.__repr__(sequence)}}}'
    )


def _canonical_text(
    sequence: int,
    occurred_at: str,
    actor_id: int | None,
    actor_label: str,
    organization_id: int | None,
    company_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    request_id: str | None,
) -> str:
    """``canonical_json(event.canonical_payload())`` of an event's values, as text: the top
    level written out (``_canonical_of_texts``), ``before`` and ``after`` by _CANONICAL itself.
    The same bytes (tests/audit: every event of a walk, payloads drawn by hypothesis, and
    digests fixed before this existed); it spares verify building and sorting a dict per event
    (#14). A value not of its column's type (a row changed in the database: SQLite keeps a text
    in an integer column) is written by _CANONICAL like any other, so that the event is
    reported as changed."""
    try:
        return _canonical_of_texts(
            sequence,
            occurred_at,
            actor_id,
            actor_label,
            organization_id,
            company_id,
            action,
            object_type,
            object_id,
            "null" if before is None else _json_text(before),
            "null" if after is None else _json_text(after),
            request_id,
        )
    except TypeError:
        return _canonical_general(
            sequence,
            occurred_at,
            actor_id,
            actor_label,
            organization_id,
            company_id,
            action,
            object_type,
            object_id,
            before,
            after,
            request_id,
        )


def _canonical_general(
    sequence: Any,
    occurred_at: Any,
    actor_id: Any,
    actor_label: Any,
    organization_id: Any,
    company_id: Any,
    action: Any,
    object_type: Any,
    object_id: Any,
    before: Any,
    after: Any,
    request_id: Any,
) -> str:
    """What _CANONICAL writes of the payload dict of these values, whatever their types."""
    payload = {
        "sequence": sequence,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "organization_id": organization_id,
        "company_id": company_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
    }
    if request_id is not None:
        payload["request_id"] = request_id
    return str(_CANONICAL.encode(payload))


def _readers(connection: Any) -> tuple[Callable[[Any], str], Callable[[Any], Any]]:
    """How verify turns the database's values of a row into what the event's model gives
    ``canonical_payload``: ``occurred_at`` as its ISO text and ``before``/``after`` (not NULL)
    decoded — by Django's own converters of those fields, except for the common cases taken
    directly: a UTC time as SQLite stores it (its text, which Django's converter would parse
    and make aware in UTC: the ISO text is that text with a T and the offset) or as the driver
    gives it (PostgreSQL: aware), and a JSON text as json reads it."""
    meta = AuditEvent._meta
    time_field, json_field = meta.get_field("occurred_at"), meta.get_field("after")
    time_column = time_field.get_col(meta.db_table)
    converters = connection.ops.get_db_converters(time_column) + time_column.get_db_converters(
        connection
    )
    utc = settings.USE_TZ and connection.timezone_name == "UTC"
    postgresql = connection.vendor == "postgresql"

    def occurred_at(value: Any) -> str:
        if type(value) is str:
            size = len(value)
            if postgresql:
                # PostgreSQL's text of a timestamptz in UTC with DateStyle ISO (_time_as_text):
                # "YYYY-MM-DD HH:MM:SS", the microseconds unless 0 without their trailing
                # zeros, "+00" — what the driver would parse into the datetime the model holds
                # (aware, in UTC); any other text as Python reads it, or as it is.
                if value[-3:] == "+00" and value[10:11] == " ":
                    if size == 22:
                        return f"{value[:10]}T{value[11:19]}+00:00"
                    if 24 <= size <= 29 and value[19] == "." and value[20:-3].isdigit():
                        return f"{value[:10]}T{value[11:19]}.{value[20:-3].ljust(6, '0')}+00:00"
                try:
                    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).isoformat()
                except ValueError:
                    return value
            # What SQLite holds of an aware time: str() of it in UTC, naive ("YYYY-MM-DD
            # HH:MM:SS" and, unless they are 0, ".ffffff" microseconds), as Django writes it.
            # Any other text is parsed by Django's converter; a malformed one, which that
            # converter would refuse, is read as it is and no longer matches its hash.
            if (
                utc
                and value[10:11] == " "
                and (size == 19 or (size == 26 and value[19] == "." and value[20:] != "000000"))
            ):
                return f"{value[:10]}T{value[11:]}+00:00"
        elif type(value) is dt.datetime:
            if value.tzinfo is None:
                if utc:
                    return value.isoformat() + "+00:00"
            elif value.utcoffset() == _ZERO:
                return value.isoformat()
        for convert in converters:
            value = convert(value, time_column, connection)
        return str(value.isoformat())

    from_db_value, json_column = json_field.from_db_value, json_field.get_col(meta.db_table)
    # JSONField.from_db_value of a text, the field having no decoder of its own: json.loads,
    # and the text itself when it is not JSON. A stored text is one JSON value with no space
    # around it, which json's raw_decode reads without decode's two searches for white space;
    # any other text goes the whole way.
    decoder = json.JSONDecoder() if json_field.decoder is None else None

    def decoded(value: Any) -> Any:
        if decoder is None or type(value) is not str:
            return from_db_value(value, json_column, connection)
        try:
            result, end = decoder.raw_decode(value)
        except json.JSONDecodeError:
            end = -1
        if end == len(value):
            return result
        try:
            return decoder.decode(value)
        except json.JSONDecodeError:
            return value

    return occurred_at, decoded


_ZERO = dt.timedelta(0)


def _time_as_text(connection: Any) -> bool:
    """Whether verify reads ``occurred_at`` as the database's text of it (_readers): SQLite's
    stored text, or PostgreSQL's in UTC with DateStyle ISO — parsing it into a datetime (psycopg)
    and writing it back with ``isoformat`` was near a third of an event's time there (#14)."""
    if connection.vendor == "sqlite":
        return True
    if connection.vendor != "postgresql" or not settings.USE_TZ:  # naive times: not in UTC
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('DateStyle'), current_setting('TimeZone')")
        style, zone = cursor.fetchone()
    return bool(style.startswith("ISO") and zone == "UTC")


def _verify_stretch(bounds: tuple[int | None, int | None], batch_size: int = 2000) -> _Stretch:
    """Recompute the hashes of the events with low <= sequence < high (None: unbounded), each
    against the stored previous hash of its row, and check the links inside the stretch. An
    event's hash depends only on its row and the hash before it, so stretches are independent;
    the links between them are checked by `audit_verify`."""
    low, high = bounds
    rows = AuditEvent.objects.order_by("sequence")
    if low is not None:
        rows = rows.filter(sequence__gte=low)
    if high is not None:
        rows = rows.filter(sequence__lt=high)
    # The rows as the database cursor gives them, not through the ORM's iteration: its
    # converters per value (the time parsed and made aware, the JSON decoded through the
    # field) and a tuple built per row were half of verifying an event (bench/ledger.py, #14).
    # Read through the cursor Django streams a query with (server-side on PostgreSQL).
    connection = connections[rows.db]
    columns: list[Any] = list(_COLUMNS)
    if _time_as_text(connection):
        # The time as the database's text, not parsed by the driver into a datetime only to be
        # written back as text (_readers).
        columns[1] = Cast("occurred_at", models.TextField())
    sql, params = rows.values_list(*columns).query.sql_with_params()
    occurred_at, decoded = _readers(connection)
    text, json_text, sha256 = _canonical_of_texts, _json_text, hashlib.sha256
    first_sequence: int | None = None
    first_previous = expected_previous = ""
    expected_sequence, checked = 0, 0

    def stretch(problem: str = "", sequence: int | None = None) -> _Stretch:
        return _Stretch(
            first_sequence, first_previous, checked, expected_previous, problem, sequence
        )

    # On PostgreSQL inside a transaction: outside one, Django declares the server-side cursor
    # WITH HOLD, and the server copies the whole result before the first row is sent (0.25 s
    # of 125,137 events; bench, #14). Not on SQLite, where a transaction would lock out writers.
    held = transaction.atomic(using=rows.db) if connection.vendor == "postgresql" else nullcontext()
    with held, connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(batch_size):
            for (
                sequence,
                at,
                actor_id,
                actor_label,
                organization_id,
                company_id,
                action,
                object_type,
                object_id,
                before,
                after,
                request_id,
                previous_hash,
                hash_,
            ) in batch:
                if first_sequence is None:
                    first_sequence, first_previous = sequence, previous_hash
                    expected_sequence, expected_previous = first_sequence, first_previous
                if sequence != expected_sequence:
                    return stretch(
                        f"sequence gap: expected #{expected_sequence}, "
                        f"found #{sequence} (an event was deleted or inserted)",
                        expected_sequence,
                    )
                if previous_hash != expected_previous:
                    return stretch(
                        "previous hash does not match the event before "
                        "(an event was deleted, inserted or reordered)",
                        sequence,
                    )
                # chain_hash of the event's canonical_payload: the same bytes.
                at = occurred_at(at)
                before = None if before is None else decoded(before)
                after = None if after is None else decoded(after)
                try:
                    payload = text(
                        sequence,
                        at,
                        actor_id,
                        actor_label,
                        organization_id,
                        company_id,
                        action,
                        object_type,
                        object_id,
                        "null" if before is None else json_text(before),
                        "null" if after is None else json_text(after),
                        request_id,
                    )
                except TypeError:  # a value not of its column's type: written the general way
                    payload = _canonical_text(
                        sequence,
                        at,
                        actor_id,
                        actor_label,
                        organization_id,
                        company_id,
                        action,
                        object_type,
                        object_id,
                        before,
                        after,
                        request_id,
                    )
                if sha256((previous_hash + payload).encode()).hexdigest() != hash_:
                    return stretch(
                        "content does not match its hash (the event was changed)", sequence
                    )
                expected_previous, expected_sequence = hash_, expected_sequence + 1
                checked += 1
    return stretch()


def _stretches(size: int) -> list[tuple[int | None, int | None]]:
    """The chain cut into sequence ranges of ``size``; the first and last are open-ended, so an
    event outside the stored range is still read."""
    span = AuditEvent.objects.aggregate(low=models.Min("sequence"), high=models.Max("sequence"))
    low, high = span["low"], span["high"]
    if low is None or high - low < size:
        return [(None, None)]
    cuts = list(range(low + size, high + 1, size))
    return list(zip([None, *cuts], [*cuts, None], strict=True))


def audit_verify(
    *, batch_size: int = 2000, workers: int = 1, stretch: int | None = None
) -> VerifyResult:
    """Walk the chain in sequence order and recompute every hash; the first break is reported.

    With ``stretch`` the chain is checked in sequence ranges of that many events, on ``workers``
    processes when more than one (not inside a transaction: the workers read the database
    through their own connections, so they would not see its changes — then in this process),
    and the ranges are joined here: each one must start at the sequence and the previous hash
    the one before it ended with. The first break in sequence order is reported either way."""
    bounds = _stretches(stretch) if stretch else [(None, None)]
    check = partial(_verify_stretch, batch_size=batch_size)
    if workers > 1 and len(bounds) > 1 and not transaction.get_connection().in_atomic_block:
        # Forked, so the workers inherit the settings (the test database's name too); the
        # connection is closed first so that none is shared with them.
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = list(pool.map(check, bounds))
    else:
        results = [check(b) for b in bounds]
    expected_previous, expected_sequence, checked = GENESIS_HASH, 1, 0
    for part in results:
        if part.first_sequence is None:  # nothing stored in this range
            continue
        if part.first_sequence != expected_sequence:
            return VerifyResult(
                False,
                checked,
                f"sequence gap: expected #{expected_sequence}, "
                f"found #{part.first_sequence} (an event was deleted or inserted)",
                expected_sequence,
            )
        if part.first_previous != expected_previous:
            return VerifyResult(
                False,
                checked,
                "previous hash does not match the event before "
                "(an event was deleted, inserted or reordered)",
                part.first_sequence,
            )
        if part.problem:
            return VerifyResult(False, checked + part.checked, part.problem, part.sequence)
        checked += part.checked
        expected_previous, expected_sequence = part.last_hash, expected_sequence + part.checked
    head = AuditHead.objects.filter(id=1).first()
    head_sequence, head_hash = (head.sequence, head.hash) if head else (0, GENESIS_HASH)
    if (head_sequence, head_hash) != (checked, expected_previous):
        return VerifyResult(
            False,
            checked,
            f"the chain ends at #{checked} but its head records "
            f"#{head_sequence} (events at the end were deleted or added)",
            checked + 1,
        )
    return VerifyResult(True, checked)
