"""The document folder through the API: list, multipart upload, metadata, content."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dsg.audit.models import AuditEvent
from dsg.documents import services
from dsg.documents.models import Document
from dsg.orgs.services import api_token_create
from tests.walk import new_case, walk_to

from . import files

API = "/api/v1"


def session(user, language: str = "en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    return client


def store(actor, case, data, **kwargs):
    kwargs.setdefault("kind", "application")
    kwargs.setdefault("filename", "申請書.pdf")
    if kwargs["kind"] == "audit_result":
        kwargs.setdefault("dated_on", files.DATED_ON)
    return services.document_store(
        actor=actor, company=case.site.company, subject=case, data=data, **kwargs
    )


def post_file(client, case, data, *, kind="layout", password="", name="layout.pdf"):
    return client.post(
        f"{API}/enrollments/{case.pk}/documents",
        {"kind": kind, "password": password, "file": SimpleUploadedFile(name, data)},
    )


def test_upload_list_metadata_and_content(case, psa, reviewer):
    data = files.pdf(2)
    token = api_token_create(actor=psa, name="script")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    response = post_file(client, case, data, name="配置図.pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["filename"] == "配置図.pdf" and body["kind"] == "layout"
    assert body["size"] == len(data) and len(body["sha256"]) == 64
    listing = client.get(f"{API}/enrollments/{case.pk}/documents").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == body["id"]
    assert client.get(f"{API}/documents/{body['id']}").json()["sha256"] == body["sha256"]
    content = session(reviewer).get(f"{API}/documents/{body['id']}/content")
    assert content.status_code == 200 and content.content == data
    assert content["X-Content-Type-Options"] == "nosniff"
    assert content["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="document.read", object_id=str(body["id"])).exists()


def test_the_list_is_paginated(case, psa):
    for _ in range(3):
        store(psa, case, files.pdf(1))
    page = session(psa).get(f"{API}/enrollments/{case.pk}/documents?limit=2&offset=0").json()
    assert page["count"] == 3 and len(page["items"]) == 2


def test_bad_uploads_answer_422_json_and_store_nothing(case, psa):
    client = session(psa)
    events = AuditEvent.objects.count()
    cases = [
        (files.text_named_pdf(), "layout", "", "pdf_not_pdf"),
        (files.pdf_with_embedded_file(), "layout", "", "pdf_active_content"),
        (files.pdf_with_user_password("pw"), "layout", "", "pdf_password_required"),
        (files.pdf(1), "no-such-kind", "", "invalid"),
    ]
    for data, kind, password, code in cases:
        response = post_file(client, case, data, kind=kind, password=password)
        assert response.status_code == 422, (code, response.content)
        assert response.json()["code"] == code and response.json()["detail"]
    missing = client.post(f"{API}/enrollments/{case.pk}/documents", {"kind": "layout"})
    assert missing.status_code == 422 and missing.json()["field"] == "file"
    assert Document.objects.count() == 0 and AuditEvent.objects.count() == events


def test_an_api_refusal_is_japanese_for_a_japanese_caller(case, psa):
    response = post_file(session(psa, "ja"), case, files.pdf_with_embedded_file())
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "active content" not in detail and "JavaScript" in detail, detail


def test_company_b_cannot_list_read_or_upload_into_company_a(case, psa, other_psa):
    document = store(psa, case, files.pdf(1), filename="秘密.pdf")
    client = session(other_psa)
    for url in (
        f"{API}/enrollments/{case.pk}/documents",
        f"{API}/documents/{document.pk}",
        f"{API}/documents/{document.pk}/content",
    ):
        response = client.get(url)
        assert response.status_code == 404 and "秘密" not in response.content.decode()
    assert post_file(client, case, files.pdf(1)).status_code == 404
    assert Document.objects.count() == 1
    assert not AuditEvent.objects.filter(action="document.read").exists()


def test_the_provider_does_not_see_audit_results(site, cast, psa):
    case = walk_to(new_case(site, cast), "survey", cast)
    audit = store(psa, case, files.pdf(1), kind="audit_result")
    other = store(psa, case, files.pdf(1), kind="other")
    client = session(cast.staff)
    items = client.get(f"{API}/enrollments/{case.pk}/documents").json()["items"]
    seen = {item["id"] for item in items}
    assert other.pk in seen and audit.pk not in seen
    assert {item["kind"] for item in items} <= {"layout", "other"}
    assert client.get(f"{API}/documents/{audit.pk}").status_code == 404
    assert client.get(f"{API}/documents/{audit.pk}/content").status_code == 404
    assert post_file(client, case, files.pdf(1), kind="other").status_code == 403


def test_the_openapi_document_declares_the_operations(client):
    schema = client.get(f"{API}/openapi.json").json()
    upload = schema["paths"]["/api/v1/enrollments/{enrollment_id}/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "403", "404", "422"} <= set(upload["responses"])
    content = schema["paths"]["/api/v1/documents/{document_id}/content"]["get"]
    assert set(content["responses"]["200"]["content"]) == {  # what an upload is stored as
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image/jpeg",
        "image/png",
    }
    assert "404" in content["responses"]


def test_the_list_costs_the_same_queries_for_1_or_4_documents(case, psa):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = session(psa)
    url = f"{API}/enrollments/{case.pk}/documents"
    store(psa, case, files.pdf(1))
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(3):
        store(psa, case, files.pdf(1))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()["items"]) == 4
    assert len(many) == len(one)
