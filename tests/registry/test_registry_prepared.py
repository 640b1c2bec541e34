"""The site's terminals in the API are read by a query compiled once per person, the site a
parameter (registry.selectors.site_registry_list, issue #14): for another site it answers what
``site_registry_for`` answers — the same terminals with their life stage, latest test and
disposal — for every role, and building it reads no row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.orgs.models import Site
from dsg.registry import selectors, services

from ..factories import SiteFactory
from .disposal import record, terminal_at

pytestmark = pytest.mark.django_db

COLUMNS = (
    "pk",
    "name",
    "life_stage",
    "latest_passed",
    "latest_tested_on",
    "latest_tester_id",
    "disposal_state",
)


def _rows(terminals) -> list[tuple]:
    return [tuple(getattr(t, c) for c in COLUMNS) for t in terminals]


def test_the_kept_query_answers_as_the_selector_for_every_site_and_role(
    site, company, psa, reviewer, everyone
):
    other = SiteFactory(company=company)
    gone, kept = terminal_at(site, psa, "PC-01"), terminal_at(site, psa, "PC-02")
    services.terminal_disposal_confirm(disposal=record(gone, psa), actor=reviewer)
    record(kept, psa)
    terminal_at(other, psa, "PC-09")
    selectors._REGISTRY.clear()
    for who, user in everyone.items():
        for place in (site, other, site):
            expected = _rows(selectors.site_registry_for(user=user, site=place))
            found = selectors.site_registry_list(user=user, site=place)
            assert _rows(found) == expected, (who, place.name)
    assert [t.disposal_state for t in selectors.site_registry_list(user=psa, site=site)] == [
        "confirmed",
        "recorded",
    ]
    [listed] = selectors.site_registry_list(user=psa, site=other)
    assert listed.site_id == other.pk and selectors.disposal_of(listed) is None


def test_building_the_registry_query_reads_no_row(site, everyone):
    placeholder = Site(pk=-1)
    for who, user in everyone.items():
        selectors.site_registry_for(user=user, site=placeholder).query.sql_with_params()
        with CaptureQueriesContext(connection) as captured:
            selectors.site_registry_for(user=user, site=placeholder).query.sql_with_params()
        assert captured.captured_queries == [], who
