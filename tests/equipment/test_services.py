"""The §5 request flow through its services: filing, the rules, the review, decisions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.equipment import services
from dsg.equipment.checks import LineError
from dsg.equipment.models import (
    EquipmentRequest,
    HelpdeskRequest,
    LineDecision,
    Outcome,
    RequestState,
)
from dsg.equipment.services import LineVerdict
from dsg.notifications.models import OutboxMessage
from dsg.orgs.models import Role, User
from dsg.registry.catalogues import EntryInput, catalogue_publish
from dsg.registry.models import (
    CatalogueKind,
    RemovableMedium,
    SoftwareState,
    Terminal,
    TerminalSoftware,
)

from ..factories import UserFactory

SHA = "ab" * 32
HASH = "A" * 43 + "="


def software(**extra):
    row = {
        "name": "CAD Viewer",
        "vendor": "Example KK",
        "version": "3.1",
        "sha256": SHA,
        "install_method": "Installer from DVD-ROM",
        "update_method": "Offline patches from DVD-ROM",
        "terminals": "",
    }
    row.update(extra)
    return row


def medium(terminal, **extra):
    row = {
        "action": "add",
        "kind": "usb_memory",
        "vendor_id": "0781",
        "product_id": "5581",
        "serial_number": "4C530001231122115172",
        "capacity_gb": "32",
        "custodian": "山田 太郎",
        "usbguard_hash": HASH,
        "terminals": terminal.ref,
    }
    row.update(extra)
    return row


def file(site, cast, kind, lines, purpose="業務のため"):
    return services.request_file(site=site, actor=cast.psa, kind=kind, purpose=purpose, lines=lines)


def test_a_terminal_added_after_enrollment_enters_the_registry_only_on_approval(
    enrolled, cast, mailoutbox=None
):
    filing = file(
        enrolled,
        cast,
        "terminal",
        [{"action": "add", "name": "PC-10", "model_name": "ThinkPad", "serial_number": "SN10"}],
    )
    request = filing.request
    assert request.receipt_number.startswith("E")
    assert request.state == RequestState.FILED
    assert not Terminal.objects.filter(site=enrolled, name="PC-10").exists()
    services.request_take_up(request=request, actor=cast.reviewer)
    services.request_decide(
        request=request, actor=cast.reviewer, verdicts=[LineVerdict(line=1, approve=True)]
    )
    request.refresh_from_db()
    assert request.state == RequestState.DECIDED
    assert request.outcome == Outcome.APPROVED
    added = Terminal.objects.get(site=enrolled, name="PC-10")
    assert request.terminal_lines.get().terminal == added
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "equipment_request.file",
        "equipment_request.take_up",
        "equipment_request.line_decide",
        "equipment_request.decide",
        "terminal.register",
    } <= actions
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"equipment_request.filed", "equipment_request.decided"} <= kinds


def test_terminal_requests_wait_for_enrollment(site, cast):
    with pytest.raises(RuleViolation) as error:
        file(
            site,
            cast,
            "terminal",
            [{"action": "add", "name": "a", "model_name": "b", "serial_number": "c"}],
        )
    assert error.value.code == "site_not_enrolled"
    assert not EquipmentRequest.objects.exists()


def test_a_bad_line_names_its_line_and_field_and_nothing_is_filed(enrolled, cast, terminal):
    with pytest.raises(LineError) as error:
        file(
            enrolled,
            cast,
            "terminal",
            [
                {"action": "add", "name": "PC-11", "model_name": "X", "serial_number": "S11"},
                {"action": "add", "name": terminal.name, "model_name": "X", "serial_number": "S12"},
            ],
        )
    assert (error.value.line, error.value.field, error.value.code) == (2, "name", "duplicate_name")
    assert not EquipmentRequest.objects.exists()


def test_software_that_updates_online_is_refused_at_once_with_its_rule(enrolled, cast, terminal):
    filing = file(
        enrolled, cast, "software", [software(terminals=terminal.ref, updates_online=True)]
    )
    request = filing.request
    line = request.software_lines.get()
    assert line.decision == LineDecision.REFUSED
    assert line.rule_code == services.RULE_ONLINE
    assert request.state == RequestState.DECIDED
    assert request.outcome == Outcome.REJECTED
    assert not TerminalSoftware.objects.filter(state=SoftwareState.APPROVED).exists()


def test_preinstalled_software_is_prohibited_from_declaration_until_approved(
    enrolled, cast, terminal
):
    filing = file(
        enrolled, cast, "software", [software(terminals=terminal.ref, preinstalled="はい")]
    )
    row = TerminalSoftware.objects.get(terminal=terminal)
    assert row.state == SoftwareState.PROHIBITED
    services.request_decide(
        request=filing.request, actor=cast.reviewer, verdicts=[LineVerdict(line=1, approve=True)]
    )
    row.refresh_from_db()
    assert row.state == SoftwareState.APPROVED
    assert row.version == "3.1"


def test_refused_preinstalled_software_stays_forbidden(enrolled, cast, terminal):
    filing = file(enrolled, cast, "software", [software(terminals=terminal.ref, preinstalled=True)])
    with pytest.raises(LineError) as error:
        services.request_decide(
            request=filing.request,
            actor=cast.reviewer,
            verdicts=[LineVerdict(line=1, approve=False)],
        )
    assert error.value.code == "reason_required"
    services.request_decide(
        request=filing.request,
        actor=cast.reviewer,
        verdicts=[LineVerdict(line=1, approve=False, reason="業務に不要")],
    )
    assert TerminalSoftware.objects.get(terminal=terminal).state == SoftwareState.REFUSED


def test_whitelisted_software_opens_a_helpdesk_request_instead(enrolled, cast, terminal):
    catalogue_publish(
        kind=CatalogueKind.WHITELIST,
        entries=[EntryInput(name="CAD Viewer", vendor="Example KK", version="3.1")],
        note="",
        actor=cast.staff,
    )
    filing = file(enrolled, cast, "software", [software(terminals=terminal.ref)])
    assert filing.request is None
    ticket = filing.helpdesk[0]
    assert ticket.number.startswith("H")
    assert list(ticket.terminals.all()) == [terminal]
    assert not EquipmentRequest.objects.exists()
    services.helpdesk_answer(ticket=ticket, actor=cast.staff, answer="手順書Aに従って")
    with pytest.raises(RuleViolation):
        services.helpdesk_answer(ticket=ticket, actor=cast.staff, answer="again")
    assert HelpdeskRequest.objects.get().answer == "手順書Aに従って"


def test_a_medium_that_is_not_unique_needs_the_reviewers_knowing_approval(enrolled, cast, terminal):
    first = file(enrolled, cast, "medium", [medium(terminal, serial_number="")]).request
    with pytest.raises(LineError) as error:
        services.request_decide(
            request=first, actor=cast.reviewer, verdicts=[LineVerdict(line=1, approve=True)]
        )
    assert error.value.code == "medium_not_unique"
    assert not RemovableMedium.objects.exists()
    services.request_decide(
        request=first,
        actor=cast.reviewer,
        verdicts=[LineVerdict(line=1, approve=True, not_unique_ok=True)],
    )
    registered = RemovableMedium.objects.get()
    assert registered.unique_device is False
    assert list(registered.terminals.all()) == [terminal]


def test_a_medium_already_registered_is_not_unique(enrolled, cast, terminal):
    first = file(enrolled, cast, "medium", [medium(terminal)]).request
    services.request_decide(request=first, actor=cast.reviewer, verdicts=[LineVerdict(1, True)])
    second = file(enrolled, cast, "medium", [medium(terminal)]).request
    with pytest.raises(LineError) as error:
        services.request_decide(
            request=second, actor=cast.reviewer, verdicts=[LineVerdict(1, True)]
        )
    assert RemovableMedium.objects.get().ref in str(error.value)


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("vendor_id", "07811", "usb_id"),
        ("product_id", "zz11", "usb_id"),
        ("usbguard_hash", "abc", "usbguard_hash"),
        ("capacity_gb", "-1", "capacity"),
        ("terminals", "T-999999", "wrong_terminal"),
        ("kind", "floppy", "invalid_choice"),
    ],
)
def test_bad_medium_values_are_refused(enrolled, cast, terminal, field, value, code):
    with pytest.raises(LineError) as error:
        file(enrolled, cast, "medium", [medium(terminal, **{field: value})])
    assert (error.value.field, error.value.code) == (field, code)


def test_a_hash_that_is_not_64_hex_digits_is_refused(enrolled, cast, terminal):
    with pytest.raises(LineError) as error:
        file(enrolled, cast, "software", [software(terminals=terminal.ref, sha256="abc")])
    assert error.value.code == "sha256"


def test_a_terminal_of_another_company_cannot_be_named(enrolled, cast, other_company):
    from dsg.orgs.models import Site

    other_site = Site.objects.create(
        company=other_company,
        name="他社",
        postal_code="100-0001",
        prefecture="13",
        address="千代田区1",
    )
    foreign = Terminal.objects.create(site=other_site, name="X", model_name="Y", serial_number="Z")
    with pytest.raises(LineError) as error:
        file(enrolled, cast, "software", [software(terminals=foreign.ref)])
    assert error.value.code == "wrong_terminal"


def test_a_closed_site_takes_no_request(enrolled, cast, terminal):
    enrolled.closed_on = enrolled.created_at.date()
    enrolled.save()
    with pytest.raises(RuleViolation) as error:
        file(enrolled, cast, "medium", [medium(terminal)])
    assert error.value.code == "site_closed"


def test_more_documents_asked_and_answered_then_decided(enrolled, cast, terminal):
    request = file(enrolled, cast, "software", [software(terminals=terminal.ref)]).request
    services.request_ask(request=request, actor=cast.reviewer, message="仕様書を提出してください")
    request.refresh_from_db()
    assert request.state == RequestState.INFO_REQUESTED
    with pytest.raises(RuleViolation):
        services.request_decide(
            request=request, actor=cast.reviewer, verdicts=[LineVerdict(1, True)]
        )
    with pytest.raises(RuleViolation):
        services.request_answer(request=request, actor=cast.delegate, answer="x")
    services.request_answer(request=request, actor=cast.psa, answer="格納しました")
    request.refresh_from_db()
    assert request.state == RequestState.UNDER_REVIEW
    services.request_decide(request=request, actor=cast.reviewer, verdicts=[LineVerdict(1, True)])
    assert TerminalSoftware.objects.get(terminal=terminal).state == SoftwareState.APPROVED


def test_withdrawn_request_changes_nothing(enrolled, cast, terminal):
    request = file(enrolled, cast, "medium", [medium(terminal)]).request
    services.request_withdraw(request=request, actor=cast.psa, reason="不要になった")
    request.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN
    with pytest.raises(RuleViolation):
        services.request_decide(
            request=request, actor=cast.reviewer, verdicts=[LineVerdict(1, True)]
        )
    assert not RemovableMedium.objects.exists()


def test_a_removal_is_asked_once(enrolled, cast, terminal):
    file(enrolled, cast, "terminal", [{"action": "remove", "terminal": terminal.ref}])
    with pytest.raises(LineError) as error:
        file(enrolled, cast, "terminal", [{"action": "remove", "terminal": terminal.ref}])
    assert error.value.code == "removal_already_requested"


def test_partly_approved(enrolled, cast, terminal):
    request = file(
        enrolled,
        cast,
        "medium",
        [medium(terminal), medium(terminal, serial_number="OTHER-1", usbguard_hash="")],
    ).request
    services.request_decide(
        request=request,
        actor=cast.reviewer,
        verdicts=[LineVerdict(1, True), LineVerdict(2, False, reason="二本目は不要")],
    )
    request.refresh_from_db()
    assert request.outcome == Outcome.PARTLY_APPROVED
    assert RemovableMedium.objects.count() == 1


@pytest.mark.parametrize("role", ["delegate", "company_user", "other_psa", "inspector"])
def test_only_the_psa_files(enrolled, cast, terminal, role, request):
    actor = request.getfixturevalue(role)
    with pytest.raises(RuleViolation):
        services.request_file(
            site=enrolled, actor=actor, kind="medium", purpose="x", lines=[medium(terminal)]
        )


def test_only_the_reviewer_decides(enrolled, cast, terminal):
    request = file(enrolled, cast, "medium", [medium(terminal)]).request
    for actor in (cast.psa, cast.inspector, cast.staff):
        with pytest.raises(RuleViolation):
            services.request_decide(request=request, actor=actor, verdicts=[LineVerdict(1, True)])


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_one_wins(enrolled, cast, terminal, office):
    request = file(enrolled, cast, "medium", [medium(terminal)]).request
    reviewers = [cast.reviewer, UserFactory(organization=office, role=Role.REVIEWER)]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[object] = [None, None]

    def race(index: int) -> None:
        try:
            with scopes_disabled():
                loaded = EquipmentRequest.objects.get(pk=request.pk)
                actor = User.objects.get(pk=reviewers[index].pk)
                barrier.wait()
                services.request_decide(
                    request=loaded, actor=actor, verdicts=[LineVerdict(1, True)]
                )
                outcomes[index] = "approved"
        except RuleViolation as refusal:
            outcomes[index] = refusal.code
        except BaseException as error:  # surfaced by the assertion below
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, outcomes)) == ["approved", "wrong_state"], outcomes
    connection.close()
    assert RemovableMedium.objects.count() == 1
    assert AuditEvent.objects.filter(action="medium.register").count() == 1


def test_an_added_terminal_is_set_up_then_tested_then_in_use(enrolled, cast):
    import datetime as dt

    from django.utils import timezone

    from dsg.equipment.readiness import added_terminal_test_record
    from dsg.registry.services import terminal_setup_record

    request = file(
        enrolled,
        cast,
        "terminal",
        [{"action": "add", "name": "PC-20", "model_name": "X1", "serial_number": "SN20"}],
    ).request
    services.request_decide(request=request, actor=cast.reviewer, verdicts=[LineVerdict(1, True)])
    added = Terminal.objects.get(name="PC-20")
    today = timezone.localdate()
    with pytest.raises(RuleViolation) as error:
        added_terminal_test_record(
            terminal=added, actor=cast.psa, tester=cast.psa, tested_on=today, passed=True
        )
    assert error.value.code == "not_set_up"
    terminal_setup_record(terminal=added, actor=cast.delegate, set_up_on=today - dt.timedelta(1))
    added.refresh_from_db()
    with pytest.raises(RuleViolation):  # a person of another company is no tester here
        added_terminal_test_record(
            terminal=added, actor=cast.psa, tester=cast.reviewer, tested_on=today, passed=True
        )
    added_terminal_test_record(
        terminal=added, actor=cast.delegate, tester=cast.psa, tested_on=today, passed=True
    )
    added.refresh_from_db()
    assert added.in_use_since is not None
    original = Terminal.objects.filter(site=enrolled).exclude(pk=added.pk).first()
    with pytest.raises(RuleViolation) as error:
        added_terminal_test_record(
            terminal=original, actor=cast.psa, tester=cast.psa, tested_on=today, passed=True
        )
    assert error.value.code == "not_added_by_request"


def test_a_terminal_asked_for_removal_shows_as_such_until_its_disposal_is_confirmed(
    enrolled, cast, terminal
):
    from dsg.registry.selectors import LifeStage, terminal_life_stage

    assert terminal_life_stage(terminal) != LifeStage.REMOVAL_REQUESTED
    request = file(enrolled, cast, "terminal", [{"action": "remove", "terminal": terminal.ref}])
    assert terminal_life_stage(terminal) == LifeStage.REMOVAL_REQUESTED
    services.request_decide(
        request=request.request, actor=cast.reviewer, verdicts=[LineVerdict(1, True)]
    )
    assert terminal_life_stage(terminal) == LifeStage.REMOVAL_REQUESTED
    assert Terminal.objects.filter(pk=terminal.pk).exists()  # stands until the disposal


def test_a_terminal_an_open_request_already_asks_for_is_refused(enrolled, cast):
    """The name or serial number of a terminal that an open request of the site (or an earlier
    line of the same form) already asks to register: refused at its line, nothing filed."""

    def add(name, serial):
        return {"action": "add", "name": name, "model_name": "X", "serial_number": serial}

    file(enrolled, cast, "terminal", [add("PC-21", "S21"), add("PC-22", "S22")])
    cases = {
        "duplicate_name": ([add("PC-31", "S31"), add("PC-22", "S32")], "name"),
        "duplicate_serial": ([add("PC-31", "S31"), add("PC-32", "S21")], "serial_number"),
    }
    for code, (lines, field) in cases.items():
        with pytest.raises(LineError) as error:
            file(enrolled, cast, "terminal", lines)
        assert (error.value.line, error.value.field, error.value.code) == (2, field, code)
    with pytest.raises(LineError) as error:  # twice in one form
        file(enrolled, cast, "terminal", [add("PC-41", "S41"), add("PC-41", "S42")])
    assert (error.value.line, error.value.code) == (2, "duplicate_name")
    assert EquipmentRequest.objects.count() == 1
    file(enrolled, cast, "terminal", [add("PC-51", "S51")])  # new ones are filed
    assert EquipmentRequest.objects.count() == 2
