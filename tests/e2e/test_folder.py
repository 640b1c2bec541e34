"""The company's folder (申請書等格納フォルダ, #10) in a real browser: the PSA stores a
password-protected workbook without a case, the office sees it in its queue, marks it seen and
downloads the folder as a ZIP (every file's read ledgered)."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

from dsg.audit.models import AuditEvent
from dsg.documents.models import Document, StorageReport

from ..documents import files
from .conftest import ja, shoot

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_the_folder_from_upload_to_a_zip(transactional_db, actor, company, psa, reviewer):
    workbook = files.xlsx_with_password("e2e-ブック")

    page = actor(psa)
    page.goto("/")
    page.locator("a[data-link=folder]").click()
    expect(page.locator("h1")).to_have_text(ja("Document folder (申請書等格納フォルダ)"))
    form = page.locator("form[data-form=folder-upload]")
    form.locator("select[name=kind]").select_option("request_form")
    form.locator("input[name=file]").set_input_files(
        {"name": "端末申請書.xlsx", "mimeType": "application/octet-stream", "buffer": workbook}
    )
    form.locator("input[name=password]").fill("e2e-ブック")
    form.locator("button[type=submit]").click()
    row = page.locator("tr[data-kind=request_form]")
    expect(row).to_contain_text("端末申請書.xlsx")
    expect(row).to_contain_text("🔒")
    expect(page.locator(".notice--success, .messages")).to_contain_text("情報システム管理室")
    shoot(page, "folder-psa")

    office = actor(reviewer)
    office.goto("/")
    report = office.locator("#storage-reports tr[data-report]")
    expect(report).to_contain_text(company.name)
    report.locator("button[type=submit]").click()
    expect(office.locator("#storage-reports tr[data-report]")).to_have_count(0)
    assert StorageReport.objects.get().seen_by == reviewer

    office.goto(f"/companies/{company.pk}/folder/")
    office.locator("tr[data-kind=request_form] input[name=document]").check()
    with office.expect_download() as download:
        office.locator("button[data-action=zip]").click()
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
        document = Document.objects.get()
        assert archive.read(f"{document.pk}_端末申請書.xlsx") == workbook
    shoot(office, "folder-office")
    assert AuditEvent.objects.filter(
        action="document.read", actor_id=reviewer.pk, object_id=str(document.pk)
    ).exists()
