from __future__ import annotations

import pytest

from dsg.enrollment.models import State
from dsg.registry.models import Terminal

from ..walk import new_case, walk_to


@pytest.fixture
def enrolled(site, cast):
    """A site that has completed 加入 (its case walked through ①–⑦).

    Its notices stay prepared, their PDFs pending (a test transaction never commits, so the
    render after commit does not run): rendering two notices was half of these tests' time, and
    tests/notices renders and verifies them."""
    walk_to(new_case(site, cast), State.COMPLETED, cast)
    site.refresh_from_db()
    assert Terminal.objects.filter(site=site).exists()
    return site
