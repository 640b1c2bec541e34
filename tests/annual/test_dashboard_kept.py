"""The office's 年次確認 panel: its list and counts kept compiled per person and day (#14). The
kept queries must answer as the queries built anew — the overdue, the due today, the due soon,
the due later, answered ones — for each office role and several days, again after rounds move
and confirmations are answered; and building them reads no row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from dsg.annual import dashboard
from dsg.annual.models import AnnualConfirmation, ConfirmationState
from dsg.annual.selectors import confirmation_list_for, pending_due_by

from ..kept_builds import Builds
from ..walk import today
from .conftest import move_due_date, open_round

pytestmark = pytest.mark.django_db


def plain(user, day: dt.date) -> tuple[list[tuple], dict[str, int]]:
    """What the panel read before (#14): the list and an aggregate, built anew."""
    soon = day + dt.timedelta(days=dashboard.DUE_SOON_DAYS)
    flagged = list(pending_due_by(user, soon)[: dashboard.LIMIT])
    pending = Q(state=ConfirmationState.PENDING)
    counts = confirmation_list_for(user=user).aggregate(
        overdue=Count("pk", filter=pending & Q(round__due_on__lt=day)),
        due_soon=Count("pk", filter=pending & Q(round__due_on__gte=day, round__due_on__lte=soon)),
    )
    return rows(flagged), counts


def rows(confirmations) -> list[tuple]:
    return [(c.pk, c.state, c.round.title, c.round.due_on, c.company.name) for c in confirmations]


def kept(user, day: dt.date) -> tuple[list[tuple], dict[str, int]]:
    flagged, counts = dashboard.office_due(user=user, today=day)
    return rows(flagged), counts


@pytest.fixture
def rounds(enrolled, cast):
    made = []
    for n, days in enumerate((-3, 0, 5, 14, 15, 40)):
        made.append(open_round(cast.reviewer, title=f"年次確認 {n}", days=30))
        move_due_date(made[-1], days)
    return made


def test_the_kept_list_and_counts_answer_as_built_anew(rounds, everyone):
    dashboard._OFFICE.clear()
    days = [today() + dt.timedelta(days=d) for d in (0, -10, 1, 20)]
    office = {who: everyone[who] for who in ("reviewer", "inspector")}
    for who, user in office.items():
        for day in days:
            expected = plain(user, day)
            assert kept(user, day) == expected, (who, day)  # built
            assert kept(user, day) == expected, (who, day)  # kept
    assert plain(office["reviewer"], today())[1] == {"overdue": 1, "due_soon": 3}
    # confirmations are answered and rounds move: the next call answers what the database holds
    AnnualConfirmation.objects.filter(round=rounds[0]).update(
        state=ConfirmationState.CONFIRMED, answered_at=timezone.now()
    )
    move_due_date(rounds[5], 2)
    move_due_date(rounds[2], -1)
    for who, user in office.items():
        for day in days:
            assert kept(user, day) == plain(user, day), (who, day)
    assert plain(office["reviewer"], today())[1] == {"overdue": 1, "due_soon": 3}


def test_building_the_office_lists_reads_no_row(rounds, everyone, monkeypatch):
    builds = Builds()
    monkeypatch.setattr(dashboard, "_OFFICE", builds.cache())
    for who in ("reviewer", "inspector"):
        everyone[who].organization  # noqa: B018  # the person's organisation: read with the person
        dashboard.office_due(user=everyone[who], today=today())
    assert builds.firsts() == {"flagged", "counts"}
    assert len(builds.keys) == 4
