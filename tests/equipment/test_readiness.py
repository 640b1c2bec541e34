"""The readiness page of a terminal added after 加入: set up first, then its connection test."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.utils import timezone, translation

from dsg.equipment import services
from dsg.equipment.after import connection_test_done_message
from dsg.equipment.models import EquipmentRequest
from dsg.equipment.services import LineVerdict
from dsg.registry.models import ConnectionTest, Terminal
from dsg.registry.services import terminal_setup_record


@pytest.fixture
def added(enrolled, cast):
    filing = services.request_file(
        site=enrolled,
        actor=cast.psa,
        kind="terminal",
        purpose="増設",
        lines=[{"action": "add", "name": "PC-30", "model_name": "X", "serial_number": "SN30"}],
    )
    services.request_decide(
        request=filing.request, actor=cast.reviewer, verdicts=[LineVerdict(1, True)]
    )
    return Terminal.objects.get(name="PC-30")


def url(terminal) -> str:
    return f"/terminals/{terminal.pk}/readiness/"


def test_the_request_page_links_the_added_terminal_to_its_readiness(client, cast, added):
    client.force_login(cast.psa)
    request = EquipmentRequest.objects.get()
    page = client.get(f"/equipment-requests/{request.pk}/").content.decode()
    assert url(added) in page


def test_the_test_waits_for_the_set_up_then_puts_the_terminal_in_use(client, cast, added):
    client.force_login(cast.delegate)
    today = timezone.localdate().isoformat()
    data = {"tester": cast.psa.pk, "tested_on": today, "passed": "1"}
    page = client.get(url(added)).content.decode()
    assert 'data-form="added-terminal-test"' not in page  # not set up yet
    response = client.post(url(added), data)
    assert response.status_code == 422
    assert not ConnectionTest.objects.filter(terminal=added).exists()
    terminal_setup_record(
        terminal=added, actor=cast.psa, set_up_on=timezone.localdate() - dt.timedelta(days=1)
    )
    response = client.post(url(added), data)
    assert response.status_code == 303
    added.refresh_from_db()
    assert added.in_use_since is not None
    # what was done and what comes next (今後の流れ, equipment.after)
    with translation.override("ja"):
        said = connection_test_done_message(added)
    assert "今後の流れ" in said and added.in_use_since.isoformat() in said
    assert said in html.unescape(client.get(response["Location"]).content.decode())
    assert ConnectionTest.objects.get(terminal=added).person == cast.psa


def test_a_tester_of_another_company_is_refused(client, cast, added, other_psa):
    terminal_setup_record(terminal=added, actor=cast.psa, set_up_on=timezone.localdate())
    client.force_login(cast.psa)
    response = client.post(
        url(added),
        {"tester": other_psa.pk, "tested_on": timezone.localdate().isoformat(), "passed": "1"},
    )
    assert response.status_code == 422
    assert not ConnectionTest.objects.filter(terminal=added).exists()


def test_who_sees_and_who_records(client, cast, added, other_psa, company_user):
    client.force_login(other_psa)
    assert client.get(url(added)).status_code == 404
    client.force_login(cast.reviewer)
    assert client.get(url(added)).status_code == 200
    assert client.post(url(added), {}).status_code == 403


def test_a_terminal_of_step_6_is_tested_at_step_6(client, cast, terminal):
    client.force_login(cast.psa)
    page = client.get(url(terminal)).content.decode()
    assert "data-step6" in page and 'data-form="added-terminal-test"' not in page
    before = ConnectionTest.objects.filter(terminal=terminal).count()
    response = client.post(
        url(terminal),
        {"tester": cast.psa.pk, "tested_on": timezone.localdate().isoformat(), "passed": "1"},
    )
    assert response.status_code == 422
    assert ConnectionTest.objects.filter(terminal=terminal).count() == before
