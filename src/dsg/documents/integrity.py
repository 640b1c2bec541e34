"""The folder's integrity as a whole: every record's file decrypts and matches its SHA-256, and
no file lies in the storage without a record (left by a crash between write and commit)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django_scopes import scopes_disabled

from . import storage
from .models import Document

ORPHAN_MIN_AGE_SECONDS = 3600  # younger files may belong to a transaction still running


@dataclass
class IntegrityReport:
    checked: int = 0
    broken: list[tuple[int, str]] = field(default_factory=list)  # (document id, problem)
    orphans: list[str] = field(default_factory=list)  # file names without a record
    removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


def documents_verify(*, remove_orphans: bool = False) -> IntegrityReport:
    """Decrypt every document in memory (nothing is shown or written) and look for orphans."""
    report = IntegrityReport()
    with scopes_disabled():
        rows = Document.objects.order_by("pk").values_list("pk", "storage_key", "sha256")
        keys = set()
        for pk, key, sha256 in rows.iterator(chunk_size=500):
            keys.add(key)
            report.checked += 1
            try:
                storage.load(storage_key=key, sha256=sha256)
            except storage.IntegrityFailure as failure:
                report.broken.append((pk, str(failure)))
    files = storage.file_storage()
    try:
        names = sorted(files.listdir("")[1])
    except FileNotFoundError:  # the local folder before the first file
        names = []
    now = time.time()
    for name in names:
        is_leftover = name.startswith(".") and name.endswith(".tmp")
        if (name in keys) or (name.startswith(".") and not is_leftover):
            continue
        if now - files.get_modified_time(name).timestamp() < ORPHAN_MIN_AGE_SECONDS:
            continue
        report.orphans.append(name)
        if remove_orphans:
            files.delete(name)
            report.removed.append(name)
    return report
