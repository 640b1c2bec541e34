"""⑥ setup media shipped and received; router identity; what each terminal still lacks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State, StepRecord
from dsg.notifications.models import OutboxMessage
from dsg.provisioning import selectors
from dsg.provisioning import services as prov
from dsg.registry.selectors import terminals_registered_by

from ..walk import act, new_case, setup_terminal_passed, today, walk_to


@pytest.fixture
def at_setup(site, cast):
    return walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)


def ship(case, cast, **kwargs):
    values = {"carrier": "ヤマト運輸", "tracking_number": "1234-5678-9012", "shipped_on": today()}
    return prov.media_ship(enrollment=case, actor=cast.staff, **{**values, **kwargs})


@pytest.mark.django_db
def test_the_provider_ships_the_media_and_the_psa_confirms_receipt(at_setup, cast, everyone):
    shipment = ship(at_setup, cast)
    assert shipment.media == "DVD-ROM"
    mail = OutboxMessage.objects.get(kind="media.ship")
    assert mail.recipients == [cast.psa.email] and "1234-5678-9012" in mail.body
    for key in ("delegate", "user", "provider_staff", "reviewer", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            prov.media_receive(shipment=shipment, actor=everyone[key], received_on=today())
        assert refusal.value.status == 403, key
    with pytest.raises(RuleViolation) as refusal:
        prov.media_receive(
            shipment=shipment, actor=cast.psa, received_on=today() - dt.timedelta(days=1)
        )
    assert refusal.value.field == "received_on"  # before it was shipped
    received = prov.media_receive(shipment=shipment, actor=cast.psa, received_on=today())
    assert (received.received_on, received.received_by) == (today(), cast.psa)
    with pytest.raises(RuleViolation) as refusal:
        prov.media_receive(shipment=shipment, actor=cast.psa, received_on=today())
    assert refusal.value.code == "already_received"


@pytest.mark.django_db
def test_a_shipment_needs_carrier_tracking_number_and_a_past_date(at_setup, cast):
    for kwargs, field in (
        ({"carrier": " "}, "carrier"),
        ({"tracking_number": ""}, "tracking_number"),
        ({"shipped_on": today() + dt.timedelta(days=1)}, "shipped_on"),
    ):
        with pytest.raises(RuleViolation) as refusal:
            ship(at_setup, cast, **kwargs)
        assert (refusal.value.status, refusal.value.field) == (422, field)
    assert not at_setup.media_shipments.exists()


@pytest.mark.django_db
def test_the_router_serial_is_entered_once_with_the_installation(site, cast):
    at_router = walk_to(new_case(site, cast), State.ROUTER_INSTALLATION, cast)
    with pytest.raises(RuleViolation) as refusal:  # nothing to identify before it is installed
        prov.router_identity_record(enrollment=at_router, actor=cast.staff, model_name="IX2215")
    assert refusal.value.code == "wrong_state"
    case = act(
        at_router,
        "install_router",
        cast.staff,
        performed_on=today(),
        router_serial=" RTR-77 ",
    )
    record = StepRecord.objects.get(enrollment=case, transition="install_router")
    assert record.data["router_serial"] == "RTR-77"  # the step record shows the one entry
    provisioning = prov.router_identity_record(
        enrollment=case, actor=cast.staff, model_name="IX2215"
    )
    assert (provisioning.router_serial, provisioning.router_model) == ("RTR-77", "IX2215")
    event = AuditEvent.objects.filter(action="router.identify").latest("sequence")
    assert "reason" not in event.after
    with pytest.raises(RuleViolation) as refusal:
        prov.router_identity_record(enrollment=case, actor=cast.psa, model_name="Y")
    assert refusal.value.status == 403


@pytest.mark.django_db
def test_a_mistyped_router_serial_is_corrected_only_with_a_reason(at_setup, cast):
    with pytest.raises(RuleViolation) as refusal:
        prov.router_identity_record(
            enrollment=at_setup, actor=cast.staff, model_name="IX2215", serial="RTR-2"
        )
    assert (refusal.value.status, refusal.value.code) == (422, "reason_required")
    provisioning = prov.router_identity_record(
        enrollment=at_setup,
        actor=cast.staff,
        model_name="IX2215",
        serial="RTR-2",
        reason="銘板の読み違い",
    )
    assert provisioning.router_serial == "RTR-2"
    event = AuditEvent.objects.filter(action="router.identify").latest("sequence")
    assert event.before["router_serial"] == "RTR-1" and event.after["router_serial"] == "RTR-2"
    assert event.after["reason"] == "銘板の読み違い"
    record = StepRecord.objects.get(enrollment=at_setup, transition="install_router")
    assert record.data["router_serial"] == "RTR-1"  # what was entered at the installation


@pytest.mark.django_db
def test_the_router_page_asks_for_the_model_not_the_serial_again(at_setup, cast, client):
    client.force_login(cast.staff)
    page = client.get(f"/enrollments/{at_setup.pk}/").content.decode()
    form = page[page.index('data-form="router"') :]
    form = form[: form.index("</form>")]
    assert 'name="router_model"' in form and "required" in form.split('name="router_model"')[1]
    assert 'name="router_serial" maxlength="100">' in form or 'name="router_serial"' in form
    serial_input = form.split('name="router_serial"')[1].split(">")[0]
    assert "required" not in serial_input  # a correction only
    assert "RTR-1" in page  # the serial of the installation is shown


@pytest.mark.django_db
def test_each_terminal_lists_what_it_still_lacks(at_setup, cast):
    prov.terminal_register(
        enrollment=at_setup, actor=cast.psa, name="PC-01", model_name="M", serial_number="S1"
    )
    [row] = selectors.terminal_readiness(at_setup)
    assert row.lacks == [
        "setup_media",
        "account_issued",
        "account_received",
        "vein_registered",
        "connection_test",
    ]
    shipment = ship(at_setup, cast)
    prov.media_receive(shipment=shipment, actor=cast.psa, received_on=today())
    holder = at_setup.account_holders.get()  # the PSA, from the application
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username="u1", password="p1"
    )
    [row] = selectors.terminal_readiness(at_setup)
    assert row.holder == holder
    assert row.lacks == ["account_received", "vein_registered", "connection_test"]
    prov.account_delivery_open(token=token, actor=cast.psa)
    prov.vein_registration_record(
        holder=holder, actor=cast.staff, registered_on=today(), method="remote"
    )
    [row] = selectors.terminal_readiness(at_setup)
    assert row.lacks == ["connection_test"]
    terminal = terminals_registered_by(at_setup).get()
    prov.connection_test_record(
        terminal=terminal, holder=holder, actor=cast.delegate, tested_on=today(), passed=True
    )
    [row] = selectors.terminal_readiness(at_setup)
    assert row.ready and row.lacks == []


@pytest.mark.django_db
def test_readiness_uses_three_queries_whatever_the_terminals(at_setup, cast, client):
    setup_terminal_passed(at_setup, cast, name="PC-01")
    with CaptureQueriesContext(connection) as few:
        selectors.terminal_readiness(at_setup)
    for n in range(2, 6):
        setup_terminal_passed(at_setup, cast, name=f"PC-{n:02d}")
    with CaptureQueriesContext(connection) as many:
        rows = selectors.terminal_readiness(at_setup)
    assert len(rows) == 5 and len(few) == len(many) == 3
    client.force_login(cast.psa)
    api = client.get(f"/api/v1/enrollments/{at_setup.pk}/terminal-readiness").json()
    assert {r["terminal_name"] for r in api} == {f"PC-{n:02d}" for n in range(1, 6)}
    assert api[0]["lacks"] == ["setup_media"]
    page = client.get(f"/enrollments/{at_setup.pk}/").content.decode()
    assert 'data-readiness="PC-01"' in page and 'data-lack="setup_media"' in page
