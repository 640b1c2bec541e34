"""After each action on the site registry's pages, the message says what happened and what comes
next (今後の流れ), from the one table (registry.after.AFTER_ACTION, #12): the set-up date, the
disposal recorded by the PSA, the disposal confirmed by the office on its confirmation page."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import translation

from dsg.audit.models import AuditEvent
from dsg.registry.after import AFTER_ACTION, registry_done_message
from dsg.registry.models import DisposalState, TerminalDisposal

from ..walk import today
from .disposal import folder_pdf, form, logged_in, medium_at, record_medium, terminal_at

pytestmark = pytest.mark.django_db


def message_after(client, response) -> str:
    assert response.status_code == 303, response.content.decode()[:500]
    page = client.get(response["Location"]).content.decode()
    found = re.search(r'<p class="notice notice--success">(.*?)</p>', page, re.S)
    assert found, "no message"
    return html.unescape(found.group(1))


def in_japanese(action: str, item) -> str:
    with translation.override("ja"):
        text = registry_done_message(action, item)
    assert "今後の流れ" in text
    return text


def test_the_set_up_date_says_the_connection_test_comes_next(site, psa):
    terminal = terminal_at(site, psa)
    client = logged_in(psa)
    day = (today() - dt.timedelta(days=1)).isoformat()
    response = client.post(f"/terminals/{terminal.pk}/set-up/", {"set_up_on": day})
    label = f"{terminal.ref} {terminal.name}"
    assert message_after(client, response) == in_japanese("terminal_set_up", label)


def test_a_recorded_disposal_says_the_office_confirms_next(site, psa):
    terminal = terminal_at(site, psa)
    proof = folder_pdf(site.company, psa)
    client = logged_in(psa)
    response = client.post(f"/terminals/{terminal.pk}/disposal/", form(certificate_id=proof.pk))
    assert TerminalDisposal.objects.filter(terminal=terminal).exists()
    expected = in_japanese("terminal_disposal_record", terminal.name)
    assert message_after(client, response) == expected


def test_the_office_confirms_a_medium_s_disposal_and_reads_what_follows(site, psa, reviewer):
    terminal = terminal_at(site, psa)
    medium = medium_at(site, terminal, serial="SN-1")
    disposal = record_medium(medium, psa)
    client = logged_in(reviewer)
    url = f"/media/disposals/{disposal.pk}/confirm/"
    page = client.get(url).content.decode()
    assert "data-consequence" in page and "data-told" in page
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.RECORDED
    response = client.post(url, {"confirmed": "1"})  # from the page (#12)
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.CONFIRMED
    assert AuditEvent.objects.filter(
        action__endswith="confirm", object_id=str(disposal.pk)
    ).exists()
    expected = in_japanese("medium_disposal_confirm", medium)
    assert message_after(client, response) == expected


def test_every_registry_action_has_its_message():
    assert set(AFTER_ACTION) == {
        "terminal_set_up",
        "terminal_disposal_record",
        "medium_disposal_record",
        "terminal_disposal_confirm",
        "medium_disposal_confirm",
    }


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_message_says_what_comes_next_in_both_languages(language):
    marker = {"ja": "今後の流れ", "en": "Next:"}[language]
    with translation.override(language):
        for key, message in AFTER_ACTION.items():
            assert marker in str(message), (language, key)
