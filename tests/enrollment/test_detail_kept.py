"""The case's detail reads its application's contacts, account holders and latest version and
the case's history through queries kept compiled per person (enrollment.api, issue #14): for
every role that uses the API and every case, the detail answers as when each is built anew —
whoever's call built them first (the tenancy scope of the person who built a query is not
another's) — and building them reads no row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from dsg.enrollment import api, selectors
from dsg.enrollment.application_services import current_version
from dsg.enrollment.models import ApplicationAccountHolder, ApplicationContact, State
from dsg.orgs.models import Role

from ..factories import SiteFactory
from ..walk import act, new_case, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(company, other_company, cast, everyone):
    cast_other = type(cast)(**{**cast.__dict__, "psa": everyone["other_psa"]})
    survey = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    returned = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    act(returned, "return_for_correction", cast.reviewer, comment="補正してください")
    for position, name in enumerate(("連絡 一郎", "連絡 二郎")):
        ApplicationContact.objects.create(
            application=survey.application,
            position=position,
            name=name,
            phone="03-1234-5678",
            email=f"c{position}@example.jp",
        )
        ApplicationAccountHolder.objects.create(
            application=survey.application,
            position=position,
            name=name,
            email=f"a{position}@example.jp",
        )
    return [
        survey,
        returned,
        new_case(SiteFactory(company=company), cast),  # a draft: no version yet
        new_case(SiteFactory(company=company), cast, complete=False),  # no contacts
        walk_to(
            new_case(SiteFactory(company=other_company), cast_other), State.SUBMITTED, cast_other
        ),
    ]


def _api_users(everyone):
    return {who: u for who, u in everyone.items() if u.role != Role.USER}  # the 利用者: no API


def _details(client, users, cases) -> dict:
    answers = {}
    for who, user in users.items():
        client.force_login(user)
        for case in cases:
            for extra in ("", "?include=tasks"):
                response = client.get(f"/api/v1/enrollments/{case.pk}{extra}")
                answers[who, case.pk, extra] = (response.status_code, response.json())
    return answers


def test_the_detail_answers_as_when_its_reads_are_built_anew(client, cases, everyone):
    users = _api_users(everyone)
    fresh = {}
    for who, user in users.items():  # each call's reads built anew
        client.force_login(user)
        for case in cases:
            for extra in ("", "?include=tasks"):
                api._DETAIL_READS.clear()
                response = client.get(f"/api/v1/enrollments/{case.pk}{extra}")
                fresh[who, case.pk, extra] = (response.status_code, response.json())
    # kept: built by whoever called first, each order of callers
    api._DETAIL_READS.clear()
    assert _details(client, users, cases) == fresh
    assert _details(client, dict(reversed(users.items())), cases) == fresh
    # what the answers hold, read from the models
    ours = cases[0]
    status, body = fresh["reviewer", ours.pk, ""]
    assert status == 200
    application = body["application"]
    assert [c["email"] for c in application["contacts"]] == list(
        ApplicationContact.objects.filter(application=ours.application).values_list(
            "email", flat=True
        )
    )
    assert application["contacts"] and application["account_holders"]
    assert len(application["account_holders"]) == (
        ApplicationAccountHolder.objects.filter(application=ours.application).count()
    )
    assert application["status"] == selectors.application_status(ours, current_version(ours))
    for who in ("reviewer", "provider_staff", "psa"):
        records = fresh[who, ours.pk, ""][1]["records"]
        expected = selectors.step_records_for(user=users[who], enrollment=ours)
        assert [r["transition"] for r in records] == [r.transition for r in expected], who
    assert (
        fresh["provider_staff", ours.pk, ""][1]["records"]
        != fresh["reviewer", ours.pk, ""][1]["records"]
    )
    assert fresh["other_psa", ours.pk, ""][0] == 404  # another company's case
    returned = fresh["psa", cases[1].pk, ""][1]["application"]
    assert returned["status"] == "returned"


def test_building_the_detail_reads_reads_no_row(cases, everyone):
    ours = cases[0]
    application = ours.application.pk
    for who, user in _api_users(everyone).items():
        request = RequestFactory().get("/")
        request.user = user
        api._DETAIL_READS.clear()
        with CaptureQueriesContext(connection) as captured:
            api._records_of(user, ours)
            api._latest_version(ours, request)
            api._kept_rows_of("contacts", ApplicationContact, application, request)
            api._kept_rows_of("account_holders", ApplicationAccountHolder, application, request)
        assert len(captured.captured_queries) == 4, who  # their runs: built or kept alike
