"""The registry's pages and API: the site's terminals with their state, the PSA records a
disposal (with an upload or a document of the folder), the office's reviewer confirms it."""

from __future__ import annotations

import datetime as dt

import pytest

from dsg.audit.models import AuditEvent
from dsg.registry.models import TerminalDisposal

from ..walk import today
from .disposal import API, folder_pdf, form, logged_in, record, terminal_at


def test_the_site_page_shows_the_registry_panel_and_the_registry_its_states(site, psa, reviewer):
    standing, recorded, disposed = (terminal_at(site, psa, f"PC-0{n}") for n in (1, 2, 3))
    record(recorded, psa)
    from dsg.registry.services import terminal_disposal_confirm

    terminal_disposal_confirm(disposal=record(disposed, psa), actor=reviewer)
    page = logged_in(psa).get(f"/sites/{site.pk}/").content.decode()
    assert 'data-count="standing">2<' in page and 'data-count="disposed">1<' in page
    registry = logged_in(psa).get(f"/sites/{site.pk}/terminals/").content.decode()
    assert 'data-terminal="PC-01" data-state="standing"' in registry
    assert 'data-terminal="PC-02" data-state="disposal_recorded"' in registry
    assert 'data-terminal="PC-03" data-state="disposed"' in registry
    assert "廃棄証明書-disposal_certificate.pdf" in registry  # the proof, for its company


def test_a_refused_page_form_changes_nothing(site, psa):
    terminal = terminal_at(site, psa)
    proof = folder_pdf(site.company, psa)
    events = AuditEvent.objects.count()
    client = logged_in(psa)
    url = f"/terminals/{terminal.pk}/disposal/"
    future = (today() + dt.timedelta(days=3)).isoformat()
    for data, field in (
        (form(disposed_on=future, certificate_id=proof.pk), "disposed_on"),
        (form(), "certificate_id"),
        (form(performed_by=""), "performed_by"),
    ):
        # the form comes back with the error beside its field, linked from the summary
        response = client.post(url, data)
        assert response.status_code == 422
        shown = response.content.decode()
        assert f'id="id_{field}_error"' in shown and f'href="#id_{field}"' in shown
        assert 'data-form="disposal-record"' in shown
    assert not TerminalDisposal.objects.exists() and AuditEvent.objects.count() == events


def test_the_api_records_lists_and_confirms(site, psa, reviewer, company_user):
    terminal = terminal_at(site, psa)
    proof = folder_pdf(site.company, psa)
    body = {**form(method="contractor"), "certificate_id": proof.pk}
    response = logged_in(psa).post(
        f"{API}/terminals/{terminal.pk}/disposal", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["state"] == "recorded" and created["certificate_id"] == proof.pk
    again = logged_in(psa).post(
        f"{API}/terminals/{terminal.pk}/disposal", body, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "disposal_already_recorded"

    listed = logged_in(psa).get(f"{API}/sites/{site.pk}/terminals").json()
    assert [(t["name"], t["state"]) for t in listed] == [("PC-01", "disposal_recorded")]
    refused = logged_in(company_user).get(f"{API}/sites/{site.pk}/terminals")  # uses no API
    assert refused.status_code == 403 and refused.json()["code"] == "api_not_for_role"
    confirm = f"{API}/disposals/{created['id']}/confirm"
    assert logged_in(psa).post(confirm).status_code == 403
    confirmed = logged_in(reviewer).post(confirm)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    twice = logged_in(reviewer).post(confirm)
    assert twice.status_code == 409 and twice.json()["code"] == "disposal_already_confirmed"

    assert logged_in(psa).get(f"{API}/sites/{site.pk}/terminals").json() == []
    history = logged_in(psa).get(f"{API}/sites/{site.pk}/terminals?include_disposed=true")
    assert [t["state"] for t in history.json()] == ["disposed"]
    detail = logged_in(psa).get(f"{API}/terminals/{terminal.pk}").json()
    assert detail["disposal"]["confirmed_by"] == str(reviewer)


def test_the_openapi_names_the_codes_as_enums(client):
    schemas = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    assert set(schemas["DisposalMethod"]["enum"]) == {
        "physical_destruction",
        "erasure_software",
        "contractor",
        "other",
    }
    assert set(schemas["TerminalState"]["enum"]) == {"standing", "disposal_recorded", "disposed"}
    assert set(schemas["DisposalState"]["enum"]) == {"recorded", "confirmed"}


@pytest.mark.parametrize("who", ["provider_staff", "delegate"])
def test_who_reads_the_proof(site, cast, everyone, who):
    """The company's people may open the proof; the provider sees the terminal's state only.
    (The 利用者 uses no API: what their registry page shows is tested in test_registry_page.)"""
    from dsg.enrollment.models import State

    from ..walk import new_case, walk_to

    walk_to(new_case(site, cast), State.SURVEY, cast)  # the provider serves this site
    terminal = terminal_at(site, cast.psa)
    disposal = record(terminal, cast.psa)
    body = logged_in(everyone[who]).get(f"{API}/terminals/{terminal.pk}").json()
    assert body["state"] == "disposal_recorded"
    expected = disposal.certificate_id if who == "delegate" else None
    assert body["disposal"]["certificate_id"] == expected
