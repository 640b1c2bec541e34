"""③–⑥: the survey and ancillary work that gate ④, and the terminals and tests that gate ⑦."""

from __future__ import annotations

import datetime as dt

import pytest

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import Enrollment, State, StepRecord
from dsg.enrollment.services import TransitionInput, application_update, enrollment_transition
from dsg.inspections.models import Inspection
from dsg.inspections.services import remediation_decide
from dsg.notifications.models import OutboxMessage
from dsg.provisioning import services as prov
from dsg.provisioning.models import AccountHolder, AncillaryWork
from dsg.registry.models import ConnectionTest, Terminal

from ..appointments.dates import business_day_at
from ..walk import act, new_case, setup_terminal_passed, today, walk_to


def unchanged(enrollment):
    fresh = Enrollment.objects.get(pk=enrollment.pk)
    return (
        fresh.state,
        StepRecord.objects.filter(enrollment=enrollment).count(),
        AuditEvent.objects.count(),
        AncillaryWork.objects.count(),
        Terminal.objects.count(),
        AccountHolder.objects.count(),
        ConnectionTest.objects.count(),
    )


def refused(case, call, /, **kwargs) -> RuleViolation:
    """Call a service, expect a refusal, and check that nothing changed."""
    before = unchanged(case)
    with pytest.raises(RuleViolation) as refusal:
        call(**kwargs)
    assert unchanged(case) == before
    return refusal.value


def refused_transition(enrollment, name, actor, **data) -> RuleViolation:
    return refused(
        enrollment,
        enrollment_transition,
        enrollment=enrollment,
        name=name,
        actor=actor,
        data=TransitionInput(**data),
    )


# ③ survey and ancillary work -------------------------------------------------------------------
@pytest.fixture
def at_survey(site, cast):
    return walk_to(new_case(site, cast), State.SURVEY, cast)


@pytest.mark.django_db
def test_complete_survey_needs_the_survey_recorded(at_survey, cast):
    refusal = refused_transition(at_survey, "complete_survey", cast.staff)
    assert (refusal.status, refusal.code) == (409, "survey_not_recorded")
    prov.survey_record(enrollment=at_survey, actor=cast.staff, surveyed_on=today())
    assert act(at_survey, "complete_survey", cast.staff).state == State.CONSTRUCTION


@pytest.mark.django_db
def test_complete_survey_waits_for_every_ancillary_work(at_survey, cast):
    prov.survey_record(
        enrollment=at_survey, actor=cast.staff, surveyed_on=today(), route_notes="北側外壁より引込"
    )
    first = prov.ancillary_work_add(enrollment=at_survey, actor=cast.staff, description="配管工事")
    second = prov.ancillary_work_add(enrollment=at_survey, actor=cast.staff, description="電源増設")

    refusal = refused_transition(at_survey, "complete_survey", cast.staff)
    assert (refusal.status, refusal.code) == (409, "ancillary_work_open")
    assert "付帯工事" in str(refusal.message)

    prov.ancillary_work_mark_done(work=first, actor=cast.psa, done_on=today())
    refusal = refused_transition(at_survey, "complete_survey", cast.staff)
    assert refusal.code == "ancillary_work_open"

    prov.ancillary_work_mark_done(work=second, actor=cast.psa, done_on=today())
    assert act(at_survey, "complete_survey", cast.staff).state == State.CONSTRUCTION
    assert audit_verify().ok


@pytest.mark.django_db
def test_ancillary_work_is_the_providers_to_add_and_the_psas_to_mark_done(at_survey, everyone):
    for key in ("psa", "delegate", "user", "reviewer", "inspector", "other_psa"):
        refusal = refused(
            at_survey,
            prov.ancillary_work_add,
            enrollment=at_survey,
            actor=everyone[key],
            description="配管工事",
        )
        assert refusal.status == 403, key
    work = prov.ancillary_work_add(
        enrollment=at_survey, actor=everyone["provider_staff"], description="  配管工事  "
    )
    assert work.description == "配管工事"
    for key in ("delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"):
        refusal = refused(
            at_survey,
            prov.ancillary_work_mark_done,
            work=work,
            actor=everyone[key],
            done_on=today(),
        )
        assert refusal.status == 403, key
    prov.ancillary_work_mark_done(work=work, actor=everyone["psa"], done_on=today())
    refusal = refused(
        at_survey, prov.ancillary_work_mark_done, work=work, actor=everyone["psa"], done_on=today()
    )
    assert refusal.code == "already_done"


@pytest.mark.django_db
def test_dates_of_provisioning_records_are_required_and_not_in_the_future(at_survey, cast):
    tomorrow = today() + dt.timedelta(days=1)
    for value, code in ((None, "date_required"), (tomorrow, "date_in_future")):
        refusal = refused(
            at_survey, prov.survey_record, enrollment=at_survey, actor=cast.staff, surveyed_on=value
        )
        assert (refusal.status, refusal.code, refusal.field) == (422, code, "surveyed_on")
    work = prov.ancillary_work_add(enrollment=at_survey, actor=cast.staff, description="配管工事")
    refusal = refused(
        at_survey, prov.ancillary_work_mark_done, work=work, actor=cast.psa, done_on=tomorrow
    )
    assert (refusal.status, refusal.code, refusal.field) == (422, "date_in_future", "done_on")
    refusal = refused(
        at_survey, prov.ancillary_work_add, enrollment=at_survey, actor=cast.staff, description=" "
    )
    assert (refusal.status, refusal.code, refusal.field) == (422, "required", "description")


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.INSPECTION, State.CONSTRUCTION])
def test_survey_records_only_during_the_survey(site, cast, state):
    enrollment = walk_to(new_case(site, cast), state, cast)
    refusal = refused(
        enrollment, prov.survey_record, enrollment=enrollment, actor=cast.staff, surveyed_on=today()
    )
    # Before ③ the provider does not see the case at all; after it, the state is wrong.
    expected = (403, "forbidden") if state == State.INSPECTION else (409, "wrong_state")
    assert (refusal.status, refusal.code) == expected


# ⑥ terminals, account holders, connection tests --------------------------------------------------
@pytest.fixture
def at_setup(site, cast):
    return walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)


def register(enrollment, cast, name="PC-01"):
    return prov.terminal_register(
        enrollment=enrollment,
        actor=cast.psa,
        name=name,
        model_name="指定端末",
        serial_number=f"SN-{name}",
    )


def receive(holder, cast):
    """The provider delivers the holder's account information; the PSA opens its link."""
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username=f"u-{holder.pk}", password="Init-Pw-1"
    )
    prov.account_delivery_open(token=token, actor=cast.psa)
    holder.refresh_from_db()
    return holder


def ready_holder(enrollment, cast):
    """The application's account holder (the PSA), account received and veins registered."""
    holder = receive(enrollment.account_holders.get(), cast)
    prov.vein_registration_record(
        holder=holder, actor=cast.staff, registered_on=today(), method="shinjuku"
    )
    return holder


def test_result(terminal, holder, actor, passed):
    return prov.connection_test_record(
        terminal=terminal, holder=holder, actor=actor, tested_on=today(), passed=passed
    )


test_result.__test__ = False  # a helper, not a test


@pytest.mark.django_db
def test_final_inspection_needs_a_terminal(at_setup, cast):
    refusal = refused_transition(at_setup, "request_final_inspection", cast.psa)
    assert (refusal.status, refusal.code) == (409, "no_terminals")


@pytest.mark.django_db
def test_final_inspection_needs_every_terminal_passed(at_setup, cast):
    holder = ready_holder(at_setup, cast)
    first = register(at_setup, cast, "PC-01")
    second = register(at_setup, cast, "PC-02")

    refusal = refused_transition(at_setup, "request_final_inspection", cast.psa)
    assert (refusal.status, refusal.code) == (409, "connection_test_open")
    assert "接続テスト" in str(refusal.message)

    test_result(first, holder, cast.delegate, passed=True)
    test_result(second, holder, cast.psa, passed=False)  # a failed test is still open
    refusal = refused_transition(at_setup, "request_final_inspection", cast.psa)
    assert refusal.code == "connection_test_open"

    test_result(second, holder, cast.delegate, passed=True)
    assert act(at_setup, "request_final_inspection", cast.psa).state == State.FINAL_INSPECTION
    assert audit_verify().ok


@pytest.mark.django_db
def test_each_step_of_a_holder_waits_for_the_one_before(at_setup, cast):
    """⑥ in the guideline's order: account information received → vein registration →
    connection test with the received account; each refused, with what is missing, before."""
    terminal = register(at_setup, cast)
    holder = at_setup.account_holders.get()

    def test_now():
        return refused(
            at_setup,
            prov.connection_test_record,
            terminal=terminal,
            holder=holder,
            actor=cast.psa,
            tested_on=today(),
            passed=True,
        )

    def vein_now():
        return refused(
            at_setup,
            prov.vein_registration_record,
            holder=holder,
            actor=cast.staff,
            registered_on=today(),
            method="remote",
        )

    for refusal in (vein_now(), test_now()):
        assert (refusal.status, refusal.code) == (409, "account_not_received")
        assert holder.name in str(refusal.message) and "アカウント情報" in str(refusal.message)
    prov.account_issue(holder=holder, actor=cast.staff, issued_on=today())
    assert vein_now().code == "account_not_received"  # issued is not received
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username="u1", password="p1"
    )
    assert vein_now().code == "account_not_received"  # sent, not opened yet
    prov.account_delivery_open(token=token, actor=cast.psa)
    refusal = test_now()
    assert (refusal.code, refusal.status) == ("vein_not_registered", 409)
    assert "静脈認証登録" in str(refusal.message)
    prov.vein_registration_record(
        holder=holder, actor=cast.staff, registered_on=today(), method="remote"
    )
    test = test_result(terminal, holder, cast.psa, passed=True)
    assert test.passed and test.recorded_by == cast.psa
    assert (test.person, test.tester_name, test.tester_key) == (
        cast.psa,
        holder.name,
        f"account_holder:{holder.pk}",
    )


@pytest.mark.django_db
def test_the_vein_date_is_proposed_only_after_the_account_is_received(at_setup, cast):
    holder = at_setup.account_holders.get()
    refusal = refused(
        at_setup,
        prov.appointment_propose,
        enrollment=at_setup,
        actor=cast.staff,
        purpose="vein_registration",
        starts_at=business_day_at(2),
        holder=holder,
        vein_method="remote",
    )
    assert refusal.code == "account_not_received"
    receive(holder, cast)
    appointment = prov.appointment_propose(
        enrollment=at_setup,
        actor=cast.staff,
        purpose="vein_registration",
        starts_at=business_day_at(2),
        holder=holder,
        vein_method="remote",
    )
    assert appointment.party == f"account_holder:{holder.pk}"


@pytest.mark.django_db
def test_who_records_what_at_terminal_setup(at_setup, cast, everyone):
    terminal = register(at_setup, cast)
    holder = ready_holder(at_setup, cast)
    for key in ("user", "reviewer", "inspector", "provider_staff", "other_psa"):
        refusal = refused(
            at_setup,
            prov.connection_test_record,
            terminal=terminal,
            holder=holder,
            actor=everyone[key],
            tested_on=today(),
            passed=True,
        )
        assert refusal.status == 403, key
    for key in ("delegate", "reviewer", "provider_staff", "other_psa"):
        refusal = refused(
            at_setup,
            prov.terminal_register,
            enrollment=at_setup,
            actor=everyone[key],
            name="PC-09",
            model_name="指定端末",
            serial_number="SN-9",
        )
        assert refusal.status == 403, key
    for key in ("psa", "delegate", "reviewer"):
        refusal = refused(
            at_setup, prov.account_issue, holder=holder, actor=everyone[key], issued_on=today()
        )
        assert refusal.status == 403, key


@pytest.mark.django_db
def test_account_holders_come_from_the_accepted_application(site, cast, company):
    case = new_case(site, cast)
    application_update(
        enrollment=case,
        actor=cast.psa,
        data={
            "account_holders": [
                {"name": "管理 一郎", "department": "情報部", "email": cast.psa.email},
                {"name": "指定 次郎", "email": cast.delegate.email.upper()},
                {"name": "外部 三郎", "department": "工場", "email": "saburo@example.jp"},
            ]
        },
    )
    case = walk_to(case, State.ROUTER_INSTALLATION, cast)
    assert not case.account_holders.exists()  # before ⑥ there are none
    application_update_refused = refused(
        case,
        application_update,
        enrollment=case,
        actor=cast.psa,
        data={"account_holders": []},
    )
    assert application_update_refused.code == "wrong_state"  # frozen with the version
    case = act(case, "install_router", cast.staff, performed_on=today(), router_serial="RTR-9")
    holders = list(case.account_holders.order_by("pk"))
    assert [(h.name, h.person, h.source, h.application_version) for h in holders] == [
        ("管理 一郎", cast.psa, "application", 1),
        ("指定 次郎", cast.delegate, "application", 1),
        ("外部 三郎", None, "application", 1),  # no portal user: held by name and email
    ]
    assert holders[2].department == "工場"
    record = StepRecord.objects.get(enrollment=case, transition="install_router")
    assert len(record.data["account_holders"]) == 3


@pytest.mark.django_db
def test_the_psa_adds_a_holder_after_acceptance_with_a_reason_and_it_shows(
    at_setup, cast, everyone, client
):
    for key in ("delegate", "user", "reviewer", "provider_staff", "other_psa"):
        refusal = refused(
            at_setup,
            prov.account_holder_add,
            enrollment=at_setup,
            actor=everyone[key],
            person_id=cast.delegate.pk,
            reason="担当者追加",
        )
        assert refusal.status == 403, key
    refusal = refused(
        at_setup,
        prov.account_holder_add,
        enrollment=at_setup,
        actor=cast.psa,
        person_id=cast.delegate.pk,
        reason="  ",
    )
    assert (refusal.status, refusal.code, refusal.field) == (422, "required", "reason")
    for key in ("user", "reviewer", "provider_staff", "other_psa"):
        refusal = refused(
            at_setup,
            prov.account_holder_add,
            enrollment=at_setup,
            actor=cast.psa,
            person_id=everyone[key].pk,
            reason="担当者追加",
        )
        assert (refusal.status, refusal.code) == (422, "invalid_person"), key
    added = prov.account_holder_add(
        enrollment=at_setup, actor=cast.psa, person_id=cast.delegate.pk, reason="交代要員"
    )
    assert (added.source, added.added_by, added.reason, added.person) == (
        "added",
        cast.psa,
        "交代要員",
        cast.delegate,
    )
    event = AuditEvent.objects.get(action="account_holder.add")
    assert event.after["reason"] == "交代要員" and event.actor_id == cast.psa.pk
    mail = OutboxMessage.objects.get(kind="account_holder.add")
    assert mail.recipients == [cast.staff.email]
    for again in ({"person_id": cast.delegate.pk}, {"name": "別名", "email": cast.psa.email}):
        refusal = refused(
            at_setup,
            prov.account_holder_add,
            enrollment=at_setup,
            actor=cast.psa,
            reason="重複",
            **again,
        )
        assert (refusal.status, refusal.code) == (422, "duplicate_holder")
    by_name = prov.account_holder_add(
        enrollment=at_setup,
        actor=cast.psa,
        name="外部 花子",
        email="hanako@example.jp",
        reason="夜間運用担当",
    )
    assert by_name.person is None and by_name.is_added
    for who in (cast.psa, cast.staff, everyone["reviewer"]):
        client.force_login(who)
        page = client.get(f"/enrollments/{at_setup.pk}/").content.decode()
        row = page[page.index('data-holder="hanako@example.jp"') :]
        row = row[: row.index("</tr>")]
        assert "data-holder-added" in row and "夜間運用担当" in row, who
    client.force_login(cast.staff)
    sheet = client.get(f"/enrollments/{at_setup.pk}/account-sheet/").content.decode()
    assert 'data-sheet-added="hanako@example.jp"' in sheet  # visible as added, not as applied
    assert 'data-sheet-holder="hanako@example.jp"' not in sheet


@pytest.mark.django_db
def test_duplicate_terminals_and_bad_vein_methods_are_refused(at_setup, cast):
    register(at_setup, cast, "PC-01")
    refusal = refused(
        at_setup,
        prov.terminal_register,
        enrollment=at_setup,
        actor=cast.psa,
        name="PC-01",
        model_name="指定端末",
        serial_number="SN-other",
    )
    assert (refusal.status, refusal.code) == (422, "duplicate_terminal")
    holder = receive(at_setup.account_holders.get(), cast)
    refusal = refused(
        at_setup,
        prov.vein_registration_record,
        holder=holder,
        actor=cast.staff,
        registered_on=today(),
        method="osaka",
    )
    assert (refusal.status, refusal.code, refusal.field) == (422, "invalid", "method")


@pytest.mark.django_db
def test_a_holder_of_another_case_cannot_test_this_terminal(at_setup, cast, company):
    from ..factories import SiteFactory

    other = walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    foreign_holder = ready_holder(other, cast)
    terminal = register(at_setup, cast)
    refusal = refused(
        at_setup,
        prov.connection_test_record,
        terminal=terminal,
        holder=foreign_holder,
        actor=cast.psa,
        tested_on=today(),
        passed=True,
    )
    assert (refusal.status, refusal.code) == (422, "invalid")


@pytest.mark.django_db
def test_terminals_of_a_withdrawn_case_do_not_count_for_the_next_case_of_the_site(site, cast):
    first = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    register(first, cast, "PC-01")  # registered, never tested
    act(first, "withdraw", cast.psa)
    kept = Terminal.objects.get(site=site, name="PC-01")  # the record is kept
    assert kept.origin == first

    second = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    refusal = refused_transition(second, "request_final_inspection", cast.psa)
    assert refusal.code == "no_terminals"
    holder = ready_holder(second, cast)
    test_result(register(second, cast, "PC-02"), holder, cast.delegate, passed=True)
    assert act(second, "request_final_inspection", cast.psa).state == State.FINAL_INSPECTION


@pytest.mark.django_db
def test_a_later_failed_connection_test_undoes_an_earlier_pass(site, cast):
    enrollment = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    setup_terminal_passed(enrollment, cast)
    terminal = Terminal.objects.get(site=enrollment.site)
    holder = enrollment.account_holders.get()
    prov.connection_test_record(
        terminal=terminal,
        holder=holder,
        actor=cast.delegate,
        tested_on=today(),
        passed=False,
        note="再接続不可",
    )
    with pytest.raises(RuleViolation) as refused:
        act(enrollment, "request_final_inspection", cast.psa)
    assert refused.value.code == "connection_test_open"
    prov.connection_test_record(
        terminal=terminal, holder=holder, actor=cast.delegate, tested_on=today(), passed=True
    )
    assert act(enrollment, "request_final_inspection", cast.psa).state == State.FINAL_INSPECTION


@pytest.mark.django_db
def test_the_provider_never_reads_inspection_findings_on_the_case_page(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION_REMEDIATION_REPORTED, cast)
    inspection = Inspection.objects.get(subject_id=enrollment.pk, kind="site")
    remediation_decide(inspection=inspection, actor=cast.reviewer, decision="accepted")
    finding = inspection.findings.get(result="nonconforming")
    client.force_login(cast.staff)
    page = client.get(f"/enrollments/{enrollment.pk}/").content.decode()
    assert finding.note not in page and "記録簿を整備しました" not in page
    client.force_login(cast.reviewer)
    assert finding.note in client.get(f"/enrollments/{enrollment.pk}/").content.decode()
