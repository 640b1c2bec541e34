"""The 加入申請書: who may edit it and when, what is refused, the receipt number, the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import Application, State
from dsg.enrollment.services import APPLICATION_FIELDS, application_update

from ..walk import COMPLETE_APPLICATION, DESIRED_START, act, attach_documents, new_case, walk_to


def stored(enrollment) -> dict:
    return model_to_dict(Application.objects.get(enrollment=enrollment))


def refused_update(enrollment, actor, data) -> RuleViolation:
    before = (stored(enrollment), AuditEvent.objects.count())
    with pytest.raises(RuleViolation) as refusal:
        application_update(enrollment=enrollment, actor=actor, data=data)
    assert (stored(enrollment), AuditEvent.objects.count()) == before
    return refusal.value


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.DRAFT, State.RETURNED])
def test_the_psa_edits_the_application_in_draft_and_when_returned(site, cast, state):
    enrollment = walk_to(new_case(site, cast), state, cast)
    application_update(enrollment=enrollment, actor=cast.psa, data={"planned_terminals": 7})
    assert Application.objects.get(enrollment=enrollment).planned_terminals == 7


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state", [s for s in State.values if s not in (State.DRAFT, State.RETURNED)]
)
def test_the_application_is_frozen_in_every_other_state(site, cast, state):
    enrollment = walk_to(new_case(site, cast), state, cast)
    refusal = refused_update(enrollment, cast.psa, {"planned_terminals": 7})
    assert (refusal.status, refusal.code) == (409, "wrong_state")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", ["delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"]
)
def test_only_the_psa_of_the_company_edits_the_application(site, cast, everyone, key):
    enrollment = new_case(site, cast, complete=False)
    refusal = refused_update(enrollment, everyone[key], {"track_record": "書き換え"})
    assert (refusal.status, refusal.code) in {(403, "forbidden"), (404, "not_found")}
    assert refusal.status == 403 or key == "other_psa"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("planned_terminals", 0),
        ("planned_terminals", 1000),
        ("planned_terminals", -1),
        ("facility_basis", "whatever"),
        ("facility_basis", "STANDARD"),
        ("contract_name", "契" * 201),
    ],
)
def test_invalid_values_are_refused_and_nothing_changes(site, cast, field, value):
    enrollment = new_case(site, cast)  # complete, so a refusal must keep the stored values
    refusal = refused_update(
        enrollment, cast.psa, {"track_record": "変更されないはず", field: value}
    )
    assert (refusal.status, refusal.code, refusal.field) == (422, "invalid", field)
    assert (
        Application.objects.get(enrollment=enrollment).track_record
        == (COMPLETE_APPLICATION["track_record"])
    )


@pytest.mark.django_db
@pytest.mark.parametrize("value", [1, 999])
def test_the_bounds_of_planned_terminals_are_accepted(site, cast, value):
    enrollment = new_case(site, cast, complete=False)
    application_update(enrollment=enrollment, actor=cast.psa, data={"planned_terminals": value})
    assert Application.objects.get(enrollment=enrollment).planned_terminals == value


@pytest.mark.django_db
def test_fields_outside_the_form_are_ignored(site, cast):
    enrollment = new_case(site, cast, complete=False)
    application_update(
        enrollment=enrollment,
        actor=cast.psa,
        data={"receipt_number": "FORGED", "submission_count": 9, "contract_name": "契約A"},
    )
    application = Application.objects.get(enrollment=enrollment)
    assert (application.receipt_number, application.submission_count) == ("", 0)
    assert application.contract_name == "契約A"


@pytest.mark.django_db
def test_a_receipt_number_is_assigned_on_every_submission(site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    first = Application.objects.get(enrollment=enrollment)
    assert first.submission_count == 1
    assert first.receipt_number.isdigit()
    assert first.receipt_number.endswith("01")

    act(enrollment, "return_for_correction", cast.reviewer, comment="設備の根拠を補正")
    returned = Application.objects.get(enrollment=enrollment)
    assert returned.receipt_number == first.receipt_number  # kept until resubmitted
    application_update(enrollment=enrollment, actor=cast.psa, data={"facility_basis": "exception"})
    attach_documents(enrollment, cast.psa, kinds=("facility_exception",))
    act(enrollment, "submit", cast.psa)

    second = Application.objects.get(enrollment=enrollment)
    assert second.submission_count == 2
    assert second.receipt_number != first.receipt_number
    assert second.receipt_number.endswith("02")
    assert second.submitted_at >= first.submitted_at
    receipts = [
        record.data["receipt_number"]
        for record in enrollment.records.filter(transition="submit").order_by("recorded_at", "pk")
    ]
    assert receipts == [first.receipt_number, second.receipt_number]


@pytest.mark.django_db
def test_receipt_numbers_differ_between_cases(cast, site, company):
    from ..factories import SiteFactory

    one = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    two = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    assert (
        Application.objects.get(enrollment=one).receipt_number
        != Application.objects.get(enrollment=two).receipt_number
    )


@pytest.mark.django_db
def test_every_update_is_audited_with_the_changed_fields_only(site, cast):
    enrollment = new_case(site, cast, complete=False)
    application = Application.objects.get(enrollment=enrollment)
    events = AuditEvent.objects.count()

    application_update(enrollment=enrollment, actor=cast.psa, data=COMPLETE_APPLICATION)
    first = AuditEvent.objects.order_by("-sequence").first()
    assert AuditEvent.objects.count() == events + 1
    assert first.action == "application.update"
    assert (first.object_type, first.object_id) == ("enrollment.application", str(application.pk))
    assert first.actor_id == cast.psa.pk
    assert first.company_id == site.company_id
    assert set(first.before) == set(first.after) == set(COMPLETE_APPLICATION)
    assert first.before["track_record"] == ""
    assert first.before["planned_terminals"] is None
    assert first.after["desired_start"] == DESIRED_START.isoformat()
    later = DESIRED_START + dt.timedelta(days=35)

    application_update(
        enrollment=enrollment,
        actor=cast.psa,
        data={
            "planned_terminals": 3,
            "contract_name": COMPLETE_APPLICATION["contract_name"],  # unchanged
            "desired_start": later,
        },
    )
    second = AuditEvent.objects.order_by("-sequence").first()
    assert second.before == {"planned_terminals": 1, "desired_start": DESIRED_START.isoformat()}
    assert second.after == {"planned_terminals": 3, "desired_start": later.isoformat()}

    application_update(enrollment=enrollment, actor=cast.psa, data={"planned_terminals": 3})
    third = AuditEvent.objects.order_by("-sequence").first()
    assert third.sequence == second.sequence + 1
    assert (third.before, third.after) == ({}, {})
    for event in (first, second, third):
        assert set(event.before) <= set(APPLICATION_FIELDS)
    assert audit_verify().ok
