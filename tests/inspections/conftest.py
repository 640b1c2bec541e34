from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    """Photos, evidence and notice PDFs of each test go to a directory of its own."""
    settings.DATA_DIR = tmp_path
    return tmp_path
