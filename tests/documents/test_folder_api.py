"""The company's folder in the API: list with filters, upload, ZIP, the office's queue; codes as
enums in the OpenAPI document; refusals as JSON {detail, code} in Japanese that store nothing."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dsg.audit.models import AuditEvent
from dsg.documents import folder
from dsg.documents.api import FOLDER_CODES
from dsg.documents.models import DocumentKind, StorageReport

from . import files

API = "/api/v1"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def store(actor, company, data=None, **kwargs):
    kwargs.setdefault("kind", "request_form")
    kwargs.setdefault("filename", "申請書.xlsx")
    return folder.folder_document_store(
        actor=actor, company=company, data=data or files.xlsx(), **kwargs
    )


def test_the_list_names_subject_readers_and_filters(psa, reviewer, company, site, cast):
    from dsg.documents.services import document_read
    from tests.walk import new_case

    case = new_case(site, cast, complete=False)
    loose = store(psa, company)
    filed = store(psa, company, files.pdf(), kind="other", filename="a.pdf", subject=case)
    document_read(document=loose, actor=reviewer)
    client = client_for(psa)

    page = client.get(f"{API}/companies/{company.pk}/folder").json()
    assert page["count"] == 2 and [d["id"] for d in page["items"]] == [filed.pk, loose.pk]
    first, second = page["items"]
    assert first["subject"] == {
        "type": "enrollment",
        "id": case.pk,
        "number": case.number,
        "label": first["subject"]["label"],
        "url": f"/enrollments/{case.pk}/",
    }
    assert second["subject"] is None and second["kind"] == "request_form"
    assert [r["name"] for r in second["read_by"]] == [reviewer.full_name]
    only = client.get(f"{API}/companies/{company.pk}/folder?subject_type=none").json()
    assert [d["id"] for d in only["items"]] == [loose.pk]
    by_case = client.get(
        f"{API}/companies/{company.pk}/folder?subject_type=enrollment&subject_id={case.pk}"
    ).json()
    assert [d["id"] for d in by_case["items"]] == [filed.pk]
    bad = client.get(f"{API}/companies/{company.pk}/folder?kind=nonsense")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    past = client.get(f"{API}/companies/{company.pk}/folder?offset=99999999999999999999")
    assert past.status_code == 422 and past.json()["code"] == "invalid"  # not the database's


def test_upload_a_protected_workbook_and_the_office_is_told(psa, company, reviewer):
    response = client_for(psa).post(
        f"{API}/companies/{company.pk}/folder",
        {
            "kind": "request_form",
            "password": "api-pw",
            "file": SimpleUploadedFile("端末.xlsx", files.xlsx_with_password("api-pw")),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["password_protected"] and body["subject"] is None and body["read_by"] == []
    assert StorageReport.objects.filter(document_id=body["id"]).exists()


def _bomb() -> bytes:
    return files.xlsx_zip_bomb(120)


@pytest.mark.parametrize(
    ("name", "data", "kind", "password", "code"),
    [
        ("bomb.xlsx", _bomb, "request_form", "", "excel_too_large_unpacked"),
        ("macro.xlsx", files.xlsm, "request_form", "", "excel_macros"),
        ("pw.xlsx", files.xlsx_with_password, "request_form", "wrong", "excel_wrong_password"),
        ("notice.pdf", files.pdf, "notice", "", "forbidden"),
    ],
)  # fmt: skip
def test_a_refused_upload_answers_json_in_japanese_and_stores_nothing(
    psa, company, footprint, name, data, kind, password, code
):
    response = client_for(psa).post(
        f"{API}/companies/{company.pk}/folder",
        {"kind": kind, "password": password, "file": SimpleUploadedFile(name, data())},
    )
    assert response.status_code in (403, 422)
    body = response.json()
    assert body["code"] == code and re.search(r"[\u3040-\u30ff]", body["detail"])
    assert footprint.unchanged() and not StorageReport.objects.exists()


def test_an_oversized_upload_is_refused(settings, psa, company, footprint):
    settings.DSG_MAX_UPLOAD_BYTES = 100
    response = client_for(psa).post(
        f"{API}/companies/{company.pk}/folder",
        {"kind": "request_form", "file": SimpleUploadedFile("a.xlsx", files.xlsx())},
    )
    assert response.status_code == 422 and response.json()["code"] == "file_too_large"
    assert footprint.unchanged()


def test_the_office_uploads_on_behalf_and_a_company_may_not(psa, company, reviewer, footprint):
    form = {
        "kind": "request_form",
        "received_by_mail": "true",
        "file": SimpleUploadedFile("mail.xlsx", files.xlsx()),
    }
    refused = client_for(psa).post(f"{API}/companies/{company.pk}/folder", form)
    assert refused.status_code == 403 and footprint.unchanged()
    form["file"] = SimpleUploadedFile("mail.xlsx", files.xlsx())
    stored = client_for(reviewer).post(f"{API}/companies/{company.pk}/folder", form)
    assert stored.status_code == 201 and stored.json()["received_by_mail"] is True


def test_the_zip_holds_the_chosen_documents_and_refuses_a_foreign_one(
    psa, company, other_psa, other_company
):
    mine = store(psa, company)
    theirs = store(other_psa, other_company)
    client = client_for(psa)

    response = client.get(f"{API}/companies/{company.pk}/folder/zip?document={mine.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == [f"{mine.pk}_申請書.xlsx"]
    reads = AuditEvent.objects.filter(action="document.read", actor_id=psa.pk).count()

    foreign = client.get(
        f"{API}/companies/{company.pk}/folder/zip?document={mine.pk}&document={theirs.pk}"
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert AuditEvent.objects.filter(action="document.read", actor_id=psa.pk).count() == reads
    other = client.get(f"{API}/companies/{other_company.pk}/folder/zip")
    assert other.status_code == 404


def test_the_queue_is_the_office_s_and_a_report_is_seen_once(psa, company, reviewer):
    document = store(psa, company)
    assert client_for(psa).get(f"{API}/folder-reports").json()["count"] == 0
    queue = client_for(reviewer).get(f"{API}/folder-reports").json()
    [item] = queue["items"]
    assert item["document"]["id"] == document.pk and item["company_name"] == company.name

    seen = client_for(reviewer).post(f"{API}/folder-reports/{item['id']}/seen")
    assert seen.status_code == 200 and seen.json()["seen_by"] == str(reviewer)
    again = client_for(reviewer).post(f"{API}/folder-reports/{item['id']}/seen")
    assert again.status_code == 409 and again.json()["code"] == "report_seen"
    assert client_for(psa).post(f"{API}/folder-reports/{item['id']}/seen").status_code == 404
    assert client_for(reviewer).get(f"{API}/folder-reports").json()["count"] == 0


def test_the_provider_never_lists_a_company_folder(provider_staff, psa, company):
    store(psa, company)
    client = client_for(provider_staff)
    assert client.get(f"{API}/companies/{company.pk}/folder").status_code == 404
    assert client.get(f"{API}/companies/{company.pk}/folder/zip").status_code == 404


def test_the_openapi_document_names_kinds_subjects_and_codes_as_enums(client):
    schema = client.get(f"{API}/openapi.json").json()
    components = schema["components"]["schemas"]
    assert set(components["Kind"]["enum"]) == set(DocumentKind.values)
    assert "enrollment" in components["SubjectKey"]["enum"]
    assert "none" in components["SubjectKey"]["enum"]
    assert components["FolderCode"]["enum"] == FOLDER_CODES


def test_every_code_the_documents_app_refuses_with_is_in_the_enum():
    """A new refusal in documents/ must be named in the OpenAPI enum too."""
    source = "".join(path.read_text() for path in Path(folder.__file__).parent.glob("*.py"))
    codes = set(re.findall(r'code="(\w+)"', source))
    codes |= set(re.findall(r'"((?:excel|image)_\w+)"', source))
    codes |= {f"pdf_{code}" for code in re.findall(r'^    "(\w+)": _\(', source, re.M)}
    codes -= {"no_password"}  # the password look-up, not an operation of the folder
    assert codes <= set(FOLDER_CODES), sorted(codes - set(FOLDER_CODES))
