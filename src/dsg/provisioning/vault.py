"""Encryption of account information at rest: AES-256-GCM with a key in DSG_DATA_DIR/keys/.

The key file ``keys/accounts.key`` (32 random bytes, mode 0600) is created on first use. Each
secret is sealed with a fresh 96-bit nonce and bound to its row by the associated data, so a
ciphertext copied to another row does not open.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

KEY_FILE = "accounts.key"
NONCE_BYTES = 12


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "keys" / KEY_FILE


def _key() -> bytes:
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(AESGCM.generate_key(bit_length=256))
    key = path.read_bytes()
    if len(key) != 32:
        raise RuntimeError(f"{path} does not hold a 256-bit key")
    return key


def seal(values: dict[str, str], *, context: str) -> bytes:
    """``values`` as JSON, encrypted: nonce ‖ ciphertext ‖ tag."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plaintext = json.dumps(values, ensure_ascii=False).encode()
    return nonce + AESGCM(_key()).encrypt(nonce, plaintext, context.encode())


def unseal(blob: bytes, *, context: str) -> dict[str, str]:
    """The values sealed by ``seal``; raises ``cryptography.exceptions.InvalidTag`` if altered."""
    blob = bytes(blob)
    nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    return json.loads(AESGCM(_key()).decrypt(nonce, ciphertext, context.encode()))
