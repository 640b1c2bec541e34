"""Appending to the ledger and verifying it."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.utils import timezone

from dsg.core.request_log import current_request_id

from .models import GENESIS_HASH, AuditEvent, AuditHead


def canonical_json(payload: dict[str, Any]) -> bytes:
    return _CANONICAL.encode(payload).encode()


def chain_hash(previous_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode() + canonical_json(payload)).hexdigest()


def _normalise(value: Any) -> Any:
    """Round-trip through JSON so the stored value hashes the same when read back."""
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    company_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain; must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the change's transaction")
    head, _created = AuditHead.objects.select_for_update().get_or_create(id=1)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=timezone.now(),
        actor_id=actor.pk if is_person else None,
        actor_label=f"{actor.email}" if is_person else str(actor or "system"),
        organization_id=getattr(actor, "organization_id", None) if is_person else None,
        company_id=company_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=_normalise(before),
        after=_normalise(after),
        request_id=current_request_id(),
        previous_hash=head.hash,
    )
    event.hash = chain_hash(head.hash, event.canonical_payload())
    event.save()
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


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


def _verify_stretch(bounds: tuple[int | None, int | None], batch_size: int = 2000) -> _Stretch:
    """Recompute the hashes of the events with low <= sequence < high (None: unbounded), each
    against the stored previous hash of its row, and check the links inside the stretch. An
    event's hash depends only on its row and the hash before it, so stretches are independent;
    the links between them are checked by `audit_verify`."""
    low, high = bounds
    # Rows as named tuples of every column, not model instances: building a model per event was
    # a third of the time (bench/ledger.py). canonical_payload reads only the attributes, so the
    # hash is computed by the one definition the append uses.
    columns = [field.attname for field in AuditEvent._meta.concrete_fields]
    rows = AuditEvent.objects.order_by("sequence")
    if low is not None:
        rows = rows.filter(sequence__gte=low)
    if high is not None:
        rows = rows.filter(sequence__lt=high)
    payload_of, encode, sha256 = AuditEvent.canonical_payload, _CANONICAL.encode, hashlib.sha256
    first_sequence: int | None = None
    first_previous = expected_previous = ""
    expected_sequence, checked = 0, 0

    def stretch(problem: str = "", sequence: int | None = None) -> _Stretch:
        return _Stretch(
            first_sequence, first_previous, checked, expected_previous, problem, sequence
        )

    for event in rows.values_list(*columns, named=True).iterator(chunk_size=batch_size):
        if first_sequence is None:
            first_sequence, first_previous = event.sequence, event.previous_hash
            expected_sequence, expected_previous = first_sequence, first_previous
        if event.sequence != expected_sequence:
            return stretch(
                f"sequence gap: expected #{expected_sequence}, "
                f"found #{event.sequence} (an event was deleted or inserted)",
                expected_sequence,
            )
        if event.previous_hash != expected_previous:
            return stretch(
                "previous hash does not match the event before "
                "(an event was deleted, inserted or reordered)",
                event.sequence,
            )
        # chain_hash, inlined: the same bytes (previous hash + canonical JSON of the payload).
        digest = sha256(event.previous_hash.encode() + encode(payload_of(event)).encode())
        if digest.hexdigest() != event.hash:  # a row as the model
            return stretch(
                "content does not match its hash (the event was changed)", event.sequence
            )
        expected_previous, expected_sequence = event.hash, expected_sequence + 1
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
