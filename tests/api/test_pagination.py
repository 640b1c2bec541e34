"""API lists come a bounded page at a time, with the total count."""

from __future__ import annotations

import pytest

from ..factories import CompanyFactory, SiteFactory


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


# Paging by cursor (#14): the page after the previous page's last row, without a count --------
def _cases(psa, n):
    from dsg.enrollment.services import enrollment_create

    return [
        enrollment_create(site=SiteFactory(company=psa.organization), actor=psa).pk
        for _ in range(n)
    ]


def _walk(client, path, limit):
    """Every page of ``path`` by cursor: the ids in order, and each page's count."""
    ids, counts, cursor = [], [], ""
    for _ in range(50):
        page = client.get(f"{path}&limit={limit}&cursor={cursor}").json()
        ids += [row["id"] for row in page["items"]]
        counts.append(page["count"])
        cursor = page["next"]
        if cursor is None:
            return ids, counts
    raise AssertionError("the cursor never ended")


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["", "company", "-since", "number", "-receipt"])
def test_the_case_list_by_cursor_is_the_list_by_offset(client, psa, ordering):
    """Each order pages to the same rows in the same order by cursor as by offset, with ties
    (one company: every case's company name alike) broken by the primary key; a nullable
    column's order (the application's 到達番号) pages by an offset inside the cursor."""
    _cases(psa, 7)
    client.force_login(psa)
    path = f"/api/v1/enrollments?ordering={ordering}" if ordering else "/api/v1/enrollments?"
    whole = client.get(f"{path}&limit=100").json()
    assert whole["count"] == 7 and whole["next"] is None
    ids, counts = _walk(client, path, 3)
    assert ids == [row["id"] for row in whole["items"]]
    assert counts == [None, None, None]  # no count asked of the database by cursor


@pytest.mark.django_db
def test_an_offset_page_gives_the_cursor_of_the_next(client, psa):
    expected = _cases(psa, 5)
    client.force_login(psa)
    first = client.get("/api/v1/enrollments?ordering=number&limit=2").json()
    assert first["count"] == 5 and [r["id"] for r in first["items"]] == sorted(expected)[:2]
    second = client.get(f"/api/v1/enrollments?ordering=number&limit=2&cursor={first['next']}")
    assert [r["id"] for r in second.json()["items"]] == sorted(expected)[2:4]


@pytest.mark.django_db
def test_a_cursor_shows_another_company_nothing_of_the_rows_it_came_from(client, psa, other_psa):
    """A cursor names a position, not rows: used by another company's PSA it pages through
    their own cases only."""
    _cases(psa, 4)
    theirs = _cases(other_psa, 3)
    client.force_login(psa)
    cursor = client.get("/api/v1/enrollments?ordering=number&limit=1").json()["next"]
    client.force_login(other_psa)
    page = client.get(f"/api/v1/enrollments?ordering=number&limit=10&cursor={cursor}").json()
    assert {row["id"] for row in page["items"]} <= set(theirs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("AA" if c[-2:] != "AA" else "BB"),  # the signature broken
        lambda c: "eyJvIjpbInBrIl0sIm4iOjB9:forged:sig",  # made up
        lambda c: c + "&offset=1",  # with an offset
    ],
)
def test_a_forged_or_mixed_cursor_is_refused(client, psa, tamper):
    _cases(psa, 3)
    client.force_login(psa)
    cursor = client.get("/api/v1/enrollments?limit=1").json()["next"]
    response = client.get(f"/api/v1/enrollments?limit=1&cursor={tamper(cursor)}")
    assert response.status_code == 422 and response.json()["code"] == "invalid_cursor"
    assert response.json()["field"] == "cursor"


@pytest.mark.django_db
def test_a_cursor_of_another_order_is_refused(client, psa):
    _cases(psa, 3)
    client.force_login(psa)
    cursor = client.get("/api/v1/enrollments?ordering=company&limit=1").json()["next"]
    response = client.get(f"/api/v1/enrollments?ordering=-since&limit=1&cursor={cursor}")
    assert response.status_code == 422 and response.json()["code"] == "invalid_cursor"


@pytest.mark.django_db
def test_the_site_list_by_cursor_is_the_list_by_offset(client, reviewer):
    """Sites order by company, name and key: the cursor holds the three, never a count (the
    office sees every company's: the same names in three companies)."""
    for company in [CompanyFactory() for _ in range(3)]:
        for name in ["b", "a", "c"]:
            SiteFactory(company=company, name=name)
    client.force_login(reviewer)
    whole = client.get("/api/v1/sites?limit=100").json()
    ids, counts = _walk(client, "/api/v1/sites?", 2)
    assert ids == [row["id"] for row in whole["items"]] and len(ids) == whole["count"] >= 9
    assert set(counts) == {None}
