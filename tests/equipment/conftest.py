from __future__ import annotations

import pytest

from dsg.enrollment.models import State
from dsg.registry.models import Terminal

from ..walk import after_commit, new_case, walk_to


@pytest.fixture
def enrolled(site, cast):
    """A site that has completed 加入 (its case walked through ①–⑦), with its terminals."""
    with after_commit():
        walk_to(new_case(site, cast), State.COMPLETED, cast)
    site.refresh_from_db()
    assert Terminal.objects.filter(site=site).exists()
    return site


@pytest.fixture
def terminal(enrolled):
    return Terminal.objects.filter(site=enrolled).order_by("pk").first()
