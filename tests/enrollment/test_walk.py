from __future__ import annotations

import pytest

from dsg.audit.services import audit_verify
from dsg.enrollment.models import State

from ..walk import new_case, walk_to


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(State.values))
def test_every_state_is_reachable_through_the_services(site, cast, state):
    enrollment = walk_to(new_case(site, cast), state, cast)
    assert enrollment.state == state
    assert audit_verify().ok
