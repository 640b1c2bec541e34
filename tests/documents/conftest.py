from __future__ import annotations

from pathlib import Path

import pytest

from dsg.audit.models import AuditEvent
from dsg.documents import storage
from dsg.documents.models import Document
from tests.notifications.conftest import smtp  # noqa: F401  the real SMTP server (aiosmtpd)
from tests.walk import new_case


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    """Each test stores its files (and its key) in a directory of its own."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def case(site, cast):
    """A draft case of ``company`` (PSA ``psa``)."""
    return new_case(site, cast, complete=False)


class Footprint:
    """Rows, files and ledger events now: a refusal must leave all three as they were."""

    def __init__(self) -> None:
        self.before = self.take()

    @staticmethod
    def take() -> tuple[int, frozenset[str], int]:
        return (
            Document.objects.count(),
            frozenset(storage.stored_files()),
            AuditEvent.objects.count(),
        )

    def unchanged(self) -> bool:
        return self.take() == self.before


@pytest.fixture
def footprint(db) -> Footprint:
    return Footprint()
