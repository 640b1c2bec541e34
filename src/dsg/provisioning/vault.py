"""Encryption of account information at rest: AES-256-GCM with a key in DSG_DATA_DIR/keys/.

The key file ``keys/accounts.key`` is created on first use (``dsg.core.keys``). Each
secret is sealed with a fresh 96-bit nonce and bound to its row by the associated data, so a
ciphertext copied to another row does not open.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dsg.core.keys import data_key, key_file

KEY_FILE = "accounts.key"
NONCE_BYTES = 12


def key_path() -> Path:
    return key_file(KEY_FILE)


def _key() -> bytes:
    return data_key(KEY_FILE)


def seal(values: dict[str, str], *, context: str) -> bytes:
    """``values`` as JSON, encrypted: nonce ‖ ciphertext ‖ tag."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plaintext = json.dumps(values, ensure_ascii=False).encode()
    return nonce + AESGCM(_key()).encrypt(nonce, plaintext, context.encode())


def unseal(blob: bytes | memoryview, *, context: str) -> dict[str, str]:
    """The values sealed by ``seal``; raises ``cryptography.exceptions.InvalidTag`` if altered.
    ``blob`` as a BinaryField reads it: bytes, or a memoryview on PostgreSQL."""
    blob = bytes(blob)
    nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    return json.loads(AESGCM(_key()).decrypt(nonce, ciphertext, context.encode()))
