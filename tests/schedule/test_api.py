"""The schedule API: a case's plan, pure planning, and the office's durations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dsg.audit.models import AuditEvent
from dsg.enrollment.models import State
from dsg.orgs.permissions import may_use_api
from dsg.orgs.services import api_token_create
from dsg.schedule.models import StepDuration
from dsg.schedule.planner import DEFAULT_DURATIONS, latest_start, plan

from ..walk import new_case, take_by_inspection, walk_to

API = "/api/v1"
pytestmark = pytest.mark.django_db
DURATIONS = {f"step_{n}": days for n, days in DEFAULT_DURATIONS.items()}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_case_schedule_has_seven_steps_and_actuals(site, cast):
    enrollment = walk_to(new_case(site, cast), State.SURVEY, cast)
    token = api_token_create(actor=cast.psa, name="schedule")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    body = client.get(f"{API}/enrollments/{enrollment.pk}/schedule").json()
    assert [s["step"] for s in body["steps"]] == list(range(1, 8))
    assert body["steps"][0]["actual_start"] is not None
    assert body["steps"][3]["actual_start"] is None
    assert {"start", "completion", "latest_start", "warnings", "desired_start"} <= set(body)


def test_case_schedule_of_another_company_is_404(site, cast, other_psa):
    enrollment = new_case(site, cast)
    response = logged_in(other_psa).get(f"{API}/enrollments/{enrollment.pk}/schedule")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_provider_reads_the_schedule_from_the_survey_on(site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    staff = logged_in(cast.staff)
    assert staff.get(f"{API}/enrollments/{enrollment.pk}/schedule").status_code == 404
    take_by_inspection(enrollment, "pass_inspection", cast)
    assert staff.get(f"{API}/enrollments/{enrollment.pk}/schedule").status_code == 200


def test_plan_forwards_and_backwards(psa):
    body = (
        logged_in(psa)
        .get(f"{API}/schedule/plan", {"start": "2027-04-26", "target": "2027-10-01"})
        .json()
    )
    expected = plan(dt.date(2027, 4, 26))
    assert body["completion"] == expected.completion.isoformat()
    assert body["latest_start"] == latest_start(dt.date(2027, 10, 1)).isoformat()
    assert body["steps"][3]["start"] == "2027-08-02"
    assert body["warnings"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2027-02-30"},
        {"start": "2027-04-26", "terminals": "0"},
        {"start": "2027-04-26", "terminals": "1000"},
        {"start": "2027-04-26", "target": "2027-01-01"},
    ],
)
def test_plan_refuses_bad_input_with_422(psa, query):
    response = logged_in(psa).get(f"{API}/schedule/plan", query)
    assert response.status_code == 422
    assert {"detail", "code"} <= set(response.json())


def test_durations_read_by_anyone_and_written_by_the_reviewer_only(everyone):
    for who, person in everyone.items():
        client = logged_in(person)
        if not may_use_api(person):  # the 利用者 uses no API (#12); the page shows the plan
            assert client.get(f"{API}/schedule/durations").status_code == 403
            continue
        assert client.get(f"{API}/schedule/durations").json() == DURATIONS
        response = client.put(
            f"{API}/schedule/durations",
            {**DURATIONS, "step_1": 30},
            content_type="application/json",
        )
        if who == "reviewer":
            assert response.status_code == 200 and response.json()["step_1"] == 30
            StepDuration.objects.all().delete()
        else:
            assert response.status_code == 403, who
    assert AuditEvent.objects.filter(action="schedule.step_duration.update").count() == 1


@pytest.mark.parametrize("bad", [0, 121, "x", None])
def test_durations_out_of_range_are_422_and_nothing_changes(reviewer, bad):
    response = logged_in(reviewer).put(
        f"{API}/schedule/durations", {**DURATIONS, "step_4": bad}, content_type="application/json"
    )
    assert response.status_code == 422
    assert not StepDuration.objects.exists()
