"""The folder page, its upload form, the download and the office's password look-up."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dsg.audit.models import AuditEvent
from dsg.documents import services
from dsg.documents.models import Document
from tests.walk import new_case, walk_to

from . import files


def client_for(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def store(actor, case, data, **kwargs):
    kwargs.setdefault("kind", "application")
    kwargs.setdefault("filename", "申請書.pdf")
    if kwargs["kind"] == "audit_result":
        kwargs.setdefault("dated_on", files.DATED_ON)
    return services.document_store(
        actor=actor, company=case.site.company, subject=case, data=data, **kwargs
    )


def upload(client, case, data, *, name="layout.pdf", kind="layout", password=""):
    return client.post(
        f"/enrollments/{case.pk}/documents/",
        {"kind": kind, "password": password, "file": SimpleUploadedFile(name, data)},
    )


def test_the_folder_lists_the_case_documents_with_their_facts(case, psa):
    store(psa, case, files.pdf_with_user_password("pw"), password="pw", filename="保護.pdf")
    store(psa, case, files.pdf(1), kind="audit_result", filename="監査-旧.pdf")
    current = store(psa, case, files.pdf(1), kind="audit_result", filename="監査-新.pdf")
    page = client_for(psa).get(f"/enrollments/{case.pk}/documents/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "保護.pdf" in html and "🔒" in html
    assert current.sha256[:12] in html
    assert html.count("current (the one that counts)") == 1
    assert "superseded" in html
    assert 'enctype="multipart/form-data"' in html and 'name="password"' in html
    assert "separate mail" in html  # the help text on the guideline's mail channel
    assert "At most 20.0\xa0MB per file" in html


def test_the_case_page_links_the_folder(case, psa):
    store(psa, case, files.pdf(1))
    html = client_for(psa).get(f"/enrollments/{case.pk}/").content.decode()
    assert f"/enrollments/{case.pk}/documents/" in html
    assert "1 document" in html


def test_a_company_user_reads_only_what_the_role_may_and_gets_no_upload_form(
    case, psa, company_user
):
    """A 利用者 files no application and reads none: the disposal certificates, yes."""
    store(psa, case, files.pdf(1), filename="申請書類.pdf")
    store(psa, case, files.pdf(2), filename="廃棄証明.pdf", kind="disposal_certificate")
    html = client_for(company_user).get(f"/enrollments/{case.pk}/documents/").content.decode()
    assert "廃棄証明.pdf" in html and "申請書類.pdf" not in html
    assert 'enctype="multipart/form-data"' not in html
    response = upload(client_for(company_user), case, files.pdf(1))
    assert response.status_code == 403
    assert Document.objects.count() == 2


def test_uploading_through_the_page_stores_the_file(case, psa, reviewer):
    data = files.pdf(2)
    client = client_for(psa)
    response = upload(client, case, data, name="配置図.pdf")
    assert response.status_code == 303
    document = Document.objects.get()
    assert (document.filename, document.kind) == ("配置図.pdf", "layout")
    assert services.document_read(document=document, actor=reviewer) == data
    page = client.get(response["Location"]).content.decode()
    assert "was stored in the folder" in page


def test_a_refused_upload_says_why_and_stores_nothing(case, psa):
    events = AuditEvent.objects.count()
    client = client_for(psa)
    response = upload(client, case, files.pdf_with_open_action_javascript(), name="a.pdf")
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert "active content" in page
    response = upload(client, case, files.pdf_with_user_password("pw"), password="nope")
    assert "does not open" in client.get(response["Location"]).content.decode()
    assert Document.objects.count() == 0 and AuditEvent.objects.count() == events


def test_a_refusal_on_the_page_is_japanese_by_default(case, psa):
    client = client_for(psa, language="ja")
    response = upload(client, case, files.pdf_with_open_action_javascript())
    page = client.get(response["Location"]).content.decode()
    assert "active content" not in page and "JavaScript" in page
    assert Document.objects.count() == 0


def test_an_oversized_upload_is_refused_on_the_page(case, psa, settings):
    settings.DSG_MAX_UPLOAD_BYTES = 2048
    client = client_for(psa)
    response = upload(client, case, files.pdf(30))
    assert "too large" in client.get(response["Location"]).content.decode()
    assert Document.objects.count() == 0


def test_the_download_is_the_file_as_an_attachment_and_is_ledgered(case, psa, reviewer):
    data = files.pdf(1)
    document = store(psa, case, data, filename="申請書 第1版.pdf")
    response = client_for(reviewer).get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert response.content == data
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    read = AuditEvent.objects.get(action="document.read", object_id=str(document.pk))
    assert read.actor_id == reviewer.pk


def test_a_tampered_file_is_refused_on_download_with_a_message(case, psa, reviewer):
    from dsg.documents import storage

    document = store(psa, case, files.pdf(1))
    path = storage.documents_dir() / document.storage_key
    stored = path.read_bytes()
    path.write_bytes(stored[:-1] + bytes([stored[-1] ^ 0x01]))  # always a changed byte
    client = client_for(reviewer)
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 303
    assert response["Location"] == f"/enrollments/{case.pk}/documents/"
    assert "does not match its record" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="document.integrity_failed").count() == 1
    api = client.get(f"/api/v1/documents/{document.pk}/content")
    assert api.status_code == 409 and api.json()["code"] == "document_integrity"


def test_another_company_cannot_list_or_download(case, psa, other_psa):
    document = store(psa, case, files.pdf(1), filename="秘密.pdf")
    client = client_for(other_psa)
    assert client.get(f"/enrollments/{case.pk}/documents/").status_code == 404
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 404 and "秘密" not in response.content.decode()
    assert client.post(f"/documents/{document.pk}/password/").status_code == 404
    assert not AuditEvent.objects.filter(action="document.read").exists()


def test_the_provider_downloads_the_layout_but_not_the_audit_result(site, cast, psa):
    case = walk_to(new_case(site, cast), "survey", cast)
    layout = store(psa, case, files.pdf(1), kind="layout", filename="配置図.pdf")
    audit = store(psa, case, files.pdf(1), kind="audit_result", filename="監査結果.pdf")
    client = client_for(cast.staff)
    html = client.get(f"/enrollments/{case.pk}/documents/").content.decode()
    assert "配置図.pdf" in html and "監査結果" not in html
    assert client.get(f"/documents/{layout.pk}/download/").status_code == 200
    assert client.get(f"/documents/{audit.pk}/download/").status_code == 404


def test_the_office_looks_up_a_password_and_the_company_cannot(case, psa, reviewer):
    document = store(psa, case, files.pdf_with_user_password("pw-123"), password="pw-123")
    office = client_for(reviewer)
    assert office.get(f"/documents/{document.pk}/password/").status_code == 405
    response = office.post(f"/documents/{document.pk}/password/")
    assert response.status_code == 200 and "pw-123" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="document.password_read").count() == 1
    assert client_for(psa).post(f"/documents/{document.pk}/password/").status_code == 403
    page = client_for(psa).get(f"/enrollments/{case.pk}/documents/").content.decode()
    assert "Show the password" not in page
    assert "Show the password" in office.get(f"/enrollments/{case.pk}/documents/").content.decode()


def test_the_folder_page_costs_the_same_queries_for_1_or_5_documents(case, psa):
    client = client_for(psa)
    store(psa, case, files.pdf(1))
    url = f"/enrollments/{case.pk}/documents/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        store(psa, case, files.pdf(1))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)


def test_anonymous_is_sent_to_login(case, psa):
    document = store(psa, case, files.pdf(1))
    for url in (f"/enrollments/{case.pk}/documents/", f"/documents/{document.pk}/download/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_new_case_fixture_is_a_draft(case):
    assert case.state == "draft" and new_case  # the folder works from the first step on
