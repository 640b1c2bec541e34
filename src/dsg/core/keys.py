"""Symmetric keys kept in ``DSG_DATA_DIR/keys/``: created once, mode 0600, race-safe.

One mechanism for every AES-256-GCM key of the portal (documents, account information): the
first process to need a key writes it to a temporary file and links it into place; a process
that loses the race reads the winner's key. Keys are base64 text and cached per path.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .private_files import private_file_write

_CACHE: dict[str, bytes] = {}


def key_file(name: str) -> Path:
    return Path(settings.DATA_DIR) / "keys" / name


def data_key(name: str) -> bytes:
    """The 32-byte key in ``keys/<name>``, generated on first use."""
    path = key_file(name)
    cached = _CACHE.get(str(path))
    if cached is None:
        cached = _CACHE[str(path)] = _load_or_create(path)
    return cached


def _load_or_create(path: Path) -> bytes:
    if not path.exists():
        # 0600 in a 0700 directory from the first byte; a process that loses the race reads
        # the winner's key.
        private_file_write(path, base64.b64encode(AESGCM.generate_key(bit_length=256)) + b"\n")
    key = base64.b64decode(path.read_bytes().strip())
    if len(key) != 32:
        raise ImproperlyConfigured(f"{path} does not hold a 32-byte key")
    return key
