"""The dashboards' versions in force (``catalogues_in_force_summary``), kept compiled (#14): the
kept query must answer as the query built anew — no catalogue, the first version of one kind,
later versions, the other kind — with who published each and its number of entries; and its
building reads no row."""

from __future__ import annotations

import pytest

from dsg.registry import catalogues
from dsg.registry.catalogues import EntryInput, catalogue_publish
from dsg.registry.models import CatalogueKind

from ..kept_builds import Builds

pytestmark = pytest.mark.django_db


def entries(count: int) -> list[EntryInput]:
    return [
        EntryInput(name=f"ソフト{n:03d}", vendor="ベンダー", version=f"1.{n}", sha256="ab" * 32)
        for n in range(1, count + 1)
    ]


def shown(rows) -> list[tuple]:
    return [
        (c.pk, c.kind, c.version, c.entry_count, c.published_by_id, c.published_by.email)
        for c in rows
    ]


def test_the_kept_summary_answers_as_built_anew(provider_staff):
    catalogues._SUMMARY.clear()
    assert catalogues.catalogues_in_force_summary() == [] == list(catalogues._in_force_summary())
    steps = [
        (CatalogueKind.WHITELIST, 3),
        (CatalogueKind.WHITELIST, 5),
        (CatalogueKind.MANDATORY, 1),
        (CatalogueKind.WHITELIST, 2),
    ]
    for kind, count in steps:
        catalogue_publish(kind=kind, entries=entries(count), note="", actor=provider_staff)
        kept = catalogues.catalogues_in_force_summary()
        assert shown(kept) == shown(catalogues._in_force_summary()), (kind, count)
    assert [(c.kind, c.version, c.entry_count) for c in kept] == [
        (CatalogueKind.MANDATORY, 1, 1),
        (CatalogueKind.WHITELIST, 3, 2),
    ]


def test_building_the_summary_reads_no_row(provider_staff, monkeypatch):
    catalogue_publish(
        kind=CatalogueKind.WHITELIST, entries=entries(2), note="", actor=provider_staff
    )
    builds = Builds()
    monkeypatch.setattr(catalogues, "_SUMMARY", builds.cache())
    assert len(catalogues.catalogues_in_force_summary()) == 1
    assert builds.firsts() == {"in_force"}
