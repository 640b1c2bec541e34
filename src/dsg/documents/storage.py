"""Encryption at rest: AES-256-GCM, one nonce per file, the record bound in as associated data.

The key comes from ``DSG_DOCUMENT_KEY`` (base64 of 32 bytes) or is generated once into
``DSG_DATA_DIR/keys/documents.key`` (mode 0600). Files are written and read only through the
Django storage ``STORAGES["documents"]`` (``dsg.core.storage``): by default
``DSG_DATA_DIR/documents/<key>``, written atomically with mode 0600; or an S3-compatible bucket.
A file written inside a transaction that rolls back is removed again, so a refused or failed
upload leaves nothing behind.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction

from dsg.core.keys import data_key, key_file

log = logging.getLogger(__name__)

KEY_ENV = "DSG_DOCUMENT_KEY"
MAGIC = b"DSGD1"  # format marker and version of a stored file
NONCE_BYTES = 12


class IntegrityFailure(Exception):
    """The bytes on disk do not decrypt for this record, or do not match its SHA-256."""


def documents_dir() -> Path:
    """Where the local storage keeps the files (``DSG_DOCUMENT_STORAGE=local``)."""
    return Path(settings.DATA_DIR) / "documents"


def file_storage() -> Storage:
    """The storage of the documents' files: ``STORAGES["documents"]``."""
    return storages["documents"]


KEY_FILE = "documents.key"


def key_path() -> Path:
    return key_file(KEY_FILE)


def document_key() -> bytes:
    """The 32-byte key: from the environment, or the one generated into the data directory."""
    configured = os.environ.get(KEY_ENV, "").strip()
    if configured:
        try:
            key = base64.b64decode(configured, validate=True)
        except ValueError as error:
            raise ImproperlyConfigured(f"{KEY_ENV} is not valid base64") from error
        if len(key) != 32:
            raise ImproperlyConfigured(f"{KEY_ENV} must be the base64 of 32 bytes")
        return key
    return data_key(KEY_FILE)


def new_storage_key() -> str:
    return secrets.token_hex(20)


def _aad(storage_key: str, sha256: str, purpose: str = "file") -> bytes:
    return f"dsg-document:{purpose}:{storage_key}:{sha256}".encode()


def encrypt(data: bytes, *, storage_key: str, sha256: str, purpose: str = "file") -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(document_key()).encrypt(nonce, data, _aad(storage_key, sha256, purpose))
    return MAGIC + nonce + sealed


def decrypt(blob: bytes, *, storage_key: str, sha256: str, purpose: str = "file") -> bytes:
    from cryptography.exceptions import InvalidTag

    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise IntegrityFailure("not a stored document")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(document_key()).decrypt(
            nonce, blob[len(MAGIC) + NONCE_BYTES :], _aad(storage_key, sha256, purpose)
        )
    except InvalidTag as error:
        raise IntegrityFailure("the file does not decrypt for this record") from error


class _RemoveUnlessCommitted:
    """An on_commit hook that deletes its file when the transaction is rolled back instead.

    Django drops the hooks of a rolled-back transaction or savepoint; the hook is then freed and
    ``__del__`` removes the file. On commit it is called first, and the file stays.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.committed = False

    def __call__(self) -> None:
        self.committed = True

    def __del__(self) -> None:
        if not self.committed:
            with contextlib.suppress(Exception):  # a missed removal is an orphan, found later
                file_storage().delete(self.name)


def store(*, data: bytes, storage_key: str, sha256: str) -> str:
    """Encrypt ``data`` into its file; must run inside the transaction that saves its record."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("storage.store must run inside the record's transaction")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("sha256 does not match the data")
    sealed = encrypt(data, storage_key=storage_key, sha256=sha256)
    saved = file_storage().save(storage_key, ContentFile(sealed))
    if saved != storage_key:  # the storage chose another name: the key was taken
        file_storage().delete(saved)
        raise FileExistsError(storage_key)
    # No reference is kept here: the hook must die with the transaction's list of hooks.
    transaction.on_commit(_RemoveUnlessCommitted(storage_key))
    return storage_key


def load(*, storage_key: str, sha256: str) -> bytes:
    """The plaintext of a stored file, checked against its record's SHA-256."""
    try:
        with file_storage().open(storage_key, "rb") as handle:
            blob = handle.read()
    except FileNotFoundError as error:
        raise IntegrityFailure("the file is missing") from error
    data = decrypt(blob, storage_key=storage_key, sha256=sha256)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise IntegrityFailure("the content does not match its SHA-256")
    return data


def stored_files() -> set[str]:
    """The storage keys that have a file (for orphan checks and tests)."""
    try:
        _folders, files = file_storage().listdir("")
    except FileNotFoundError:  # the local folder before the first file
        return set()
    return {name for name in files if not name.startswith(".")}
