"""Directories 0700 and files 0600 in ``DSG_DATA_DIR``, whatever the umask, without a race.

A mode passed to ``mkdir``/``open`` is only ever narrowed by the umask, never widened, so a
directory made with 0700 and a file opened with ``O_CREAT | O_EXCL`` and 0600 are never readable
by others, not even for a moment; ``fchmod`` then gives the owner back what a strict umask took
(0o077, 0o277 …). Nothing is written with a wider mode first and narrowed afterwards.

Plain os and pathlib only: the settings module uses this before Django is set up.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents with mode 0700; an existing directory is kept as
    it is (the operator chose it)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:
            continue  # another process made it first: its mode is theirs (also 0700 if ours)
        os.chmod(directory, DIR_MODE)  # a umask like 0o277 took the owner's bits too
    return path


def private_file_create(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True when this call created it."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def private_file_write(path: Path, data: bytes, *, replace: bool = False) -> bool:
    """Write ``data`` to ``path`` (mode 0600) atomically: a reader sees no file or the whole.

    Written to a temporary name in the same directory, then linked into place. Without
    ``replace`` an existing file wins (two first runs racing keep the first one's key) and
    False is returned; with ``replace`` the file is swapped for the new one.
    """
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)  # fails if the file exists: the first writer wins
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def private_append(path: Path, text: str) -> None:
    """Append ``text`` to ``path``, creating it with mode 0600 if it is missing."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(text)
