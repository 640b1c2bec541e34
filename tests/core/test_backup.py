"""`dsg backup` / `dsg restore`: an instance restored into an empty one is the same instance.

The portal under test (this test database, its data directory) is walked to 加入完了 with
documents and signed notices, backed up with its keys, and restored by the real `dsg restore`
into an empty instance (a new SQLite data directory, or a new PostgreSQL database on the same
server). Then everything is compared: every table's rows, every document's decrypted bytes, and
the ledger verifies there. A damaged archive is refused with nothing changed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from dsg.core.backup import BackupError, backup_check
from dsg.documents import storage
from dsg.documents.models import Document
from dsg.enrollment.models import State

from ..walk import new_case, walk_to

DECRYPT_EVERY_DOCUMENT = """
import hashlib, json
from django_scopes import scopes_disabled
from dsg.documents import storage
from dsg.documents.models import Document
with scopes_disabled():
    print(json.dumps({d.storage_key: hashlib.sha256(storage.load(
        storage_key=d.storage_key, sha256=d.sha256)).hexdigest() for d in Document.objects.all()}))
"""


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DSG_DOCUMENT_KEY")}
    env["DSG_DATA_DIR"] = str(data_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def dsg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsg.cli", *args],
        env=env,
        cwd=Path(env["DSG_DATA_DIR"]).parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


# Reading a whole database, table by table, with the driver alone ---------------------------------
def _sortable(row: tuple[Any, ...]) -> str:
    return json.dumps(row, default=repr, sort_keys=True)


def _all_rows(raw: Any, vendor: str) -> dict[str, list[tuple[Any, ...]]]:
    cursor = raw.cursor()
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    tables = sorted(row[0] for row in cursor.fetchall() if not row[0].startswith("sqlite_"))
    rows = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
        rows[table] = sorted((tuple(r) for r in cursor.fetchall()), key=_sortable)
    return rows


def _connect(vendor: str, where: str) -> Any:
    if vendor == "sqlite":
        return sqlite3.connect(where)
    import psycopg

    return psycopg.connect(where)


@pytest.fixture
def instance(settings, tmp_path, site, cast):
    """This portal with data: a case walked to 加入完了 (documents, signed notices, the ledger)."""
    settings.DATA_DIR = tmp_path / "a"
    walk_to(new_case(site, cast), State.COMPLETED, cast)
    call_command("audit", "checkpoint", verbosity=0)
    assert Document.objects.count() >= 2  # the signed notices of ② and ⑦ at least
    return tmp_path


@pytest.fixture
def empty_target(tmp_path):
    """An empty instance of the same kind: (env for `dsg`, how to open its database)."""
    data_dir = tmp_path / "b"
    if connection.vendor == "sqlite":
        yield _env(data_dir, None), str(data_dir / "dsg.sqlite3")
        return
    name = f"dsg_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    yield _env(data_dir, f"{base}/{name}"), f"{base}/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_instance_is_the_same_instance(instance, empty_target):
    env, target_db = empty_target
    archive, keys = instance / "backup.tar.gz", instance / "backup-keys.tar.gz"
    call_command("backup", str(archive), "--keys", str(keys), verbosity=0)
    for written in (archive, keys):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    names = tarfile.open(archive).getnames()
    assert not [n for n in names if n.startswith("keys/") or "/keys/" in n]  # keys apart
    assert {n for n in tarfile.open(keys).getnames()} >= {
        "keys/documents.key",
        "keys/audit-ed25519.pem",
    }

    restored = dsg(env, "restore", str(archive), "--keys", str(keys))
    assert restored.returncode == 0, restored.stderr
    verified = dsg(env, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "1 signed checkpoints hold" in verified.stdout
    documents = dsg(env, "documents", "verify")
    assert documents.returncode == 0, documents.stderr

    # Every table, every row.
    source_where = str(connection.settings_dict["NAME"])
    if connection.vendor == "postgresql":
        source_where = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + source_where
    source = _all_rows(_connect(connection.vendor, source_where), connection.vendor)
    target = _all_rows(_connect(connection.vendor, target_db), connection.vendor)
    assert sorted(source) == sorted(target)
    assert {t: len(r) for t, r in source.items()} == {t: len(r) for t, r in target.items()}
    assert source == target
    assert sum(len(r) for r in source.values()) > 200
    print(f"compared {len(source)} tables, {sum(len(r) for r in source.values())} rows")

    # Every document decrypts to the same bytes there.
    mine = {
        d.storage_key: hashlib.sha256(
            storage.load(storage_key=d.storage_key, sha256=d.sha256)
        ).hexdigest()
        for d in Document.objects.all()
    }
    theirs = dsg(env, "shell", "-v", "0", "-c", DECRYPT_EVERY_DOCUMENT)
    assert theirs.returncode == 0, theirs.stderr
    assert json.loads(theirs.stdout) == mine

    # The restored instance is private too, and a second restore into it is refused.
    data_dir = Path(env["DSG_DATA_DIR"])
    assert stat.S_IMODE((data_dir / "keys" / "documents.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "documents").stat().st_mode) == 0o700
    again = dsg(env, "restore", str(archive))
    assert again.returncode != 0 and "not empty" in again.stderr
    forced = dsg(env, "restore", str(archive), "--keys", str(keys), "--force")
    assert forced.returncode == 0, forced.stderr
    assert dsg(env, "audit", "verify").returncode == 0


@pytest.mark.django_db(transaction=True)
def test_dumpdata_works_across_the_tenancy_scopes(instance):
    out = io.StringIO()
    call_command("dumpdata", "orgs", "documents", stdout=out)
    dumped = json.loads(out.getvalue())
    assert {row["model"] for row in dumped} >= {"orgs.site", "documents.document"}


# A damaged archive --------------------------------------------------------------------------------
def _rewrite(archive: Path, target: Path, change: Any) -> Path:
    """Copy ``archive`` member by member, letting ``change(name, data)`` alter, drop (None) or
    add members; the manifest is copied as it was."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            for name, content in change(member.name, data):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                copy.addfile(info, io.BytesIO(content))
    return target


def _flip(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


DAMAGE = {
    "a document changed": lambda n, d: [(n, _flip(d) if n.startswith("data/documents/") else d)],
    "the database changed": lambda n, d: [(n, _flip(d) if n.startswith("database/") else d)],
    "a document missing": lambda n, d: [] if n.startswith("data/documents/") else [(n, d)],
    "a member added": lambda n, d: (
        [(n, d)] + ([("data/extra", b"x")] if n == "manifest.json" else [])
    ),
    "the manifest edited": lambda n, d: [
        (n, d.replace(b'"version": 1', b'"version": 1 ') if n == "manifest.json" else d)
    ],
    "a path outside": lambda n, d: [("../" + n if n.startswith("data/") else n, d)],
}


@pytest.fixture
def archive(instance):
    path = instance / "backup.tar.gz"
    call_command("backup", str(path), verbosity=0)
    assert backup_check(archive=path)["database"]["vendor"] == connection.vendor
    return path


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_archive_is_refused(archive, damage):
    damaged = _rewrite(archive, archive.with_name("damaged.tar.gz"), DAMAGE[damage])
    with pytest.raises(BackupError, match="damaged|not in the manifest|missing"):
        backup_check(archive=damaged)


@pytest.mark.django_db(transaction=True)
def test_a_truncated_archive_is_refused_and_nothing_is_restored(archive, empty_target):
    env, _where = empty_target
    truncated = archive.with_name("truncated.tar.gz")
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(BackupError, match="damaged"):
        backup_check(archive=truncated)
    refused = dsg(env, "restore", str(truncated))
    assert refused.returncode != 0 and "damaged" in refused.stderr
    flipped = _rewrite(archive, archive.with_name("flipped.tar.gz"), DAMAGE["a document changed"])
    refused = dsg(env, "restore", str(flipped))
    assert refused.returncode != 0
    assert "SHA-256 does not match" in refused.stderr and "nothing was restored" in refused.stderr
    data_dir = Path(env["DSG_DATA_DIR"])
    assert not (data_dir / "documents").exists()
    tables = dsg(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from django.db import connection as c; print(len(c.introspection.table_names()))",
    )
    assert tables.stdout.strip() == "0", tables.stderr


def test_a_file_that_is_no_archive_is_refused(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(gzip.compress(b"not a tar file at all" * 100))
    with pytest.raises(BackupError):
        backup_check(archive=junk)
    with pytest.raises(BackupError, match="cannot be read|damaged"):
        backup_check(archive=tmp_path / "missing.tar.gz")
