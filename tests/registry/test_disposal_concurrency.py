"""Two reviewers confirm the same disposal at the same moment: one wins, the other is refused."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.orgs.models import Role, User
from dsg.registry.models import DisposalState, TerminalDisposal
from dsg.registry.services import terminal_disposal_confirm

from ..factories import UserFactory
from .disposal import record, terminal_at

RACERS = 2


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_confirm_at_once_and_one_wins(site, psa, reviewer, office):
    disposal = record(terminal_at(site, psa), psa)
    reviewers = [reviewer, UserFactory(organization=office, role=Role.REVIEWER)]
    events_before = AuditEvent.objects.count()
    barrier = threading.Barrier(RACERS, timeout=30)
    outcomes: list[object] = [None] * RACERS

    def race(index: int) -> None:
        try:
            with scopes_disabled():
                loaded = TerminalDisposal.objects.get(pk=disposal.pk)  # both read it recorded
                actor = User.objects.get(pk=reviewers[index].pk)
                barrier.wait()
                terminal_disposal_confirm(disposal=loaded, actor=actor)
                outcomes[index] = "confirmed"
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

    losers = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert outcomes.count("confirmed") == 1 and len(losers) == 1, outcomes
    assert (losers[0].status, losers[0].code) == (409, "disposal_already_confirmed")
    connection.close()  # read what the threads committed with a fresh connection
    assert TerminalDisposal.objects.get(pk=disposal.pk).state == DisposalState.CONFIRMED
    assert AuditEvent.objects.filter(action="terminal.disposal_confirm").count() == 1
    assert AuditEvent.objects.count() == events_before + 1
    assert audit_verify().ok
