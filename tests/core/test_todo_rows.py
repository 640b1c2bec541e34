"""The open items as rows (core.todos.TodoRows, #12/#14): the office's queue is counted, ordered
and cut in the database, and the search's 「次の対応者」 asks the rows — so for every person the
rows must be exactly the items the providers build: the same cases, kinds, parties, due dates
and opening times, on a company whose cases stand at the steps that have items of every app."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.core.todos import (
    OFFICE,
    todo_page,
    todo_row_list,
    todos_for,
    waiting_by_case,
    waiting_of,
)
from dsg.enrollment.models import State
from dsg.equipment import services as equipment
from dsg.inspections import services as insp
from dsg.orgs import permissions
from dsg.requests import services as changes

from ..factories import SiteFactory
from ..inspections.helpers import tomorrow_at
from ..walk import new_case, walk_to

STATES = [
    State.DRAFT,
    State.SUBMITTED,
    State.INSPECTION,
    State.INSPECTION_REMEDIATION,
    State.SURVEY,
    State.ROUTER_INSTALLATION,
    State.TERMINAL_SETUP,
]


def terminal_line(name: str) -> dict[str, str]:
    return {"action": "add", "name": name, "model_name": "ThinkPad", "serial_number": f"SN-{name}"}


@pytest.fixture
def scene(company, cast):
    """A case at each of STATES, a round with dates offered and one with a date taken, and on an
    enrolled site a §5 request of each state and a change with a 依頼."""
    cases = {
        state: walk_to(new_case(SiteFactory(company=company), cast), state, cast)
        for state in STATES
    }
    offered = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    round_ = insp.inspection_open(subject=offered, actor=cast.inspector)
    insp.inspection_propose_slots(inspection=round_, actor=cast.reviewer, starts=[tomorrow_at()])
    taken = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    round_ = insp.inspection_open(subject=taken, actor=cast.inspector)
    [slot] = insp.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[tomorrow_at()]
    )
    insp.inspection_pick_slot(inspection=round_, actor=cast.psa, slot_id=slot.pk)
    enrolled = SiteFactory(company=company)
    walk_to(new_case(enrolled, cast), State.COMPLETED, cast)
    filed = [
        equipment.request_file(
            site=enrolled, actor=cast.psa, kind="terminal", purpose="増設", lines=[terminal_line(n)]
        ).request
        for n in ("PC-A", "PC-B", "PC-C")
    ]
    equipment.request_take_up(request=filed[1], actor=cast.reviewer)
    equipment.request_take_up(request=filed[2], actor=cast.reviewer)
    due = timezone.localdate() + dt.timedelta(days=10)
    equipment.request_ask(request=filed[2], actor=cast.reviewer, message="仕様書を", due_on=due)
    change = changes.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    change = changes.change_update(
        change=change, actor=cast.psa, data={"site_name": "X", "description": "理由"}
    )
    changes.change_submit(change=change, actor=cast.psa)
    changes.action_request_ask(change=change, actor=cast.reviewer, text="図面を", due_on=due)
    return cases


def built(user) -> list[tuple]:
    """The providers' items as rows; the review's due date is reckoned in Python (business
    days), its rows are ordered by the day it arrived instead (``due_order``)."""
    return sorted(
        (
            (*t.case, t.code, t.who, None if t.code == "application.review" else t.due, t.since)
            for t in todos_for(user=user)
        ),
        key=repr,
    )


@pytest.mark.django_db
def test_the_rows_are_the_items_the_providers_build_and_the_queue_cuts_them(scene, everyone, cast):
    """One scene (walks are slow), every person: the same items; then the office's queue."""
    for who, user in everyone.items():
        rows = sorted(todo_row_list(user=user), key=repr)
        assert rows == built(user), who
        if who in ("reviewer", "psa", "provider_staff"):
            codes = {row[2] for row in rows}
            assert len(codes) >= 5, (who, codes)  # the scene has items of several kinds
    assert todo_row_list(user=everyone["other_psa"]) == []
    # 次の対応者 of the listed cases, read as rows, as the homes computed it from the items
    ids = {"enrollment": [case.pk for case in scene.values()]}
    for who, user in everyone.items():
        assert waiting_of(user=user, cases=ids) == waiting_by_case(
            todos_for(user=user, cases=ids)
        ), who
    _queue_is_the_list_cut(cast)


def _queue_is_the_list_cut(cast):
    """Page by page, the office's queue is the Python list of its items (soonest due first,
    then the oldest), cut: the same items in the same order."""
    may = lambda action: permissions.may(cast.reviewer, action)  # noqa: E731
    whole = [t for t in todos_for(user=cast.reviewer, parties=[OFFICE]) if may(t.action)]
    assert len(whole) >= 5
    pages = [
        todo_page(user=cast.reviewer, parties=[OFFICE], may=may, offset=n, limit=2)
        for n in range(0, len(whole), 2)
    ]
    assert all(page.count == len(whole) for page in pages)
    assert [(t.case, t.code) for page in pages for t in page.items] == [
        (t.case, t.code) for t in whole
    ]
    oldest = todo_page(user=cast.reviewer, parties=[OFFICE], may=may, sort="age", limit=100)
    assert [t.since for t in oldest.items] == sorted(t.since for t in whole)
