"""The permission engine asks each app's registered policy and says the same thing whichever way
it is asked: ``sees`` (one object) agrees with ``restrict`` (a query) for every registered model,
every row and every role; unknown actions and undeclared models are never allowed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from dsg.enrollment.models import State
from dsg.inspections import services as inspections
from dsg.orgs import permissions
from dsg.orgs.models import Organization

from ..appointments.dates import business_day_at
from ..factories import SiteFactory
from ..walk import after_commit, new_case, walk_to


@pytest.fixture
def world(site, cast, company, other_psa):
    """A completed case (every record of ①–⑦), a case at ③, a round of ② with a date, and a case
    of another company."""
    with after_commit():
        completed = walk_to(new_case(site, cast), State.COMPLETED, cast)
    walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    at_inspection = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    inspections.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[business_day_at(3)]
    )
    other_site = SiteFactory(company=other_psa.organization)
    return completed, other_site


def test_sees_agrees_with_restrict_for_every_model_row_and_role(world, everyone):
    checked = 0
    for model in permissions.VISIBILITY:
        rows = list(model._default_manager.all())
        for person in everyone.values():
            visible = set(permissions.restrict(person, model._default_manager.all()))
            for row in rows:
                assert permissions.sees(person, row) == (row in visible), (
                    model._meta.label,
                    row.pk,
                    person.role,
                )
                checked += 1
    assert checked > 300


def test_an_unknown_action_is_never_allowed(everyone):
    assert not any(permissions.may(person, "case.delete") for person in everyone.values())


def test_a_model_without_a_declared_visibility_is_refused(everyone):
    with pytest.raises(ImproperlyConfigured):
        permissions.restrict(everyone["reviewer"], Organization.objects.all())
