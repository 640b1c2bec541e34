"""The case's detail (#14): its application's task list only on request (?include=tasks), as
the application's own resource always gives it; and the list's rows as the detail says them."""

from __future__ import annotations

import pytest

from dsg.enrollment.services import enrollment_create

from ..factories import SiteFactory


@pytest.fixture
def case(psa):
    return enrollment_create(site=SiteFactory(company=psa.organization), actor=psa)


@pytest.mark.django_db
def test_the_detail_gives_the_task_list_only_with_include_tasks(client, psa, case):
    client.force_login(psa)
    plain = client.get(f"/api/v1/enrollments/{case.pk}").json()
    assert plain["application"]["tasks"] is None and plain["application"]["missing"] is None
    full = client.get(f"/api/v1/enrollments/{case.pk}?include=tasks").json()
    own = client.get(f"/api/v1/enrollments/{case.pk}/application").json()
    assert full["application"]["tasks"] == own["tasks"] and own["tasks"]
    assert full["application"]["missing"] == own["missing"] and own["missing"]  # a new draft
    plain["application"].pop("tasks"), full["application"].pop("tasks")
    plain["application"].pop("missing"), full["application"].pop("missing")
    assert plain == full  # the rest alike


@pytest.mark.django_db
def test_an_unknown_include_is_refused(client, psa, case):
    client.force_login(psa)
    response = client.get(f"/api/v1/enrollments/{case.pk}?include=everything")
    assert response.status_code == 422 and response.json()["code"] == "invalid"


@pytest.mark.django_db
def test_a_row_of_the_list_says_what_the_detail_says(client, psa, case):
    """The list's rows are built from columns, not the model: the same fields and values."""
    client.force_login(psa)
    row = client.get("/api/v1/enrollments").json()["items"][0]
    detail = client.get(f"/api/v1/enrollments/{case.pk}").json()
    assert row == {key: detail[key] for key in row}
    assert row["number"] == case.number and row["state_label"] == case.get_state_display()
    site = client.get("/api/v1/sites").json()["items"][0]
    assert site == client.get(f"/api/v1/sites/{site['id']}").json()
