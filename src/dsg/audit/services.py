"""Appending to the ledger and verifying it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from dsg.core.request_log import current_request_id

from .models import GENESIS_HASH, AuditEvent, AuditHead


def canonical_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


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


def audit_verify(*, batch_size: int = 2000) -> VerifyResult:
    """Walk the chain in sequence order and recompute every hash; the first break is reported."""
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    # Rows as named tuples of every column, not model instances: building a model per event was
    # a third of the time (bench/ledger.py). canonical_payload reads only the attributes, so the
    # hash is computed by the one definition the append uses.
    columns = [field.attname for field in AuditEvent._meta.concrete_fields]
    events = (
        AuditEvent.objects.order_by("sequence")
        .values_list(*columns, named=True)
        .iterator(chunk_size=batch_size)
    )
    payload_of = AuditEvent.canonical_payload
    for event in events:
        if event.sequence != expected_sequence:
            return VerifyResult(
                False,
                checked,
                f"sequence gap: expected #{expected_sequence}, "
                f"found #{event.sequence} (an event was deleted or inserted)",
                expected_sequence,
            )
        if event.previous_hash != expected_previous:
            return VerifyResult(
                False,
                checked,
                "previous hash does not match the event before "
                "(an event was deleted, inserted or reordered)",
                event.sequence,
            )
        if chain_hash(event.previous_hash, payload_of(event)) != event.hash:  # a row as the model
            return VerifyResult(
                False,
                checked,
                "content does not match its hash (the event was changed)",
                event.sequence,
            )
        expected_previous, expected_sequence = event.hash, expected_sequence + 1
        checked += 1
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
