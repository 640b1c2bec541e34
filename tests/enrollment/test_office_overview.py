"""The office's overview (#12): cases per step, cases behind their plan, the median days per
step, the requests of the apps above by kind and state — each chart an SVG with its table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.enrollment.models import ApplicationVersion, State
from dsg.enrollment.overview import step_times

from ..factories import SiteFactory
from ..walk import new_case, walk_to


def _submitted_days_ago(case, days: int) -> None:
    ApplicationVersion.objects.filter(application__enrollment=case).update(
        submitted_at=timezone.now() - dt.timedelta(days=days)
    )


@pytest.mark.django_db
def test_the_overview_draws_each_chart_with_its_table(client, company, cast):
    new_case(SiteFactory(company=company), cast)
    late = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    _submitted_days_ago(late, 90)
    walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    client.force_login(cast.reviewer)
    response = client.get("/office/overview/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") >= 4  # per step, days per step, changes, equipment requests
    assert page.count('class="chart__bar"') >= 7
    # ① holds two cases, ③ one: the table beside the chart says it, linked to the search.
    assert '<a href="/office/cases/?step=1">' in page and '<td class="num">2</td>' in page
    assert "data-behind-count>1<" in page and late.number in page
    assert "/office/cases/?overdue=1" not in page  # every late case is listed
    assert 'data-panel="overview"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "delegate", "user", "provider_staff"])
def test_only_the_office_opens_the_overview(client, everyone, who):
    client.force_login(everyone[who])
    assert client.get("/office/overview/").status_code == 403


@pytest.mark.django_db
def test_the_median_days_of_a_step_count_from_the_first_submission(company, cast):
    for days in (10, 20, 40):
        case = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
        _submitted_days_ago(case, days)
    times = {t.step: t for t in step_times(user=cast.reviewer)}
    assert times[1].cases == 3 and times[1].median_days == 20
    assert times[2].cases == 0 and times[2].median_days is None
    assert times[1].planned_business_days == 20
    # A company's PSA would measure only its own cases; the provider none of ①.
    assert step_times(user=cast.staff)[0].cases == 0
