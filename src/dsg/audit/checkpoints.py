"""Signed checkpoints of the chain's head, kept outside the database.

The hash chain shows a changed, deleted or inserted event, but someone able to rewrite the whole
table could recompute every hash. A checkpoint — the head's sequence and hash, signed with the
portal's Ed25519 key and appended to a file in DSG_DATA_DIR (copy it elsewhere too) — pins the
chain: a rewrite no longer matches the hashes the checkpoints recorded.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.utils import timezone

from dsg.core.private_files import private_append, private_file_write

from .models import AuditEvent, AuditHead


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "keys" / "audit-ed25519.pem"


def checkpoint_path() -> Path:
    return Path(settings.DATA_DIR) / "audit" / "checkpoints.jsonl"


def _private_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        private_file_write(path, pem)  # 0600 from the start; a racing first run's key wins
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _message(sequence: int, hash_: str, at: str) -> bytes:
    return f"dsg-audit-checkpoint|{sequence}|{hash_}|{at}".encode()


def checkpoint_write() -> dict[str, object]:
    """Sign the current head and append it to the checkpoint file."""
    head = AuditHead.objects.filter(id=1).first()
    sequence, hash_ = (head.sequence, head.hash) if head else (0, "0" * 64)
    at = timezone.now().isoformat()
    signature = _private_key().sign(_message(sequence, hash_, at))
    entry = {
        "sequence": sequence,
        "hash": hash_,
        "at": at,
        "signature": base64.b64encode(signature).decode(),
    }
    private_append(checkpoint_path(), json.dumps(entry, sort_keys=True) + "\n")
    return entry


@dataclass(frozen=True)
class CheckpointProblem:
    line: int
    sequence: int | None
    problem: str


def checkpoints_verify() -> tuple[int, CheckpointProblem | None]:
    """Check every checkpoint's signature and that the chain still has the hash it pinned."""
    path = checkpoint_path()
    if not path.exists():
        return 0, None
    public_key = _private_key().public_key()
    checked = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            entry = json.loads(line)
            public_key.verify(
                base64.b64decode(entry["signature"]),
                _message(entry["sequence"], entry["hash"], entry["at"]),
            )
        except (ValueError, KeyError, InvalidSignature):
            return checked, CheckpointProblem(number, None, "checkpoint signature is not valid")
        if entry["sequence"] > 0:
            stored = (
                AuditEvent.objects.filter(sequence=entry["sequence"])
                .values_list("hash", flat=True)
                .first()
            )
            if stored != entry["hash"]:
                return checked, CheckpointProblem(
                    number,
                    entry["sequence"],
                    "the chain no longer has the hash this checkpoint signed (it was rewritten)",
                )
        checked += 1
    return checked, None
