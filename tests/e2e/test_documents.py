"""documents (issue #3): the document folder in a real browser, without JavaScript of our own.

The PSA stores a password-protected PDF with its password and sees a refused PDF explained; the
reviewer downloads the file (the same bytes) and looks up its password.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.audit.models import AuditEvent
from dsg.documents.models import Document

from ..documents import files
from ..walk import new_case
from .conftest import ja, shoot

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_the_folder_from_upload_to_download(transactional_db, actor, site, cast, psa, reviewer):
    case = new_case(site, cast, complete=False)
    protected = files.pdf_with_user_password("e2e-パス")

    page = actor(psa)
    page.goto(f"/enrollments/{case.pk}/")
    page.locator(f"a[href='/enrollments/{case.pk}/documents/']").click()
    expect(page.locator("h1")).to_have_text(ja("Document folder (申請書等格納フォルダ)"))
    form = page.locator("form[enctype='multipart/form-data']")
    form.locator("select[name=kind]").select_option("application")
    form.locator("input[name=file]").set_input_files(
        {"name": "加入申請書.pdf", "mimeType": "application/pdf", "buffer": protected}
    )
    form.locator("input[name=password]").fill("e2e-パス")
    form.locator("button[type=submit]").click()
    row = page.locator("tr[data-kind=application]")
    expect(row).to_contain_text("加入申請書.pdf")
    expect(row).to_contain_text("🔒")

    form = page.locator("form[enctype='multipart/form-data']")
    form.locator("select[name=kind]").select_option("layout")
    form.locator("input[name=file]").set_input_files(
        {
            "name": "layout.pdf",
            "mimeType": "application/pdf",
            "buffer": files.pdf_with_open_action_javascript(),
        }
    )
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice--error")).to_contain_text("JavaScript")
    shoot(page, "documents-folder-psa")
    assert Document.objects.count() == 1

    office = actor(reviewer)
    office.goto(f"/enrollments/{case.pk}/documents/")
    with office.expect_download() as download:
        office.locator("tr[data-kind=application] a[download]").click()
    assert download.value.suggested_filename == "加入申請書.pdf"
    assert open(download.value.path(), "rb").read() == protected
    office.locator("tr[data-kind=application] form button").click()
    expect(office.locator(".doc-password")).to_have_text("e2e-パス")
    shoot(office, "documents-password-office")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"document.stored", "document.read", "document.password_read"} <= actions
