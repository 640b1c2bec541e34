"""Two reviewers accept the same case at the same moment: exactly one wins, the ledger holds."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import Enrollment, State, StepRecord
from dsg.enrollment.services import enrollment_transition
from dsg.orgs.models import Role, User

from ..factories import UserFactory
from ..walk import new_case, walk_to

RACERS = 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_accepts_take_effect_once(site, cast, office, attempt):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    reviewers = [cast.reviewer, UserFactory(organization=office, role=Role.REVIEWER)]
    events_before = AuditEvent.objects.count()
    barrier = threading.Barrier(RACERS, timeout=30)
    outcomes: list[object] = [None] * RACERS

    def race(index: int) -> None:
        try:
            with scopes_disabled():
                case = Enrollment.objects.get(pk=enrollment.pk)  # both read it as submitted
                actor = User.objects.get(pk=reviewers[index].pk)
                assert case.state == State.SUBMITTED
                barrier.wait()
                enrollment_transition(enrollment=case, name="accept", actor=actor)
                outcomes[index] = "accepted"
        except RuleViolation as refusal:
            outcomes[index] = refusal
        except BaseException as error:  # surfaced by the assertions below
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    winners = [o for o in outcomes if o == "accepted"]
    losers = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    assert (losers[0].status, losers[0].code) == (409, "wrong_state")

    connection.close()  # read what the threads committed with a fresh connection
    assert Enrollment.objects.get(pk=enrollment.pk).state == State.INSPECTION
    assert StepRecord.objects.filter(enrollment=enrollment, transition="accept").count() == 1
    assert AuditEvent.objects.count() == events_before + 1
    assert AuditEvent.objects.filter(action="enrollment.accept").count() == 1
    assert audit_verify().ok
