"""provisioning's open items (core.todos): during ③–⑥ the case waits on the company to confirm a
date the provider proposed, to carry out its ancillary work, to confirm the setup media arrived
and to open the account link; on the provider to visit on a confirmed date or propose again."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dsg.core.todos import todos_for
from dsg.enrollment.models import State
from dsg.provisioning import services as prov

from ..appointments.dates import business_day_at
from ..walk import new_case, setup_terminal_passed, walk_to


def items(user, enrollment) -> list[tuple[str, str]]:
    found = todos_for(user=user, cases={"enrollment": [enrollment.pk]})
    return [(t.code, t.who) for t in found]


@pytest.fixture
def at_survey(site, cast):
    return walk_to(new_case(site, cast), State.SURVEY, cast)


@pytest.mark.django_db
def test_a_proposed_date_waits_on_the_psa_then_the_visit_on_the_provider(at_survey, cast):
    starts = business_day_at(3, 10)
    appointment = prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=starts
    )
    found = todos_for(user=cast.psa, cases={"enrollment": [at_survey.pk]})
    [confirm] = [t for t in found if t.code == "appointment.confirm"]
    assert (confirm.who, confirm.action) == ("company", "appointment.respond")
    assert confirm.due == timezone.localdate(starts)
    assert confirm.url == f"/enrollments/{at_survey.pk}/#appointments"
    assert ("survey.finish", "provider") in items(cast.psa, at_survey)

    prov.appointment_request_other_date(appointment=appointment, actor=cast.psa, message="別日で")
    assert ("appointment.propose", "provider") in items(cast.staff, at_survey)
    assert ("appointment.confirm", "company") not in items(cast.staff, at_survey)

    again = prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=starts
    )
    assert ("appointment.propose", "provider") not in items(cast.staff, at_survey)
    prov.appointment_confirm(appointment=again, actor=cast.psa)
    assert ("appointment.visit", "provider") in items(cast.reviewer, at_survey)
    assert ("appointment.confirm", "company") not in items(cast.reviewer, at_survey)


@pytest.mark.django_db
def test_ancillary_work_waits_on_the_company(at_survey, cast):
    work = prov.ancillary_work_add(enrollment=at_survey, actor=cast.staff, description="配管工事")
    [item] = [
        t
        for t in todos_for(user=cast.psa, cases={"enrollment": [at_survey.pk]})
        if t.code == "ancillary_work.done"
    ]
    assert (item.who, item.detail, item.action) == (
        "company",
        "配管工事",
        "ancillary_work.mark_done",
    )
    prov.ancillary_work_mark_done(work=work, actor=cast.psa, done_on=timezone.localdate())
    assert ("ancillary_work.done", "company") not in items(cast.psa, at_survey)


@pytest.mark.django_db
def test_setup_media_and_the_account_link_wait_on_the_company(site, cast):
    enrollment = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    assert ("media.ship", "provider") in items(cast.psa, enrollment)
    assert ("account.deliver", "provider") in items(cast.psa, enrollment)
    prov.media_ship(
        enrollment=enrollment,
        actor=cast.staff,
        carrier="ヤマト運輸",
        tracking_number="1234-5678",
        shipped_on=timezone.localdate(),
    )
    assert ("media.receive", "company") in items(cast.psa, enrollment)
    holder = enrollment.account_holders.order_by("pk").first()
    delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username="dsg-1", password="Init-Pw-1"
    )
    [link] = [
        t
        for t in todos_for(user=cast.psa, cases={"enrollment": [enrollment.pk]})
        if t.code == "account_delivery.open"
    ]
    assert link.due == timezone.localdate(delivery.expires_at) and link.detail == holder.name
    assert ("account.deliver", "provider") not in items(cast.psa, enrollment)
    prov.account_delivery_open(token=token, actor=cast.psa)
    assert ("account_delivery.open", "company") not in items(cast.psa, enrollment)
    assert ("vein.register", "provider") in items(cast.psa, enrollment)


@pytest.mark.django_db
def test_each_terminal_waits_on_its_connection_test(site, cast):
    enrollment = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    prov.terminal_register(
        enrollment=enrollment,
        actor=cast.psa,
        name="PC-09",
        model_name="指定端末",
        serial_number="S9",
    )
    [test] = [
        t
        for t in todos_for(user=cast.delegate, cases={"enrollment": [enrollment.pk]})
        if t.code == "connection_test.record"
    ]
    assert (test.who, test.detail) == ("company", "PC-09")
    assert test.url == f"/enrollments/{enrollment.pk}/#terminals"
    setup_terminal_passed(enrollment, cast, name="PC-10")
    found = [t.detail for t in todos_for(user=cast.psa) if t.code == "connection_test.record"]
    assert found == ["PC-09"]  # PC-10 passed its test


@pytest.mark.django_db
def test_another_company_sees_none_of_the_cases_items(at_survey, cast, other_psa):
    prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=business_day_at(3, 10)
    )
    assert items(other_psa, at_survey) == []
    assert todos_for(user=other_psa) == []
