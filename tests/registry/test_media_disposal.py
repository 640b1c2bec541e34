"""A removable medium is disposed of as a terminal is (基準 第6第6項第3号・第4号): recorded by the
PSA with its proof, confirmed by the office, and only then out of the registry; a site is empty
of equipment only when neither a terminal nor a medium stands."""

from __future__ import annotations

import pytest

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.notifications.models import OutboxMessage
from dsg.registry import selectors, services
from dsg.registry.models import DisposalState, MediumDisposal

from ..documents.files import pdf
from .disposal import (
    API,
    counts,
    folder_pdf,
    form,
    logged_in,
    medium_at,
    record,
    record_medium,
    terminal_at,
)


def test_a_medium_stands_until_the_office_confirms_its_disposal(site, psa, reviewer):
    terminal = terminal_at(site, psa)
    kept, gone = medium_at(site, terminal, serial="AA01"), medium_at(site, serial="AA02")
    disposal = record_medium(gone, psa)

    assert disposal.state == DisposalState.RECORDED
    assert list(selectors.media_standing(site)) == [kept, gone]
    event = AuditEvent.objects.get(action="medium.disposal_record")
    assert event.after["medium"] == gone.pk and event.after["vendor_id"] == "0781"
    assert event.after["performed_by"] == "破砕 次郎" and event.company_id == site.company_id
    mail = OutboxMessage.objects.get(kind="medium.disposal_record")
    assert mail.recipients == [reviewer.email]
    assert gone.ref in mail.body and f"/media/{gone.pk}/disposal/" in mail.body
    assert "破砕 次郎" not in mail.body

    services.medium_disposal_confirm(disposal=disposal, actor=reviewer)
    assert list(selectors.media_standing(site)) == [kept]
    assert list(selectors.media_of(site)) == [kept]
    assert list(selectors.media_of(site)[0].terminals.all()) == [terminal]
    confirm = AuditEvent.objects.get(action="medium.disposal_confirm")
    assert confirm.before == {"state": "recorded"} and confirm.after["state"] == "confirmed"
    assert OutboxMessage.objects.get(kind="medium.disposal_confirm").recipients == [psa.email]


def test_only_the_psa_records_and_only_a_reviewer_confirms_once(site, everyone, reviewer):
    medium = medium_at(site)
    proof = folder_pdf(site.company, everyone["psa"])
    before = counts()
    for key in ("delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            record_medium(medium, everyone[key], certificate=proof)
        assert refusal.value.status == 403, key
    assert counts() == before
    disposal = record_medium(medium, everyone["psa"], certificate=proof)
    with pytest.raises(RuleViolation) as refusal:
        record_medium(medium, everyone["psa"], certificate=proof)
    assert (refusal.value.status, refusal.value.code) == (409, "disposal_already_recorded")
    for key in ("psa", "delegate", "user", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            services.medium_disposal_confirm(disposal=disposal, actor=everyone[key])
        assert refusal.value.status == 403, key
    services.medium_disposal_confirm(disposal=disposal, actor=reviewer)
    with pytest.raises(RuleViolation) as refusal:
        services.medium_disposal_confirm(disposal=disposal, actor=reviewer)
    assert (refusal.value.status, refusal.value.code) == (409, "disposal_already_confirmed")


def test_a_bad_medium_disposal_changes_nothing(site, psa, other_psa):
    medium = medium_at(site)
    foreign = folder_pdf(other_psa.organization, other_psa)
    proof = folder_pdf(site.company, psa)
    before = counts()
    for overrides, code in (
        ({"method": "burnt", "certificate": proof}, "invalid_method"),
        ({"performed_by": " ", "certificate": proof}, "required"),
        ({"certificate": foreign}, "certificate_not_found"),
        ({"upload": services.CertificateUpload("x.pdf", b"not a pdf", "")}, "invalid_pdf"),
    ):
        with pytest.raises(RuleViolation) as refusal:
            record_medium(medium, psa, **overrides)
        assert refusal.value.status == 422, overrides
        if code != "invalid_pdf":
            assert refusal.value.code == code
    assert counts() == before


@pytest.fixture
def gone_callbacks():
    """What the apps above hear when a site holds no more equipment."""
    heard: list[object] = []
    callback = lambda site, actor: heard.append(site)  # noqa: E731
    services.on_equipment_gone(callback)
    yield heard
    services.EQUIPMENT_GONE.remove(callback)


def test_the_site_is_empty_only_when_neither_terminals_nor_media_stand(
    site, psa, reviewer, gone_callbacks
):
    terminal, medium = terminal_at(site, psa), medium_at(site)
    services.terminal_disposal_confirm(disposal=record(terminal, psa), actor=reviewer)
    assert gone_callbacks == [] and selectors.site_has_standing_equipment(site)
    services.medium_disposal_confirm(disposal=record_medium(medium, psa), actor=reviewer)
    assert gone_callbacks == [site] and not selectors.site_has_standing_equipment(site)


def test_the_last_terminal_gone_after_the_media_empties_the_site(
    site, psa, reviewer, gone_callbacks
):
    terminal, medium = terminal_at(site, psa), medium_at(site)
    services.medium_disposal_confirm(disposal=record_medium(medium, psa), actor=reviewer)
    assert gone_callbacks == []
    services.terminal_disposal_confirm(disposal=record(terminal, psa), actor=reviewer)
    assert gone_callbacks == [site]


def test_the_pages_record_and_confirm_a_media_disposal(site, psa, reviewer, company_user):
    medium = medium_at(site, serial="SER-1")
    page = f"/media/{medium.pk}/disposal/"
    form_page = logged_in(psa).get(page).content.decode()
    assert 'data-form="disposal-record"' in form_page and medium.ref in form_page
    assert 'data-kind="medium"' in form_page
    assert 'data-form="disposal-record"' not in logged_in(company_user).get(page).content.decode()
    proof = folder_pdf(site.company, psa)
    response = logged_in(psa).post(page, form(certificate_id=proof.pk))
    assert response.status_code == 303 and response["Location"] == page
    disposal = MediumDisposal.objects.get(medium=medium)
    assert disposal.method == "erasure_software"
    shown = logged_in(reviewer).get(page).content.decode()
    assert f'action="/media/disposals/{disposal.pk}/confirm/"' in shown
    confirmed = logged_in(reviewer).post(
        f"/media/disposals/{disposal.pk}/confirm/", {"confirmed": "1"}
    )
    assert confirmed.status_code == 303
    disposal.refresh_from_db()
    assert disposal.is_confirmed
    registry = logged_in(psa).get(f"/sites/{site.pk}/terminals/").content.decode()
    assert f'data-medium="{medium.ref}" data-state="disposed"' in registry


def test_a_page_upload_stores_the_certificate(site, psa):
    from django.core.files.uploadedfile import SimpleUploadedFile

    medium = medium_at(site)
    upload = SimpleUploadedFile("媒体廃棄証明書.pdf", pdf(1), content_type="application/pdf")
    response = logged_in(psa).post(f"/media/{medium.pk}/disposal/", {**form(), "file": upload})
    assert response.status_code == 303
    disposal = MediumDisposal.objects.get(medium=medium)
    assert disposal.certificate.kind == "disposal_certificate"
    assert disposal.certificate.filename == "媒体廃棄証明書.pdf"


def test_the_api_records_and_confirms_a_media_disposal(site, psa, reviewer):
    medium = medium_at(site)
    proof = folder_pdf(site.company, psa)
    body = {**form(method="contractor"), "certificate_id": proof.pk}
    url = f"{API}/media/{medium.pk}/disposal"
    created = logged_in(psa).post(url, body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["medium_id"] == medium.pk and created.json()["state"] == "recorded"
    again = logged_in(psa).post(url, body, content_type="application/json")
    assert again.status_code == 409
    detail = logged_in(psa).get(f"{API}/media/{medium.pk}").json()
    assert detail["state"] == "disposal_recorded" and detail["ref"] == medium.ref
    confirm = f"{API}/media/disposals/{created.json()['id']}/confirm"
    assert logged_in(psa).post(confirm).status_code == 403
    confirmed = logged_in(reviewer).post(confirm)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    registry = logged_in(psa).get(f"{API}/sites/{site.pk}/registry").json()
    assert registry["media"] == []
    history = logged_in(psa).get(f"{API}/sites/{site.pk}/registry?include_disposed=true").json()
    assert [m["state"] for m in history["media"]] == ["disposed"]


def test_the_api_upload_records_a_media_disposal(site, psa):
    from django.core.files.uploadedfile import SimpleUploadedFile

    medium = medium_at(site)
    upload = SimpleUploadedFile("証明書.pdf", pdf(1), content_type="application/pdf")
    response = logged_in(psa).post(
        f"{API}/media/{medium.pk}/disposal/upload", {**form(), "file": upload}
    )
    assert response.status_code == 201, response.content
    missing = logged_in(psa).post(f"{API}/media/{medium_at(site).pk}/disposal/upload", form())
    assert missing.status_code == 422 and missing.json()["field"] == "file"
