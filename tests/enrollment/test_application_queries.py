"""The application pages use a fixed number of queries, whatever contacts, comments, versions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.enrollment.application_services import review_comment_add
from dsg.enrollment.models import State
from dsg.enrollment.services import application_update

from ..walk import act, attach_documents, new_case, walk_to

pytestmark = pytest.mark.django_db


def _count(client, user, url: str) -> int:
    client.force_login(user)
    client.get(url)  # a first visit may start the review; count the steady state
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _grow(enrollment, cast, n: int) -> None:
    """More contacts, documents, comments and submitted versions."""
    if enrollment.state == State.SUBMITTED:
        version = enrollment.application.versions.last()
        for i in range(n):
            review_comment_add(version=version, actor=cast.reviewer, part="site", text=f"指摘{i}")
        act(enrollment, "return_for_correction", cast.reviewer, comment="補正")
    contacts = [
        {"name": f"連絡{i}", "phone": "03-1111-2222", "email": f"c{i}@x.jp"} for i in range(n)
    ]
    application_update(enrollment=enrollment, actor=cast.psa, data={"contacts": contacts})
    attach_documents(enrollment, cast.psa, kinds=("layout", "audit_result") * n)
    act(enrollment, "submit", cast.psa)


URLS = [
    "/enrollments/{e}/application/",
    "/enrollments/{e}/application/contacts/",
    "/enrollments/{e}/application/documents/",
    "/enrollments/{e}/application/confirm/",
    "/enrollments/{e}/application/versions/",
    "/enrollments/{e}/application/compare/?a=1&b=2",
    "/application-versions/{v}/",
    "/api/v1/enrollments/{e}/application",
    "/api/v1/enrollments/{e}/application/versions",
    "/api/v1/application-versions/{v}",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("who", ["psa", "reviewer"])
def test_application_pages_use_a_fixed_number_of_queries(client, site, cast, everyone, url, who):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    _grow(enrollment, cast, 1)

    def fill() -> str:
        version = enrollment.application.versions.last()
        return url.format(e=enrollment.pk, v=version.pk)

    few = _count(client, everyone[who], fill())
    _grow(enrollment, cast, 4)
    many = _count(client, everyone[who], fill())
    assert many == few, f"{url} as {who}: {few} queries with little data, {many} with more"
