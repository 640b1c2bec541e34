"""The §5 panel of the homes: the office's counts and queue and the provider's open helpdesk
requests, compiled once per person (#14). The kept queries must answer as the queries built
anew, for every role, again after requests are filed, asked about, answered and decided and
tickets answered; another company's requests never appear; and building them reads no row."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from dsg.core import panels
from dsg.equipment import dashboard, services
from dsg.equipment.services import LineVerdict
from dsg.registry.catalogues import EntryInput, catalogue_publish
from dsg.registry.models import CatalogueKind

from ..kept_builds import Builds
from .test_services import file, software

pytestmark = pytest.mark.django_db


def shown(user) -> dict | None:
    """What the panel gives ``user``, as plain values."""
    request = RequestFactory().get("/")
    request.user = user
    context = dashboard.dashboard_panel(request, None)
    if context is None:
        return None
    return {
        "counts": context.get("equipment_counts"),
        "queue": [
            (r.pk, r.receipt_number, r.state, r.age, r.site.name, r.site.company.name)
            for r in context.get("equipment_queue", ())
        ],
        "asked": [(r.pk, r.receipt_number) for r in context.get("equipment_asked", ())],
        "answers": [t.pk for t in context.get("equipment_answers", ())],
        "tickets": [
            (t.pk, t.number, t.site.name, t.site.company.name)
            for t in context.get("equipment_tickets", ())
        ],
    }


def built_anew(user) -> dict | None:
    """The same panel with its queries built on this call (as it read them before #14)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dashboard, "kept_list", lambda _name, _user, build: list(build()))
        patch.setattr(dashboard, "kept_dicts", lambda _name, _user, build: list(build()))
        return shown(user)


def assert_as_built_anew(everyone) -> dict:
    seen = {}
    for who, user in everyone.items():
        expected = built_anew(user)
        assert shown(user) == expected, who  # built and kept
        assert shown(user) == expected, who  # kept
        seen[who] = expected
    return seen


@pytest.fixture
def whitelisted(cast):
    catalogue_publish(
        kind=CatalogueKind.WHITELIST,
        entries=[EntryInput(name="Viewer W", vendor="Example KK", version="1.0")],
        note="",
        actor=cast.staff,
    )


def test_the_kept_counts_queue_and_tickets_answer_as_built_anew(
    enrolled, cast, terminal, everyone, whitelisted
):
    panels._KEPT.clear()
    first = file(enrolled, cast, "software", [software(terminals=terminal.ref)]).request
    second = file(enrolled, cast, "software", [software(name="Other", terminals=terminal.ref)])
    ticket = file(
        enrolled,
        cast,
        "software",
        [software(name="Viewer W", version="1.0", terminals=terminal.ref)],
    ).helpdesk[0]
    services.request_ask(request=first, actor=cast.reviewer, message="仕様書を提出してください")
    seen = assert_as_built_anew(everyone)
    assert [row[0] for row in seen["reviewer"]["queue"]] == [first.pk, second.request.pk]
    assert seen["provider_staff"]["tickets"][0][0] == ticket.pk
    assert seen["psa"]["asked"] == [(first.pk, first.receipt_number)]
    assert seen["other_psa"] is None and seen["inspector"] is None and seen["user"] is None

    # the requests move and the ticket is answered: the next call answers what the database holds
    services.request_answer(request=first, actor=cast.psa, answer="格納しました")
    services.request_decide(
        request=second.request, actor=cast.reviewer, verdicts=[LineVerdict(1, True)]
    )
    services.helpdesk_answer(ticket=ticket, actor=cast.staff, answer="手順書Aに従って")
    third = file(enrolled, cast, "software", [software(name="Third", terminals=terminal.ref)])
    seen = assert_as_built_anew(everyone)
    assert [row[0] for row in seen["reviewer"]["queue"]] == [first.pk, third.request.pk]
    assert seen["provider_staff"] is None  # no open ticket left
    assert seen["psa"]["answers"] == [ticket.pk] and seen["psa"]["asked"] == []


def test_building_the_panels_queries_reads_no_row(
    enrolled, cast, terminal, everyone, whitelisted, monkeypatch
):
    file(enrolled, cast, "software", [software(terminals=terminal.ref)])
    file(
        enrolled,
        cast,
        "software",
        [software(name="Viewer W", version="1.0", terminals=terminal.ref)],
    )
    builds = Builds()
    monkeypatch.setattr(panels, "_KEPT", builds.cache())
    for user in everyone.values():
        user.organization  # noqa: B018  # the person's organisation: read with the person
        shown(user)
    assert {key[0] for key in builds.keys} >= {
        "equipment.counts",
        "equipment.queue",
        "equipment.tickets",
        "equipment.asked",
    }
