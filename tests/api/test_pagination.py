"""API lists come a bounded page at a time, with the total count."""

from __future__ import annotations

import pytest

from ..factories import SiteFactory


@pytest.mark.django_db
def test_site_list_pages_through_every_site_once(client, psa):
    expected = {SiteFactory(company=psa.organization).pk for _ in range(7)}
    client.force_login(psa)
    seen: list[int] = []
    for offset in range(0, 7, 3):
        page = client.get(f"/api/v1/sites?limit=3&offset={offset}").json()
        assert page["count"] == 7 and len(page["items"]) <= 3
        seen += [site["id"] for site in page["items"]]
    assert sorted(seen) == sorted(expected)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["limit=201", "limit=0", "offset=-1", "limit=abc"])
def test_a_page_size_out_of_bounds_is_refused(client, psa, query):
    client.force_login(psa)
    response = client.get(f"/api/v1/enrollments?{query}")
    assert response.status_code == 422 and response.json()["code"] == "invalid"
