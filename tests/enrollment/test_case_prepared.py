"""One case as a person sees it is read by a query compiled once per person, the case's id a
parameter (enrollment.selectors.enrollment_get_for, issue #14): for every role and case it
answers what the selector's queryset answers — the case with its site, company, application
and latest step, or not visible — and building it reads no row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.core.errors import NotVisible
from dsg.enrollment import selectors
from dsg.enrollment.models import State

from ..factories import SiteFactory
from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db


def _seen(case) -> tuple:
    return (
        case.pk,
        case.state,
        case.last_step,
        case.site.name,
        case.site.company.name,
        case.application.pk,
        case.application.planned_terminals,
    )


def test_the_kept_query_answers_as_the_selector_for_every_role_and_case(
    company, other_company, cast, everyone
):
    ours = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    draft = new_case(SiteFactory(company=company), cast)
    cast_other = type(cast)(**{**cast.__dict__, "psa": everyone["other_psa"]})
    theirs = new_case(SiteFactory(company=other_company), cast_other)
    selectors._CASES.clear()
    for who, user in everyone.items():
        for case in (ours, draft, theirs, ours):
            expected = selectors.enrollment_list_for(user=user).filter(pk=case.pk).first()
            if expected is None:
                with pytest.raises(NotVisible):
                    selectors.enrollment_get_for(user=user, pk=case.pk)
            else:
                found = selectors.enrollment_get_for(user=user, pk=case.pk)
                assert _seen(found) == _seen(expected), (who, case.pk)
        with pytest.raises(NotVisible):
            selectors.enrollment_get_for(user=user, pk=10**9)
    assert selectors.enrollment_get_for(user=cast.psa, pk=str(ours.pk)).pk == ours.pk


def test_building_the_case_query_reads_no_row(company, cast, everyone):
    new_case(SiteFactory(company=company), cast)
    for who, user in everyone.items():
        selectors.enrollment_list_for(user=user).filter(pk=-1).query.sql_with_params()
        with CaptureQueriesContext(connection) as captured:
            selectors.enrollment_list_for(user=user).filter(pk=-1).query.sql_with_params()
        assert captured.captured_queries == [], who
