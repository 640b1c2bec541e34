"""The rounds of the inspections' open items read with their dates, unreported deficiencies and
subjects by queries kept compiled (inspections.todos._open_rounds, #14), in place of
``prefetch_related_objects`` built each request: each round must carry exactly what the
prefetch gave it — for every role, for the rounds of every case and of some cases only."""

from __future__ import annotations

import pytest
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects

from dsg.core import subjects, todos
from dsg.core.todos import TodoQuery
from dsg.inspections.models import Deficiency, RemediationReport
from dsg.inspections.todos import _open_rounds, _rounds

from ..core.test_todo_rows import scene  # noqa: F401  # the fixture: items of every app

pytestmark = pytest.mark.django_db


def carried(rounds) -> list[tuple]:
    """What the items read of each round: its dates, unreported deficiencies and subject."""
    return [
        (
            r.pk,
            [(a.pk, a.state, a.starts_at, a.proposed_at) for a in r.appointments.all()],
            [(d.pk, d.due_on) for d in r.unreported],
            (type(r.subject).__name__, r.subject.pk, getattr(r.subject, "site_id", None)),
        )
        for r in rounds
    ]


def prefetched(query: TodoQuery) -> list:
    """The rounds as the provider read them before: one query, then the three prefetches."""
    rounds = list(_rounds(query))
    reported = RemediationReport.objects.filter(deficiency=OuterRef("pk"))
    unreported = Deficiency.objects.filter(resolved_at__isnull=True).exclude(Exists(reported))
    prefetch_related_objects(
        rounds,
        "appointments",
        Prefetch("deficiencies", queryset=unreported, to_attr="unreported"),
        subjects.subjects_prefetch(),
    )
    return rounds


def test_each_round_carries_what_the_prefetch_gave_it(scene, everyone):  # noqa: F811
    ids = [case.pk for case in scene.values()]
    some = {"enrollment": ids[2:5]}
    for who, user in everyone.items():
        for cases in (None, {"enrollment": ids}, some, {"enrollment": ids[:1]}):
            if cases is None:
                todos._KEPT.clear()  # built anew, then kept for the other sets of cases
            query = TodoQuery(user=user, cases=cases)
            kept = sorted(carried(_open_rounds(query)), key=repr)
            assert kept == sorted(carried(prefetched(query)), key=repr), (who, cases)
    psa = everyone["psa"]
    rounds = carried(_open_rounds(TodoQuery(user=psa)))
    assert any(dates for _pk, dates, _d, _s in rounds)  # the scene's dates offered and taken
    assert any(unreported for _pk, _a, unreported, _s in rounds)  # the round in remediation
