"""The procedure's state machine, generated from its declaration, and the rules of its steps.

The matrix walks a fresh case to every declared (transition, source) pair and checks who may take
it; a new transition fails ``test_every_transition_is_mapped_to_its_action`` until it is mapped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation
from django_fsm import GET_STATE

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import (
    PROVIDER_VISIBLE_STATES,
    Application,
    Enrollment,
    State,
    StepRecord,
)
from dsg.enrollment.services import (
    INSPECTION_TRANSITIONS,
    TransitionInput,
    application_update,
    enrollment_create,
    enrollment_transition,
)
from dsg.orgs.models import Role
from dsg.orgs.permissions import ACTION_ROLES
from dsg.registry.selectors import terminals_registered_by

from ..walk import (
    COMPLETE_APPLICATION,
    act,
    new_case,
    prepare_for,
    take_by_inspection,
    today,
    walk_to,
)

# Each transition and the action of orgs.permissions that its permission asks about.
TRANSITION_ACTION = {
    "submit": "enrollment.submit",
    "return_for_correction": "enrollment.return",
    "accept": "enrollment.accept",
    "pass_inspection": "inspection.record",
    "require_remediation": "inspection.record",
    "deem_inspection_by_audit": "inspection.deem_by_audit",
    "report_remediation": "remediation.report",
    "accept_remediation": "remediation.decide",
    "require_reinspection": "remediation.decide",
    "complete_survey": "survey.record",
    "complete_construction": "construction.complete",
    "install_router": "router.install",
    "request_final_inspection": "final_inspection.request",
    "withdraw": "enrollment.withdraw",
    "reject": "enrollment.reject",
}
# The key of the ``everyone`` fixture holding the member of each role of the case's company or
# of the office/provider; ``other_psa`` (another company's PSA) is never allowed on this case.
KEY_OF_ROLE = {
    Role.PSA: "psa",
    Role.DELEGATE: "delegate",
    Role.USER: "user",
    Role.REVIEWER: "reviewer",
    Role.INSPECTOR: "inspector",
    Role.PROVIDER_STAFF: "provider_staff",
}

TRANSITIONS = list(Enrollment._meta.get_field("state").get_all_transitions(Enrollment))
TRANSITION_NAMES = sorted({t.name for t in TRANSITIONS})
PAYLOAD = {t.name: t.custom["payload"] for t in TRANSITIONS}


def _sources(transition) -> list[str]:
    if transition.source == "*":
        return list(State.values)
    if transition.source == "+":
        return [s for s in State.values if s != transition.target]
    return [transition.source]


def _declared_target(transition, source: str) -> str:
    target = transition.target
    if isinstance(target, GET_STATE):
        resolved = target.func(SimpleNamespace(state=source))
        assert resolved in target.allowed_states, (transition.name, source, resolved)
        return resolved
    return target


PAIRS = sorted(
    {(t.name, s, _declared_target(t, s)) for t in TRANSITIONS for s in _sources(t)},
)
SOURCES_OF = {name: {s for n, s, _t in PAIRS if n == name} for name in TRANSITION_NAMES}


def allowed_keys(name: str) -> list[str]:
    roles = ACTION_ROLES[TRANSITION_ACTION[name]]
    return [key for role, key in KEY_OF_ROLE.items() if role in roles]


def valid_input(name: str) -> TransitionInput:
    """Input that satisfies the transition's payload, so only the rule under test can refuse."""
    payload = PAYLOAD[name]
    return TransitionInput(
        comment="確認しました" if "comment" in payload else "",
        performed_on=today() if payload.get("performed_on") else None,
        router_serial="RTR-0001" if payload.get("router_serial") else "",
    )


def snapshot(enrollment: Enrollment) -> tuple:
    fresh = Enrollment.objects.get(pk=enrollment.pk)
    return (
        fresh.state,
        fresh.state_changed_at,
        StepRecord.objects.filter(enrollment=enrollment).count(),
        AuditEvent.objects.count(),
    )


def refused(enrollment: Enrollment, name: str, actor, data: TransitionInput) -> RuleViolation:
    """Run the transition, expect a refusal, and check that nothing changed."""
    before = snapshot(enrollment)
    with pytest.raises(RuleViolation) as refusal:
        enrollment_transition(enrollment=enrollment, name=name, actor=actor, data=data)
    assert snapshot(enrollment) == before, f"{name} changed the case although it was refused"
    return refusal.value


# The matrix ------------------------------------------------------------------------------------
def test_every_transition_is_mapped_to_its_action():
    assert set(TRANSITION_ACTION) == set(TRANSITION_NAMES), (
        "map every transition of Enrollment to its action in TRANSITION_ACTION"
    )
    for name, action in TRANSITION_ACTION.items():
        assert action in ACTION_ROLES, (name, action)
        assert allowed_keys(name), f"no role may {name}"


def test_every_state_is_a_source_or_target_of_some_transition():
    touched = {s for _n, s, _t in PAIRS} | {t for _n, _s, t in PAIRS}
    assert touched == set(State.values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "source", "target"), PAIRS, ids=[f"{n}-from-{s}" for n, s, _t in PAIRS]
)
def test_transition_from_each_declared_source(site, cast, everyone, name, source, target):
    enrollment = walk_to(new_case(site, cast), source, cast)
    prepare_for(enrollment, name, cast)
    data = valid_input(name)
    allowed = allowed_keys(name)
    if name in INSPECTION_TRANSITIONS:
        return _taken_by_an_inspection_only(enrollment, everyone, cast, name, source, target)

    # (b) every other role is refused with 403 and nothing changes
    for key, user in everyone.items():
        if key in allowed:
            continue
        refusal = refused(enrollment, name, user, data)
        if key == "other_psa":
            assert (refusal.status, refusal.code) in {(403, "forbidden"), (404, "not_found")}, key
        else:
            assert (refusal.status, refusal.code) == (403, "forbidden"), key

    # (a) the allowed role takes it and lands on the declared target
    actor = everyone[allowed[0]]
    records = StepRecord.objects.filter(enrollment=enrollment).count()
    events = AuditEvent.objects.count()
    result = enrollment_transition(enrollment=enrollment, name=name, actor=actor, data=data)
    assert result.state == target
    assert Enrollment.objects.get(pk=enrollment.pk).state == target
    assert StepRecord.objects.filter(enrollment=enrollment).count() == records + 1
    record = StepRecord.objects.filter(enrollment=enrollment).latest("recorded_at", "pk")
    assert (record.transition, record.from_state, record.to_state) == (name, source, target)
    assert record.actor == actor
    assert record.step == Enrollment.step_of(source)
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == f"enrollment.{name}"
    assert event.object_id == str(enrollment.pk)
    assert event.before == {"state": source}
    assert event.after == {"state": target, "record": record.pk}
    assert audit_verify().ok


def _taken_by_an_inspection_only(enrollment, everyone, cast, name, source, target):
    """An outcome of ② or ⑦: refused by name to every role, whatever the state (no page or API
    passes an inspection around its round and its notice); taken when the inspections service
    records it, with one step record and its ledger event."""
    for key, user in everyone.items():
        refusal = refused(enrollment, name, user, valid_input(name))
        assert (refusal.status, refusal.code) == (409, "recorded_by_inspection"), key
    records = StepRecord.objects.filter(enrollment=enrollment).count()
    result = take_by_inspection(enrollment, name, cast)
    assert result.state == target
    assert StepRecord.objects.filter(enrollment=enrollment).count() == records + 1
    record = StepRecord.objects.filter(enrollment=enrollment).latest("recorded_at", "pk")
    assert (record.transition, record.from_state, record.to_state) == (name, source, target)
    assert record.actor.role in ACTION_ROLES[TRANSITION_ACTION[name]]
    assert record.step == Enrollment.step_of(source)
    event = AuditEvent.objects.filter(action=f"enrollment.{name}").latest("sequence")
    assert event.before == {"state": source}
    assert event.after == {"state": target, "record": record.pk}
    assert audit_verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(State.values))
def test_transitions_not_declared_from_a_state_are_refused_there(site, cast, everyone, state):
    enrollment = walk_to(new_case(site, cast), state, cast)
    not_declared = [name for name in TRANSITION_NAMES if state not in SOURCES_OF[name]]
    assert not_declared or state == State.DRAFT
    for name in not_declared:
        key = allowed_keys(name)[0]
        refusal = refused(enrollment, name, everyone[key], valid_input(name))
        if name in INSPECTION_TRANSITIONS:
            assert (refusal.status, refusal.code) == (409, "recorded_by_inspection"), name
        elif key == "provider_staff" and state not in PROVIDER_VISIBLE_STATES:
            # The provider may not touch a case before ③ (nor a withdrawn or rejected one) at
            # all: it is refused for its role before the state is even looked at.
            assert (refusal.status, refusal.code) in {(403, "forbidden"), (404, "not_found")}, name
        else:
            assert (refusal.status, refusal.code) == (409, "wrong_state"), name


@pytest.mark.django_db
def test_an_unknown_transition_is_refused(site, cast):
    enrollment = new_case(site, cast)
    refusal = refused(enrollment, "approve_everything", cast.psa, TransitionInput())
    assert (refusal.status, refusal.code) == (404, "unknown_transition")


# ① submission --------------------------------------------------------------------------------
def _ja_catalog_exists() -> bool:
    return any(
        (Path(path) / "ja" / "LC_MESSAGES" / "django.mo").exists() for path in settings.LOCALE_PATHS
    )


@pytest.mark.django_db
@pytest.mark.parametrize("missing", [None, *COMPLETE_APPLICATION])
def test_submit_is_refused_while_the_application_is_incomplete(site, cast, missing):
    enrollment = new_case(site, cast, complete=False)
    if missing is not None:  # everything but one part filled in
        partial = {k: v for k, v in COMPLETE_APPLICATION.items() if k != missing}
        application_update(enrollment=enrollment, actor=cast.psa, data=partial)
    refusal = refused(enrollment, "submit", cast.psa, TransitionInput())
    assert (refusal.status, refusal.code) == (409, "application_incomplete")
    application = Application.objects.get(enrollment=enrollment)
    assert application.receipt_number == ""
    assert application.submission_count == 0


@pytest.mark.django_db
def test_the_incomplete_application_message_names_the_four_requirements(site, cast):
    enrollment = new_case(site, cast, complete=False)
    refusal = refused(enrollment, "submit", cast.psa, TransitionInput())
    with translation.override("en"):
        english = str(refusal.message)
    for requirement in ("実績等", "設備", "機器", "拠点地域"):
        assert requirement in english
    if not _ja_catalog_exists():
        pytest.skip("no compiled Japanese catalog: the code was checked")
    with translation.override("ja"):
        japanese = str(refusal.message)
    assert japanese != english
    for requirement in ("実績等", "設備", "機器", "拠点地域"):
        assert requirement in japanese
    for part in ("利用端末", "利用開始", "契約"):
        assert part in japanese


@pytest.mark.django_db
def test_a_complete_application_is_submitted_with_a_receipt_number(site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    application = Application.objects.get(enrollment=enrollment)
    assert application.submission_count == 1
    assert application.receipt_number
    assert application.submitted_at is not None
    record = StepRecord.objects.get(enrollment=enrollment, transition="submit")
    assert record.data == {"receipt_number": application.receipt_number}


# Payload rules ---------------------------------------------------------------------------------
# The input the transitions taken by name ask for (the outcomes of ② and ⑦ get theirs from the
# round: its date, its findings as the comment; tests/inspections checks those).
COMMENT_REQUIRED = {
    "return_for_correction": State.SUBMITTED,
    "reject": State.SUBMITTED,
    "report_remediation": State.INSPECTION_REMEDIATION,
}
DATE_REQUIRED = {
    "complete_construction": State.CONSTRUCTION,
    "install_router": State.ROUTER_INSTALLATION,
}
BY_NAME = {n: p for n, p in PAYLOAD.items() if n not in INSPECTION_TRANSITIONS}


def test_the_payload_tables_match_the_declaration():
    assert INSPECTION_TRANSITIONS == {
        "pass_inspection",
        "require_remediation",
        "deem_inspection_by_audit",
        "accept_remediation",
        "require_reinspection",
    }
    assert {n for n, p in BY_NAME.items() if p.get("comment")} == set(COMMENT_REQUIRED)
    assert {n for n, p in BY_NAME.items() if p.get("performed_on")} == set(DATE_REQUIRED)
    assert {n for n, p in PAYLOAD.items() if p.get("router_serial")} == {"install_router"}


def _actor(everyone, name):
    return everyone[allowed_keys(name)[0]]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "source"), sorted(COMMENT_REQUIRED.items()))
def test_a_comment_is_required(site, cast, everyone, name, source):
    enrollment = walk_to(new_case(site, cast), source, cast)
    prepare_for(enrollment, name, cast)  # e.g. the audit result that stands in for ②
    actor = _actor(everyone, name)
    for comment in ("", "  \n\t ", "　"):  # the last is an ideographic space
        data = TransitionInput(
            comment=comment,
            performed_on=today() if PAYLOAD[name].get("performed_on") else None,
        )
        refusal = refused(enrollment, name, actor, data)
        assert (refusal.status, refusal.code, refusal.field) == (422, "comment_required", "comment")
    good = TransitionInput(
        comment="  理由を記載  ",
        performed_on=today() if PAYLOAD[name].get("performed_on") else None,
    )
    enrollment_transition(enrollment=enrollment, name=name, actor=actor, data=good)
    record = StepRecord.objects.filter(enrollment=enrollment, transition=name).get()
    assert record.comment == "理由を記載"


@pytest.mark.django_db
def test_a_comment_longer_than_4000_characters_is_refused(site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    refusal = refused(
        enrollment, "return_for_correction", cast.reviewer, TransitionInput(comment="あ" * 4001)
    )
    assert (refusal.status, refusal.code, refusal.field) == (422, "comment_too_long", "comment")
    act(enrollment, "return_for_correction", cast.reviewer, comment="あ" * 4000)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "source"), sorted(DATE_REQUIRED.items()))
def test_a_date_is_required_and_not_in_the_future(site, cast, everyone, name, source):
    enrollment = walk_to(new_case(site, cast), source, cast)
    actor = _actor(everyone, name)
    base = {"comment": "所見あり", "router_serial": "RTR-0001"}
    refusal = refused(enrollment, name, actor, TransitionInput(**base))
    assert (refusal.status, refusal.code, refusal.field) == (422, "date_required", "performed_on")
    tomorrow = today() + dt.timedelta(days=1)
    refusal = refused(enrollment, name, actor, TransitionInput(**base, performed_on=tomorrow))
    assert (refusal.status, refusal.code, refusal.field) == (422, "date_in_future", "performed_on")
    yesterday = today() - dt.timedelta(days=1)
    enrollment_transition(
        enrollment=enrollment,
        name=name,
        actor=actor,
        data=TransitionInput(**base, performed_on=yesterday),
    )
    record = StepRecord.objects.filter(enrollment=enrollment, transition=name).get()
    assert record.performed_on == yesterday


@pytest.mark.django_db
def test_the_router_serial_is_required(site, cast):
    enrollment = walk_to(new_case(site, cast), State.ROUTER_INSTALLATION, cast)
    for serial in ("", "   "):
        refusal = refused(
            enrollment,
            "install_router",
            cast.staff,
            TransitionInput(performed_on=today(), router_serial=serial),
        )
        assert (refusal.status, refusal.code, refusal.field) == (
            422,
            "router_serial_required",
            "router_serial",
        )
    act(enrollment, "install_router", cast.staff, performed_on=today(), router_serial=" RTR-9 ")
    enrollment.refresh_from_db()
    assert enrollment.state == State.TERMINAL_SETUP
    assert enrollment.provisioning.router_serial == "RTR-9"
    assert enrollment.provisioning.router_installed_on == today()


# One open case per site ----------------------------------------------------------------------
@pytest.mark.django_db
def test_a_site_has_at_most_one_open_case(site, cast):
    first = new_case(site, cast)
    events = AuditEvent.objects.count()
    with pytest.raises(RuleViolation) as refusal:
        enrollment_create(site=site, actor=cast.psa)
    assert (refusal.value.status, refusal.value.code) == (409, "open_case_exists")
    assert Enrollment.objects.filter(site=site).count() == 1
    assert AuditEvent.objects.count() == events

    walk_to(first, State.SUBMITTED, cast)
    with pytest.raises(RuleViolation) as refusal:
        enrollment_create(site=site, actor=cast.psa)
    assert refusal.value.code == "open_case_exists"

    act(first, "withdraw", cast.psa)
    second = enrollment_create(site=site, actor=cast.psa)
    assert second.state == State.DRAFT
    assert Enrollment.objects.filter(site=site).count() == 2
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_new_case_may_be_opened_after_rejection(site, cast):
    walk_to(new_case(site, cast), State.REJECTED, cast)
    assert enrollment_create(site=site, actor=cast.psa).state == State.DRAFT


# Ending early keeps every record ---------------------------------------------------------------
def _records(enrollment):
    return list(
        StepRecord.objects.filter(enrollment=enrollment).values_list("pk", "transition", "comment")
    )


@pytest.mark.django_db
def test_withdrawal_keeps_all_records(site, cast):
    enrollment = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    prepare_for(enrollment, "request_final_inspection", cast)  # a terminal with a passed test
    records = _records(enrollment)
    receipt = Application.objects.get(enrollment=enrollment).receipt_number
    act(enrollment, "withdraw", cast.psa, comment="計画変更のため")

    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    assert enrollment.state == State.WITHDRAWN
    assert _records(enrollment)[: len(records)] == records
    last = StepRecord.objects.filter(enrollment=enrollment).latest("recorded_at", "pk")
    assert (last.transition, last.from_state, last.comment) == (
        "withdraw",
        State.TERMINAL_SETUP,
        "計画変更のため",
    )
    application = Application.objects.get(enrollment=enrollment)
    assert application.receipt_number == receipt
    assert application.track_record == COMPLETE_APPLICATION["track_record"]
    assert enrollment.provisioning.router_serial == "RTR-1"
    assert terminals_registered_by(enrollment).count() == 1
    assert enrollment.account_holders.count() == 1
    assert audit_verify().ok


@pytest.mark.django_db
def test_rejection_keeps_all_records(site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION_REMEDIATION_REPORTED, cast)
    records = _records(enrollment)
    act(enrollment, "reject", cast.reviewer, comment="改善が認められません")
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    assert enrollment.state == State.REJECTED
    assert _records(enrollment)[: len(records)] == records
    assert len(_records(enrollment)) == len(records) + 1
    application = Application.objects.get(enrollment=enrollment)
    assert application.receipt_number
    assert application.contract_name == COMPLETE_APPLICATION["contract_name"]


# Remediation at ② and ⑦ -----------------------------------------------------------------------
AFTER_PASS = {State.INSPECTION: State.SURVEY, State.FINAL_INSPECTION: State.COMPLETED}


def _step(enrollment, name, cast, **data):
    if name in INSPECTION_TRANSITIONS:
        return take_by_inspection(enrollment, name, cast, comment=data.get("comment", ""))
    prepare_for(enrollment, name, cast)
    return act(enrollment, name, data.pop("actor"), **data)


@pytest.mark.django_db
@pytest.mark.parametrize("inspection", list(AFTER_PASS))
def test_remediation_with_reinspection(site, cast, inspection):
    enrollment = walk_to(new_case(site, cast), inspection, cast)
    start = len(_records(enrollment))
    remediation = (
        State.INSPECTION_REMEDIATION if inspection == State.INSPECTION else State.FINAL_REMEDIATION
    )
    reported = (
        State.INSPECTION_REMEDIATION_REPORTED
        if inspection == State.INSPECTION
        else State.FINAL_REMEDIATION_REPORTED
    )
    steps = [
        ("require_remediation", {}),
        ("report_remediation", {"actor": cast.psa, "comment": "入退室記録簿を整備"}),
        ("require_reinspection", {}),
        ("pass_inspection", {}),
    ]
    states = [_step(enrollment, name, cast, **data).state for name, data in steps]
    assert states == [remediation, reported, inspection, AFTER_PASS[inspection]]
    loop = StepRecord.objects.filter(enrollment=enrollment).order_by("recorded_at", "pk")[start:]
    assert [(r.transition, r.step) for r in loop] == [
        (name, Enrollment.step_of(inspection)) for name, _d in steps
    ]
    assert loop[0].comment.endswith("入退室記録なし")  # the round's 不適合, as recorded
    assert loop[0].performed_on == today()
    assert loop[1].comment == "入退室記録簿を整備"
    assert audit_verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize("inspection", list(AFTER_PASS))
def test_remediation_accepted_without_reinspection(site, cast, inspection):
    enrollment = walk_to(new_case(site, cast), inspection, cast)
    _step(enrollment, "require_remediation", cast)
    _step(enrollment, "report_remediation", cast, actor=cast.psa, comment="整備しました")
    result = _step(enrollment, "accept_remediation", cast)
    assert result.state == AFTER_PASS[inspection]
    assert not StepRecord.objects.filter(
        enrollment=enrollment, transition="require_reinspection"
    ).exists()


@pytest.mark.django_db
def test_inspection_deemed_done_by_an_earlier_audit(site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    prepare_for(enrollment, "deem_inspection_by_audit", cast)  # the audit result chosen
    reference = "令和6年度 監査結果通知書 装情第123号により現地確認を省略"
    result = take_by_inspection(enrollment, "deem_inspection_by_audit", cast, comment=reference)
    assert result.state == State.SURVEY
    record = StepRecord.objects.get(enrollment=enrollment, transition="deem_inspection_by_audit")
    assert (record.from_state, record.to_state, record.step) == (State.INSPECTION, State.SURVEY, 2)
    assert record.comment == reference
    assert record.actor == cast.reviewer
    event = AuditEvent.objects.filter(action="enrollment.deem_inspection_by_audit").get()
    assert event.after == {"state": State.SURVEY, "record": record.pk}
