"""The API's case list reads its page, its keyset pages and its count through queries kept
compiled per person and shape of the filters (enrollment.search.enrollment_search_kept,
core.pagination.KeptList, issue #14): for every role, every filter the list offers and every
order, the kept answers are those of the search built anew — on the first call that keeps the
queries and on later calls with other values in the same shape — and building them reads no
row. Another company's cases never appear."""

from __future__ import annotations

import datetime as dt
from itertools import product
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsg.core import pagination
from dsg.core.pagination import KeptList, KeysetInput, KeysetPagination
from dsg.enrollment.api import _list_rows
from dsg.enrollment.models import ApplicationVersion, State
from dsg.enrollment.search import SORTS, WORDS_KEPT, CaseQuery, enrollment_search_kept
from dsg.orgs.models import Role

from ..factories import SiteFactory
from ..walk import act, new_case, walk_to

pytestmark = pytest.mark.django_db

# Each filter the list offers, with values a call gives in the same shape (the kept query is
# built for the first and must answer the others as a fresh build does).
SHAPES: dict[str, list[dict[str, Any]]] = {
    "none": [{}],
    "one word": [{"q": "工業"}, {"q": "第"}, {"q": "存在しない"}, {"q": "100%_"}],
    "two words": [{"q": "工業 拠点"}, {"q": "ＤＳＧ 株式会社"}],
    "case number": [{"q": "DSG-"}, {"q": "00001"}],
    "receipt": [{"q": "0001"}],  # the 到達番号's submission number (and some case numbers)
    "too many words": [{"q": " ".join(["拠点"] * (WORDS_KEPT + 1))}],
    "step": [{"step": 1}, {"step": 3}, {"step": 0}, {"step": 8}],
    "state": [{"state": State.SUBMITTED}, {"state": State.DRAFT}, {"state": State.REJECTED}],
    "waiting": [{"waiting": "office"}, {"waiting": "company"}],
    "overdue": [{"overdue": True}],
    "prefecture": [{"prefecture": "13"}, {"prefecture": "27"}, {"prefecture": "01"}],
    "all at once": [
        {"q": "拠点", "step": 1, "overdue": True, "prefecture": "13", "state": State.SUBMITTED},
        {"q": "工業", "step": 1, "overdue": True, "prefecture": "27", "state": State.SURVEY},
    ],
}
ORDERS = [(sort, descending) for sort, descending in product(SORTS, (False, True))]
# every order without filters; with one, the default, one keyed by text and one by offset
# (到達番号 may be NULL), or (the slow shapes, built anew for each comparison) the last two
SOME_ORDERS = [("created", True), ("company", False), ("receipt", True)]
FEW_ORDERS = [("created", True), ("receipt", False)]


@pytest.fixture
def cases(company, other_company, cast, everyone):
    def at(state, company_, cast_, prefecture="13"):
        site = SiteFactory(company=company_, prefecture=prefecture)
        return walk_to(new_case(site, cast_), state, cast_)

    cast_other = type(cast)(**{**cast.__dict__, "psa": everyone["other_psa"]})
    made = [
        at(State.SUBMITTED, company, cast),
        at(State.SUBMITTED, company, cast, prefecture="27"),
        at(State.SURVEY, company, cast),
        at(State.DRAFT, company, cast),
        at(State.SUBMITTED, other_company, cast_other),
        at(State.DRAFT, other_company, cast_other, prefecture="27"),
    ]
    act(at(State.SUBMITTED, company, cast), "reject", cast.reviewer, comment="要件を満たさない")
    # two behind their plan (submitted long ago), one of them another company's
    for case in (made[0], made[4]):
        ApplicationVersion.objects.filter(application__enrollment=case).update(
            submitted_at=timezone.now() - dt.timedelta(days=60)
        )
    return made


def _plain(page: dict[str, Any]) -> dict[str, Any]:
    """A page as compared: its rows, count, and cursor without its signature's time."""
    return {
        "items": [dict(row) for row in page["items"]],
        "count": page["count"],
        "next": page["next"] and page["next"].split(":")[0],
    }


def _read(source: KeptList | Any, limit: int = 3) -> list[dict[str, Any]]:
    """Every way the list is read: the first page and its count, a page by offset, and every
    page by cursor to the end."""
    paginator = KeysetPagination()
    request = RequestFactory().get("/api/v1/enrollments")
    pages = [
        paginator.paginate_queryset(source, KeysetInput(limit=limit), request),
        paginator.paginate_queryset(source, KeysetInput(limit=limit, offset=1), request),
    ]
    cursor: str | None = ""
    while cursor is not None:
        page = paginator.paginate_queryset(source, KeysetInput(limit=limit, cursor=cursor), request)
        pages.append(page)
        cursor = page["next"]
        assert len(pages) < 20
    return [_plain(page) for page in pages]


def _kept(user, query: CaseQuery) -> KeptList:
    return enrollment_search_kept(user=user, query=query, rows=_list_rows, name="test")


@pytest.mark.parametrize("shape", SHAPES)
def test_kept_list_answers_as_the_search_built_anew(shape, cases, everyone):
    pagination._KEPT_LISTS.clear()
    orders = {"none": ORDERS, "waiting": FEW_ORDERS, "too many words": FEW_ORDERS}.get(
        shape, SOME_ORDERS
    )
    for (who, user), (sort, descending) in product(everyone.items(), orders):
        if user.role == Role.USER:
            continue  # the 利用者 uses no API (#12)
        for values in SHAPES[shape]:
            query = CaseQuery(**values, sort=sort, descending=descending)
            source = _kept(user, query)
            fresh = source.fresh()
            kept = _read(source)
            assert kept == _read(fresh), (who, values, sort, descending)
            # another company's cases never appear
            visible = set(fresh.values_list("site__company_id", flat=True))
            if user.organization.kind == "company":
                assert visible <= {user.organization_id}, who
            assert {row["company_id"] for page in kept for row in page["items"]} <= visible


def test_the_kept_queries_are_kept_and_their_building_reads_no_row(cases, everyone, cast):
    pagination._KEPT_LISTS.clear()
    for name, values in SHAPES.items():
        for value in values:
            source = _kept(cast.reviewer, CaseQuery(**value))
            if name == "too many words":
                assert not source.kept  # built every call
                continue
            with CaptureQueriesContext(connection) as captured:
                str(source.build().query)
                str(source.count_build().query)  # type: ignore[misc]
            assert captured.captured_queries == [], name
    kept = len(pagination._KEPT_LISTS._items)
    for value in SHAPES["one word"]:  # other words in the same shape: the same kept queries
        _read(_kept(cast.reviewer, CaseQuery(**value)))
    assert len(pagination._KEPT_LISTS._items) == kept + 1
    # a page and its count: one query each, built or kept
    source = _kept(cast.reviewer, CaseQuery(q="工業"))
    with CaptureQueriesContext(connection) as captured:
        _read(source, limit=50)
    # page and count, by offset page and count, by cursor the one page
    assert len(captured.captured_queries) == 2 + 2 + 1


def test_a_kept_list_keys_on_the_person_and_the_day(cases, everyone, cast):
    psa, other = everyone["psa"], everyone["other_psa"]
    query = CaseQuery()
    assert _kept(psa, query).key != _kept(other, query).key
    assert _kept(psa, query).key != _kept(cast.reviewer, query).key
    ours = {row["company_id"] for page in _read(_kept(psa, query)) for row in page["items"]}
    theirs = {row["company_id"] for page in _read(_kept(other, query)) for row in page["items"]}
    assert ours == {psa.organization_id} and theirs == {other.organization_id}
    assert timezone.localdate() in _kept(psa, query).key  # the open items' dates, ?overdue
