"""The office dashboard shows every step's count and the cases waiting longest; the list pages."""

from __future__ import annotations

import pytest

from dsg.enrollment.models import State
from dsg.enrollment.views import CASE_LIST_PAGE, DASHBOARD_ROWS

from ..factories import SiteFactory
from ..walk import new_case, walk_to


@pytest.mark.django_db
def test_a_crowded_step_shows_its_count_and_a_link_to_all_of_them(client, company, cast):
    cases = [new_case(SiteFactory(company=company), cast) for _ in range(DASHBOARD_ROWS + 2)]
    client.force_login(cast.reviewer)
    page = client.get("/").content.decode()
    assert page.count('data-state="draft"') == DASHBOARD_ROWS
    assert "?step=1" in page and str(len(cases)) in page
    listing = client.get("/enrollments/?step=1").content.decode()
    assert all(case.number in listing for case in cases)


@pytest.mark.django_db
def test_the_case_list_pages_and_refuses_unknown_steps(client, company, cast):
    for _ in range(CASE_LIST_PAGE + 1):
        new_case(SiteFactory(company=company), cast, complete=False)
    client.force_login(cast.reviewer)
    first = client.get("/enrollments/?step=1").content.decode()
    second = client.get("/enrollments/?step=1&page=2").content.decode()
    assert first.count('data-state="draft"') == CASE_LIST_PAGE
    assert second.count('data-state="draft"') == 1
    for bad in ("9", "x", "-1"):
        assert client.get(f"/enrollments/?step={bad}").status_code == 404


@pytest.mark.django_db
def test_the_provider_lists_nothing_before_the_survey(client, site, cast):
    early = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    client.force_login(cast.staff)
    assert early.number not in client.get("/enrollments/?step=1").content.decode()
    assert early.number not in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_site_list_is_paged(client, company, cast):
    from dsg.orgs.views import SITE_LIST_PAGE

    names = [SiteFactory(company=company).name for _ in range(SITE_LIST_PAGE + 1)]
    client.force_login(cast.reviewer)
    first = client.get("/sites/").content.decode()
    second = client.get("/sites/?page=2").content.decode()
    assert sum(name in first for name in names) == SITE_LIST_PAGE
    assert sum(name in second for name in names) == 1
