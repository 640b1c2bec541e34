"""DSG_DATA_DIR, the SQLite file and every key are 0700/0600 whatever the umask, from the start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dsg.core.private_files import private_append, private_dir, private_file_write

# A first run in a fresh process: the settings make the data directory and the SQLite file, then
# every key of the portal is created on first use, and the first checkpoint is written.
FIRST_RUN = """
import os, sys
os.umask(int(sys.argv[1], 8))
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", "audit", verbosity=0)
from dsg.audit.checkpoints import checkpoint_write
from dsg.core.keys import data_key
from dsg.notices.keys import signing_material
data_key("documents.key")
data_key("accounts.key")
checkpoint_write()
signing_material()
"""

EXPECTED_FILES = {
    "dsg.sqlite3",
    "keys/documents.key",
    "keys/accounts.key",
    "keys/audit-ed25519.pem",
    "keys/notice-signing.key",
    "keys/notice-signing.crt",
    "audit/checkpoints.jsonl",
}


def _modes(root: Path) -> dict[str, int]:
    """Path (relative) → permission bits, for everything under ``root`` but the static files."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] != "staticfiles":
            found[relative] = stat.S_IMODE(path.lstat().st_mode)
    return found


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o077])
def test_the_data_directory_and_every_key_are_private_whatever_the_umask(tmp_path, umask):
    data_dir = tmp_path / "not-yet" / "data"  # made by the settings, parents included
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DSG_DOCUMENT_KEY")}
    env.update(DSG_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="dsg.settings")
    for var in ("DSG_NOTICE_KEY", "DSG_NOTICE_CERT"):
        env.pop(var, None)
    run = subprocess.run(
        [sys.executable, "-c", FIRST_RUN, oct(umask)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    modes = _modes(data_dir)
    assert EXPECTED_FILES <= set(modes), sorted(modes)
    for parent in (tmp_path / "not-yet",):
        assert stat.S_IMODE(parent.stat().st_mode) == 0o700
    wrong = {
        path: oct(mode)
        for path, mode in modes.items()
        if mode != (0o700 if (data_dir / path).is_dir() else 0o600)
    }
    assert not wrong, f"umask {oct(umask)}: {wrong}"
    assert not [p for p in modes if p.endswith(".tmp")]  # no temporary file left behind


def test_a_strict_umask_still_leaves_the_owner_able_to_read_and_write(tmp_path):
    previous = os.umask(0o277)
    try:
        private_file_write(tmp_path / "a" / "key", b"secret")
        private_append(tmp_path / "b" / "log", "line\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "b" / "log").stat().st_mode) == 0o600
    assert (tmp_path / "a" / "key").read_bytes() == b"secret"


def test_two_first_writers_racing_keep_one_key(tmp_path):
    target = tmp_path / "keys" / "k"
    results: list[bool] = []

    def write(value: bytes) -> None:
        results.append(private_file_write(target, value))

    threads = [threading.Thread(target=write, args=(bytes([n]) * 32,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert target.read_bytes() in {bytes([n]) * 32 for n in range(8)}
    assert sorted(p.name for p in target.parent.iterdir()) == ["k"]


def test_an_existing_directory_keeps_its_mode(tmp_path):
    chosen = tmp_path / "chosen"
    chosen.mkdir(mode=0o750)
    os.chmod(chosen, 0o750)
    private_dir(chosen)
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o750
