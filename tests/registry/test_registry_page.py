"""The site's registry page, its API and its .xlsx export: terminals with their life stage,
removable media, the software per terminal (起動・使用禁止 marked); who sees what; another company
sees nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from dsg.audit.models import AuditEvent
from dsg.enrollment.models import State
from dsg.registry import services
from dsg.registry.models import Terminal

from ..walk import new_case, today, walk_to
from .disposal import (
    API,
    folder_pdf,
    logged_in,
    medium_at,
    record,
    record_medium,
    software_on,
    terminal_at,
)

FORMULA = '=HYPERLINK("http://example.com","x")'


@pytest.fixture
def registry(site, psa, delegate):
    """PC-01 set up and tested, PC-02 only registered; two media (one not unique, on PC-01);
    software of every state on PC-01."""
    first, second = terminal_at(site, psa, "PC-01"), terminal_at(site, psa, "PC-02")
    services.terminal_setup_record(terminal=first, actor=delegate, set_up_on=today())
    services.connection_test_record(
        terminal=first, person=delegate, actor=delegate, tested_on=today(), passed=True
    )
    media = [
        medium_at(site, first, serial="4C530001", custodian=FORMULA),
        medium_at(site, serial="", unique_device=False, kind="external_disk"),
    ]
    software = {
        state: software_on(first, f"ソフト-{state}", state, preinstalled=state == "prohibited")
        for state in ("prohibited", "approved", "refused", "removed")
    }
    return {"terminals": (first, second), "media": media, "software": software}


def page(user, site) -> str:
    response = logged_in(user).get(f"/sites/{site.pk}/terminals/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_terminals_media_and_software(site, psa, registry):
    first, second = registry["terminals"]
    shown = page(psa, site)
    assert 'data-terminal="PC-01" data-state="standing" data-stage="tested"' in shown
    assert 'data-terminal="PC-02" data-state="standing" data-stage="registered"' in shown
    assert first.ref in shown and second.ref in shown and "接続テスト合格" in shown
    assert today().isoformat() in shown  # the set-up date
    for medium in registry["media"]:
        assert f'data-medium="{medium.ref}" data-state="standing"' in shown
    assert "4C530001" in shown and 'data-unique="no"' in shown
    assert 'data-software-of="PC-01"' in shown and 'data-software-of="PC-02"' not in shown
    for state in ("prohibited", "refused"):
        row = shown.split(f'data-software="ソフト-{state}"')[1].split("</tr>")[0]
        assert 'class="row--forbidden"' in row and "badge--forbidden" in row
        assert "起動・使用禁止" in row
    approved = shown.split('data-software="ソフト-approved"')[1].split("</tr>")[0]
    assert "row--forbidden" not in approved and "起動・使用禁止" not in approved
    assert shown.count('data-form="set-up"') == 2  # the PSA records set-up dates


@pytest.mark.parametrize("who", ["psa", "delegate", "user", "reviewer", "provider_staff"])
def test_who_records_set_up_and_disposals_on_the_page(site, cast, everyone, registry, who):
    walk_to(new_case(site, cast), State.SURVEY, cast)  # the provider serves the site
    shown = page(everyone[who], site)
    medium = registry["media"][0]
    assert "PC-01" in shown and medium.ref in shown  # each of them sees terminals and media
    assert ('data-form="set-up"' in shown) == (who in ("psa", "delegate"))
    record_button = f'<a class="button" href="/media/{medium.pk}/disposal/">'
    assert (record_button in shown) == (who == "psa")


def test_the_user_sees_terminals_and_media_but_not_every_proof(site, psa, company_user, reviewer):
    """A 利用者 reads disposal certificates, not the application's documents chosen as a proof."""
    terminal, medium = terminal_at(site, psa), medium_at(site)
    certificate = folder_pdf(site.company, psa)  # a disposal certificate
    application = folder_pdf(site.company, psa, kind="application")
    services.terminal_disposal_confirm(
        disposal=record(terminal, psa, certificate=certificate), actor=reviewer
    )
    services.medium_disposal_confirm(
        disposal=record_medium(medium, psa, certificate=application), actor=reviewer
    )
    shown = page(company_user, site)
    assert f'data-terminal="{terminal.name}" data-state="disposed"' in shown
    assert f'data-medium="{medium.ref}" data-state="disposed"' in shown
    assert f"/documents/{certificate.pk}/" in shown
    assert f"/documents/{application.pk}/" not in shown
    assert f"/documents/{application.pk}/" in page(psa, site)
    # the same read through the API: the 利用者 uses none (#12), with a session as with a token
    body = logged_in(company_user).get(f"{API}/sites/{site.pk}/registry?include_disposed=true")
    assert body.status_code == 403 and body.json()["code"] == "api_not_for_role"


def test_the_page_records_a_set_up_date(site, delegate, company_user, psa):
    terminal = terminal_at(site, psa)
    url = f"/terminals/{terminal.pk}/set-up/"
    day = (today() - dt.timedelta(days=2)).isoformat()
    response = logged_in(delegate).post(url, {"set_up_on": day})
    assert response.status_code == 303
    assert response["Location"] == f"/sites/{site.pk}/terminals/#standing"
    terminal.refresh_from_db()
    assert terminal.set_up_on.isoformat() == day
    future = (today() + dt.timedelta(days=1)).isoformat()
    for wrong in (future, "x"):
        # back on the registry page, the error beside the terminal's date, linked from the top
        refused = logged_in(delegate).post(url, {"set_up_on": wrong})
        assert refused.status_code == 422
        shown = refused.content.decode()
        anchor = f"setup-{terminal.pk}-set_up_on"
        assert f'id="{anchor}_error"' in shown and f'id="{anchor}"' in shown
        assert f'href="#{anchor}"' in shown
        assert shown.index("data-error-summary") < shown.index(f'id="{anchor}_error"')
    terminal.refresh_from_db()
    assert terminal.set_up_on.isoformat() == day
    assert logged_in(company_user).post(url, {"set_up_on": day}).status_code == 403
    assert logged_in(delegate).get(url).status_code == 405


def test_the_api_reads_the_registry_and_records_a_set_up(site, psa, delegate, registry):
    first, second = registry["terminals"]
    body = logged_in(psa).get(f"{API}/sites/{site.pk}/registry").json()
    assert body["site_ref"] == site.ref
    assert [(t["ref"], t["life_stage"]) for t in body["terminals"]] == [
        (first.ref, "tested"),
        (second.ref, "registered"),
    ]
    assert [m["ref"] for m in body["media"]] == [m.ref for m in registry["media"]]
    assert body["media"][0]["terminal_ids"] == [first.pk]
    assert body["media"][1]["unique_device"] is False
    forbidden = {s["name"]: s["forbidden"] for s in body["software"]}
    assert forbidden == {
        "ソフト-approved": False,
        "ソフト-prohibited": True,
        "ソフト-refused": True,
        "ソフト-removed": False,
    }
    response = logged_in(delegate).post(
        f"{API}/terminals/{second.pk}/set-up",
        {"set_up_on": today().isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["life_stage"] == "set_up"
    assert response.json()["set_up_on"] == today().isoformat()
    future = (today() + dt.timedelta(days=1)).isoformat()
    refused = logged_in(delegate).post(
        f"{API}/terminals/{second.pk}/set-up",
        {"set_up_on": future},
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["code"] == "date_in_future"
    detail = logged_in(psa).get(f"{API}/terminals/{first.pk}").json()
    assert detail["life_stage"] == "tested" and detail["latest_test_passed"] is True


def _sheets(content: bytes):
    book = load_workbook(io.BytesIO(content))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}, book


def test_the_export_writes_the_registry_as_a_workbook(site, psa, registry):
    response = logged_in(psa).get(f"/sites/{site.pk}/registry.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"{site.ref}-registry-" in response["Content-Disposition"]
    sheets, book = _sheets(response.content)
    assert list(sheets) == ["利用端末", "可搬記憶媒体", "ソフトウェア"]
    terminals = sheets["利用端末"]
    assert terminals[0][0] == f"{site.ref} {site.name}"
    assert terminals[0][2] == site.company.corporate_number
    first, second = registry["terminals"]
    assert [row[:2] for row in terminals[2:]] == [(first.ref, "PC-01"), (second.ref, "PC-02")]
    assert "接続テスト合格" in terminals[2][4] and "登録済" in terminals[3][4]
    assert terminals[2][5] == dt.datetime.combine(today(), dt.time())  # the set-up date
    media = sheets["可搬記憶媒体"]
    assert [row[0] for row in media[2:]] == [m.ref for m in registry["media"]]
    assert media[2][6] == FORMULA and media[2][7] == f"{first.ref} PC-01"
    assert media[3][8] == "いいえ"
    custodian = book["可搬記憶媒体"].cell(3, 7)
    assert custodian.data_type == "s" and custodian.quotePrefix  # never evaluated
    software = {row[2]: row for row in sheets["ソフトウェア"][2:]}
    assert software["ソフト-prohibited"][7] == "起動・使用禁止"
    assert software["ソフト-refused"][7] == "起動・使用禁止"
    assert software["ソフト-approved"][7] == "使用可"
    forbidden_row = next(
        r for r in book["ソフトウェア"].iter_rows(min_row=3) if r[2].value == "ソフト-prohibited"
    )
    assert forbidden_row[7].font.color.rgb.endswith("CE0000")
    event = AuditEvent.objects.get(action="registry.export")
    assert event.after == {"terminals": 2, "media": 2, "software": 4}
    api = logged_in(psa).get(f"{API}/sites/{site.pk}/registry/export")
    assert api.status_code == 200 and _sheets(api.content)[0] == sheets


def test_the_export_of_another_company_is_not_found(site, other_psa, registry):
    events = AuditEvent.objects.count()
    client = logged_in(other_psa)
    for url in (
        f"/sites/{site.pk}/terminals/",
        f"/sites/{site.pk}/registry.xlsx",
        f"{API}/sites/{site.pk}/registry",
        f"{API}/sites/{site.pk}/registry/export",
        f"{API}/media/{registry['media'][0].pk}",
        f"/media/{registry['media'][0].pk}/disposal/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert (
            "PC-01" not in response.content.decode() and "4C530001" not in response.content.decode()
        )
    assert AuditEvent.objects.count() == events
    assert not Terminal.objects.filter(set_up_on__isnull=False).exclude(site=site).exists()
