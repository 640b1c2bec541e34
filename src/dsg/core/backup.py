"""`dsg backup` and `dsg restore`: the database and DSG_DATA_DIR in one archive, every member
fingerprinted; the keys in a separate file, and only when asked for.

The archive is a gzipped tar:

    manifest.sha256          SHA-256 of manifest.json
    manifest.json            format, version, time, database vendor, the applied migrations, and
                             the SHA-256 and size of every other member
    database/dsg.sqlite3     SQLite: a copy by SQLite's online backup API (consistent while the
                             portal runs, WAL included)
    database/dsg.pgdump      PostgreSQL: pg_dump --format=custom (one consistent snapshot)
    data/…                   the files of DSG_DATA_DIR (documents, audit checkpoints …), without
                             keys/, staticfiles/, the SQLite files and temporary files

The checkpoints are read before the database snapshot (each pins an event the snapshot holds),
every other file after it (each document the snapshot names is on disk by then). The keys file
(same layout, members under keys/) holds DSG_DATA_DIR/keys: the document and account-information
keys, the audit and trial notice-signing keys. Without it the documents of a restored instance do
not open: keep it apart from the archive, and secret.

`dsg restore` first checks the whole archive (and the keys file): every member listed and intact,
nothing else in it; a damaged archive is refused before anything is touched. It restores only into
an empty instance (no table in the database, no file in DSG_DATA_DIR), unless told to replace one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

from .private_files import FILE_MODE, private_dir, private_file_write

FORMAT = "dsg-backup"
KEYS_FORMAT = "dsg-backup-keys"
VERSION = 1
MANIFEST, MANIFEST_DIGEST = "manifest.json", "manifest.sha256"
CHECKPOINTS = "audit/checkpoints.jsonl"  # read before the database snapshot
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The archive cannot be written, or is refused for restoring; the message says why."""


@dataclass
class BackupReport:
    archive: Path
    keys: Path | None
    vendor: str
    files: int
    keys_written: int = 0
    keys_elsewhere: list[str] = field(default_factory=list)


@dataclass
class RestoreReport:
    vendor: str
    files: int
    keys: int
    keys_missing: bool


# What belongs to the instance ---------------------------------------------------------------------
def _sqlite_path() -> Path | None:
    if connection.vendor != "sqlite":
        return None
    return Path(str(connection.settings_dict["NAME"])).resolve()


def _skipped(relative: PurePosixPath, database: Path | None) -> bool:
    top = relative.parts[0]
    if top in ("keys", "staticfiles") or any(p.startswith(".") for p in relative.parts):
        return True
    if top.startswith("test-dsg"):  # the test suite's databases
        return True
    if database is not None and len(relative.parts) == 1:
        return top in {database.name + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    return False


def data_files(data_dir: Path) -> list[PurePosixPath]:
    """The files of DSG_DATA_DIR a backup holds (relative, sorted)."""
    database = _sqlite_path()
    database = database if database and database.parent == data_dir.resolve() else None
    found = []
    for path in sorted(data_dir.rglob("*")):
        relative = PurePosixPath(path.relative_to(data_dir).as_posix())
        if path.is_file() and not path.is_symlink() and not _skipped(relative, database):
            found.append(relative)
    return found


def key_files(data_dir: Path) -> list[PurePosixPath]:
    folder = data_dir / "keys"
    if not folder.is_dir():
        return []
    return sorted(
        PurePosixPath("keys") / p.name
        for p in folder.iterdir()
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    )


# Writing ------------------------------------------------------------------------------------------
def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class _ArchiveWriter:
    """A tar.gz written 0600 under a temporary name and linked into place when complete."""

    def __init__(self, target: Path, format_: str) -> None:
        if target.exists():
            raise BackupError(f"{target} exists: choose a new file name")
        private_dir(target.parent)
        self.target, self.format = target, format_
        self.tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        self.handle = os.fdopen(fd, "wb")
        self.tar = tarfile.open(fileobj=self.handle, mode="w:gz")
        self.members: dict[str, dict[str, Any]] = {}

    def add_file(self, name: str, path: Path) -> None:
        digest, size = _sha256_file(path)
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, FILE_MODE, int(path.stat().st_mtime)
        with open(path, "rb") as source:
            self.tar.addfile(info, source)
        if _sha256_file(path)[0] != digest:  # changed while being copied
            raise BackupError(f"{path} changed while it was being copied: run the backup again")
        self.members[name] = {"sha256": digest, "size": size}

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), FILE_MODE
        info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
        self.tar.addfile(info, io.BytesIO(data))

    def close(self, manifest: dict[str, Any]) -> None:
        manifest = {"format": self.format, "version": VERSION, **manifest}
        manifest["members"] = dict(sorted(self.members.items()))
        encoded = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
        self.add_bytes(MANIFEST, encoded)
        self.add_bytes(MANIFEST_DIGEST, hashlib.sha256(encoded).hexdigest().encode() + b"\n")
        self.tar.close()
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.link(self.tmp, self.target)
        self.tmp.unlink()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.tar.close()
        with contextlib.suppress(Exception):
            self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()


def _pg_env() -> dict[str, str]:
    config = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if config.get(key):
            env[variable] = str(config[key])
    return env


def _pg_tool(name: str) -> str:
    configured = os.environ.get("DSG_PG_BIN")
    candidates = [Path(configured) / name] if configured else []
    found = shutil.which(name)
    candidates += [Path(found)] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} not found: install the PostgreSQL client or set DSG_PG_BIN")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _snapshot_database(directory: Path) -> tuple[str, Path]:
    """A consistent copy of the database in ``directory``: (archive member name, file)."""
    sqlite_path = _sqlite_path()
    if sqlite_path is not None:
        copy = directory / "dsg.sqlite3"
        source = sqlite3.connect(sqlite_path)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # SQLite's online backup API: one consistent snapshot
        finally:
            target.close()
            source.close()
        return "database/dsg.sqlite3", copy
    if connection.vendor == "postgresql":
        dump = directory / "dsg.pgdump"
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}"])
        return "database/dsg.pgdump", dump
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def backup_create(*, archive: Path, keys: Path | None = None) -> BackupReport:
    """Write the archive (and, when ``keys`` is given, the keys file)."""
    data_dir = Path(settings.DATA_DIR)
    writer = _ArchiveWriter(archive, FORMAT)
    try:
        with tempfile.TemporaryDirectory(prefix="dsg-backup-", dir=archive.parent) as scratch:
            early = [f for f in data_files(data_dir) if f.as_posix() == CHECKPOINTS]
            copies = {}
            for relative in early:  # pinned before the snapshot: every checkpoint in it
                copies[relative] = Path(scratch) / "early" / relative
                private_dir(copies[relative].parent)
                shutil.copyfile(data_dir / relative, copies[relative])
            member, snapshot = _snapshot_database(Path(scratch))
            writer.add_file(member, snapshot)
            files = 0
            for relative in data_files(data_dir):
                source = copies.get(relative, data_dir / relative)
                writer.add_file(f"data/{relative.as_posix()}", source)
                files += 1
            writer.close(
                {
                    "created_at": dt.datetime.now(dt.UTC).isoformat(),
                    "database": {"vendor": connection.vendor, "member": member},
                    "migrations": _applied_migrations(),
                }
            )
    except BaseException:
        writer.abort()
        raise
    report = BackupReport(archive=archive, keys=keys, vendor=connection.vendor, files=files)
    if keys is not None:
        report.keys_written = _keys_write(keys, data_dir)
        report.keys_elsewhere = [
            name for name in ("DSG_DOCUMENT_KEY", "DSG_NOTICE_KEY") if os.environ.get(name)
        ]
    return report


def _keys_write(target: Path, data_dir: Path) -> int:
    writer = _ArchiveWriter(target, KEYS_FORMAT)
    try:
        names = key_files(data_dir)
        for relative in names:
            writer.add_file(relative.as_posix(), data_dir / relative)
        writer.close({"created_at": dt.datetime.now(dt.UTC).isoformat()})
    except BaseException:
        writer.abort()
        raise
    return len(names)


# Checking -----------------------------------------------------------------------------------------
def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


@contextlib.contextmanager
def _open_checked(path: Path, format_: str) -> Iterator[tuple[dict[str, Any], tarfile.TarFile]]:
    """Open an archive and check it whole: manifest digest, every member's digest and size,
    nothing missing, nothing extra. Yields the manifest and the open archive."""
    what = "keys file" if format_ == KEYS_FORMAT else "archive"
    try:
        tar = tarfile.open(path, mode="r:gz")
    except (OSError, tarfile.TarError, EOFError) as error:
        raise BackupError(f"the {what} {path} cannot be read ({error}): it is damaged") from error
    try:
        manifest = _check_members(tar, what, format_)
    except (OSError, tarfile.TarError, EOFError, ValueError, KeyError) as error:
        tar.close()
        raise BackupError(f"the {what} {path} is damaged: {error}") from error
    except BaseException:
        tar.close()
        raise
    try:
        yield manifest, tar
    finally:
        tar.close()


def _member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo | str) -> bytes:
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"{member} is not a file")
    return source.read()


def _digest_of(tar: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[str, int]:
    source = tar.extractfile(member)
    assert source is not None
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _check_members(tar: tarfile.TarFile, what: str, format_: str) -> dict[str, Any]:
    members = tar.getmembers()  # reads the whole archive: a truncated one fails here
    by_name = {m.name: m for m in members}
    if len(by_name) != len(members):
        raise BackupError(f"the {what} holds a member twice: it was altered")
    for name in (MANIFEST, MANIFEST_DIGEST):
        if name not in by_name or not by_name[name].isfile():
            raise BackupError(f"the {what} has no {name}: it is not a DSG backup or it is damaged")
    raw = _member_bytes(tar, by_name[MANIFEST])
    recorded = _member_bytes(tar, by_name[MANIFEST_DIGEST]).decode().strip()
    if hashlib.sha256(raw).hexdigest() != recorded:
        raise BackupError(f"the {what}'s manifest does not match its SHA-256: it is damaged")
    manifest = json.loads(raw)
    if manifest.get("format") != format_ or manifest.get("version") != VERSION:
        raise BackupError(
            f"not a {'keys file' if format_ == KEYS_FORMAT else 'DSG backup'} of version {VERSION}"
        )
    listed: dict[str, dict[str, Any]] = manifest["members"]
    problems = []
    for name, member in by_name.items():
        if name in (MANIFEST, MANIFEST_DIGEST):
            continue
        if name not in listed:
            problems.append(f"{name}: not in the manifest")
        elif not member.isfile() or not _safe_name(name):
            problems.append(f"{name}: not a plain file with a safe name")
        elif _digest_of(tar, member) != (listed[name]["sha256"], listed[name]["size"]):
            problems.append(f"{name}: SHA-256 does not match the manifest")
    problems += [f"{name}: missing" for name in listed if name not in by_name]
    if problems:
        shown = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" * (len(problems) > 5))
        raise BackupError(f"the {what} is damaged, nothing was restored: {shown}")
    return manifest


def backup_check(*, archive: Path, keys: Path | None = None) -> dict[str, Any]:
    """Check an archive (and keys file) without restoring; the archive's manifest."""
    with _open_checked(archive, FORMAT) as (manifest, _tar):
        pass
    if keys is not None:
        with _open_checked(keys, KEYS_FORMAT):
            pass
    return manifest


# Restoring ----------------------------------------------------------------------------------------
def _database_tables() -> list[str]:
    with connection.cursor() as cursor:
        return list(connection.introspection.table_names(cursor))


def instance_is_empty() -> tuple[bool, str]:
    data_dir = Path(settings.DATA_DIR)
    tables = _database_tables()
    if tables:
        return False, f"the database has {len(tables)} tables"
    files = data_files(data_dir) + key_files(data_dir)
    if files:
        return False, f"{data_dir} holds {len(files)} files (e.g. {files[0]})"
    return True, ""


def _extract_to(tar: tarfile.TarFile, name: str, target: Path) -> None:
    """One member into place: 0600 in 0700 directories, written whole or not at all."""
    private_file_write(target, _member_bytes(tar, name), replace=True)


def _restore_sqlite(tar: tarfile.TarFile, member: str) -> None:
    path = _sqlite_path()
    assert path is not None
    connections.close_all()
    tmp = path.with_name(f".{path.name}.restore.tmp")
    source = tar.extractfile(member)
    assert source is not None
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        shutil.copyfileobj(source, handle, CHUNK)
        handle.flush()
        os.fsync(handle.fileno())
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()
    os.replace(tmp, path)


def _restore_postgresql(tar: tarfile.TarFile, member: str, *, replace: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="dsg-restore-") as scratch:
        dump = Path(scratch) / "dsg.pgdump"
        source = tar.extractfile(member)
        assert source is not None
        with open(dump, "wb") as handle:
            shutil.copyfileobj(source, handle, CHUNK)
        connections.close_all()
        command = [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
        if replace:
            command += ["--clean", "--if-exists"]
        _run([*command, f"--dbname={connection.settings_dict['NAME']}", str(dump)])


def _clear_data_dir(data_dir: Path, *, keys: bool) -> None:
    for relative in data_files(data_dir) + (key_files(data_dir) if keys else []):
        (data_dir / relative).unlink()


def backup_restore(
    *, archive: Path, keys: Path | None = None, force: bool = False
) -> RestoreReport:
    """Check the archive whole, then restore it into this (empty) instance."""
    data_dir = Path(settings.DATA_DIR)
    if keys is not None:  # checked whole before anything is touched, like the archive
        with _open_checked(keys, KEYS_FORMAT):
            pass
    with _open_checked(archive, FORMAT) as (manifest, tar):
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"this backup is of a {vendor} database and this instance uses {connection.vendor}"
                f": restore it into a {vendor} instance"
            )
        empty, why = instance_is_empty()
        if not empty and not force:
            raise BackupError(
                f"this instance is not empty ({why}): restore into an empty one, or give --force "
                "to replace everything it holds"
            )
        if not empty:
            _clear_data_dir(data_dir, keys=keys is not None)
        member = manifest["database"]["member"]
        if vendor == "sqlite":
            _restore_sqlite(tar, member)
        else:
            _restore_postgresql(tar, member, replace=not empty)
        files = [name for name in manifest["members"] if name.startswith("data/")]
        for name in files:
            _extract_to(tar, name, data_dir / name.removeprefix("data/"))
    restored_keys = 0
    if keys is not None:
        with _open_checked(keys, KEYS_FORMAT) as (key_manifest_, key_tar):
            for name in key_manifest_["members"]:
                _extract_to(key_tar, name, data_dir / name)
                restored_keys += 1
    return RestoreReport(
        vendor=vendor, files=len(files), keys=restored_keys, keys_missing=keys is None
    )
