"""`dsg documents verify`: altered or missing files fail it; orphans are found and removed."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.management import CommandError, call_command

from dsg.documents import services, storage

from . import files


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("documents", "verify", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_verify_passes_then_fails_on_an_altered_file(case, psa):
    documents = [
        services.document_store(
            actor=psa,
            company=case.site.company,
            subject=case,
            kind="other",
            filename=f"{n}.pdf",
            data=files.pdf(1),
        )
        for n in range(2)
    ]
    assert "documents OK: 2 verified, 0 orphan files" in run()
    path = storage.documents_dir() / documents[1].storage_key
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(CommandError) as caught:
        run()
    assert caught.value.returncode == 1 and "1 of 2" in str(caught.value)


def test_orphans_older_than_an_hour_are_found_and_removed(case, psa):
    folder = storage.documents_dir()
    folder.mkdir(parents=True, exist_ok=True)
    old, young = folder / "deadbeef", folder / "cafebabe"
    old.write_bytes(b"left by a crash")
    young.write_bytes(b"a transaction still running")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert "orphan file found: deadbeef" in run()
    assert "orphan file removed: deadbeef" in run("--remove-orphans")
    assert not old.exists() and young.exists()
