from __future__ import annotations

import pytest

from dsg.documents import storage
from tests.walk import new_case


@pytest.fixture
def case(site, cast):
    """A draft case of ``company`` (PSA ``psa``)."""
    return new_case(site, cast)


@pytest.fixture
def disk():
    """The storage keys with a file on disk now, to compare before/after."""
    return storage.stored_files
