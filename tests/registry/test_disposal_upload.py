"""A disposal certificate (廃棄証明書) uploaded with the record is stored in the company's folder
as its own kind of document; a bad upload stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.registry import services
from dsg.registry.models import DisposalState, TerminalDisposal

from ..documents.files import pdf
from ..walk import today
from .disposal import API, counts, form, logged_in, record, terminal_at


def test_an_uploaded_certificate_is_stored_in_the_companys_folder(site, psa):
    terminal = terminal_at(site, psa)
    disposal = record(terminal, psa, upload=services.CertificateUpload("証明書.pdf", pdf(1), ""))
    document = disposal.certificate
    assert document.company_id == site.company_id and document.subject_id is None
    assert document.kind == "disposal_certificate" and document.filename == "証明書.pdf"
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions[-2:] == ["document.stored", "terminal.disposal_record"]


def test_a_bad_upload_stores_nothing(site, psa):
    terminal = terminal_at(site, psa)
    before = counts()
    with pytest.raises(RuleViolation) as refusal:
        record(terminal, psa, upload=services.CertificateUpload("x.pdf", b"not a pdf", ""))
    assert refusal.value.status == 422
    assert counts() == before


def test_the_psa_records_a_disposal_with_an_upload_on_the_page(site, psa, reviewer):
    terminal = terminal_at(site, psa)
    client = logged_in(psa)
    url = f"/terminals/{terminal.pk}/disposal/"
    assert 'data-form="disposal-record"' in client.get(url).content.decode()

    upload = SimpleUploadedFile("証明書.pdf", pdf(1), content_type="application/pdf")
    response = client.post(url, {**form(), "file": upload})
    assert response.status_code == 303
    disposal = TerminalDisposal.objects.get(terminal=terminal)
    assert disposal.certificate.kind == "disposal_certificate"
    assert disposal.performed_by == "消去 花子"
    # The reviewer confirms on the same page.
    office = logged_in(reviewer)
    assert 'data-form="disposal-confirm"' in office.get(url).content.decode()
    response = office.post(f"/disposals/{disposal.pk}/confirm/", {"confirmed": "1"})
    assert response.status_code == 303
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.CONFIRMED


def test_the_api_upload_and_its_bad_input(site, psa):
    terminal = terminal_at(site, psa)
    url = f"{API}/terminals/{terminal.pk}/disposal/upload"
    client = logged_in(psa)
    bad = client.post(url, {**form(), "file": _file(b"%PDF-1.7 broken")})
    assert bad.status_code == 422 and {"detail", "code"} <= set(bad.json())
    future = (today() + dt.timedelta(days=1)).isoformat()
    later = client.post(url, {**form(disposed_on=future), "file": _file(pdf(1))})
    assert later.status_code == 422 and later.json()["code"] == "date_in_future"
    assert not TerminalDisposal.objects.exists()
    done = client.post(url, {**form(), "file": _file(pdf(1))})
    assert done.status_code == 201, done.content


def _file(data: bytes):

    return SimpleUploadedFile("証明書.pdf", data, content_type="application/pdf")
