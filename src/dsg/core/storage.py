"""Where the documents' bytes live: a Django storage chosen by setting (``STORAGES["documents"]``).

``DSG_DOCUMENT_STORAGE=local`` (the default): ``PrivateFileSystemStorage`` under
``DSG_DATA_DIR/documents`` — each file written whole (a temporary file, fsync, then linked into
place; an existing name is never overwritten), mode 0600 in 0700 directories whatever the umask.
``DSG_DOCUMENT_STORAGE=s3``: django-storages' ``S3Storage`` on any S3-compatible service
(``documents_s3_options``), for several app servers that share no disk. The portal encrypts
every file before it reaches either (``dsg.documents.storage``), so the bucket holds ciphertext.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage

from .private_files import private_file_write

LOCAL_BACKEND = "dsg.core.storage.PrivateFileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"


class PrivateFileSystemStorage(FileSystemStorage):
    """Files 0600, written atomically and never overwritten, under ``location`` — by default
    ``DSG_DATA_DIR/documents``, read when used (a test that moves the data directory moves it)."""

    @property
    def base_location(self) -> str:
        given = getattr(self, "_location", None)
        return str(given or Path(settings.DATA_DIR) / "documents")

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        if not private_file_write(Path(self.path(name)), content.read()):
            raise FileExistsError(name)
        return name


def documents_storage(environ: dict[str, str]) -> dict[str, Any]:
    """The ``STORAGES["documents"]`` entry that ``DSG_DOCUMENT_STORAGE`` names."""
    kind = environ.get("DSG_DOCUMENT_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": LOCAL_BACKEND}
    if kind == "s3":
        return {"BACKEND": S3_BACKEND, "OPTIONS": documents_s3_options(environ)}
    raise ImproperlyConfigured(f"DSG_DOCUMENT_STORAGE must be local or s3, not {kind!r}")


def documents_s3_options(environ: dict[str, str]) -> dict[str, Any]:
    """S3Storage's options from ``DSG_S3_*``. Credentials may also come the AWS way (the
    environment's AWS_ACCESS_KEY_ID …, an instance role): leave DSG_S3_ACCESS_KEY_ID unset."""
    bucket = environ.get("DSG_S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured("DSG_DOCUMENT_STORAGE=s3 needs DSG_S3_BUCKET")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": environ.get("DSG_S3_PREFIX", "documents").strip("/"),
        "default_acl": None,  # the bucket's own policy: private
        "file_overwrite": False,  # a stored document is never replaced
        "querystring_auth": True,  # no public URLs: files are read by the portal only
    }
    for option, name in (
        ("endpoint_url", "DSG_S3_ENDPOINT_URL"),
        ("region_name", "DSG_S3_REGION"),
        ("access_key", "DSG_S3_ACCESS_KEY_ID"),
        ("secret_key", "DSG_S3_SECRET_ACCESS_KEY"),
    ):
        value = environ.get(name, "").strip()
        if value:
            options[option] = value
    return options
