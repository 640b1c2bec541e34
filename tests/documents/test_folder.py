"""The company's whole folder (申請書等格納フォルダ, issue #10): every document of the company
in one place, storing without a case tells the office (「格納した旨を連絡」), a password-protected
.xlsx with its password, the office's mail fallback, several documents as a streamed ZIP.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsg.audit.models import AuditEvent
from dsg.core.errors import NotVisible, RuleViolation
from dsg.documents import folder, selectors, services
from dsg.documents.models import Document, StorageReport
from dsg.documents.selectors import FolderFilter
from dsg.notifications.models import OutboxMessage

from . import files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def store(actor, company, data, *, kind="request_form", name="端末申請書.xlsx", **kwargs):
    return folder.folder_document_store(
        actor=actor, company=company, kind=kind, filename=name, data=data, **kwargs
    )


def client_for(user, language: str = "ja") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


class Everything:
    """Documents, files, ledger events, storage reports and queued mails: a refusal leaves all."""

    def __init__(self, footprint) -> None:
        self.footprint = footprint
        self.before = self.take()

    @staticmethod
    def take() -> tuple[int, int]:
        return StorageReport.objects.count(), OutboxMessage.objects.count()

    def unchanged(self) -> bool:
        return self.footprint.unchanged() and self.take() == self.before


@pytest.fixture
def nothing_changes(footprint):
    return Everything(footprint)


# Storing tells the office -------------------------------------------------------------------


def test_a_company_stores_without_a_case_and_the_office_is_told(psa, company, reviewer, inspector):
    document = store(psa, company, files.xlsx())

    assert document.subject is None and document.content_type == XLSX
    report = StorageReport.objects.get(document=document)
    assert report.company == company and report.seen_at is None
    mail = OutboxMessage.objects.get(kind="document.stored")
    assert mail.recipients == [reviewer.email]  # the reviewers; not the inspector, not the PSA
    assert mail.company_id == company.pk
    assert company.name in mail.body and "申請書（Excel 形式）" in mail.body
    assert "端末申請書.xlsx" not in mail.body  # mails never carry content, not even names
    actions = list(
        AuditEvent.objects.filter(company_id=company.pk).values_list("action", flat=True)
    )
    assert actions[-2:] == ["document.stored", "document.storage_reported"]


def test_the_mail_names_the_company_the_kind_and_the_case(psa, company, reviewer, site, cast):
    from tests.walk import new_case

    case = new_case(site, cast, complete=False)
    store(psa, company, files.pdf(), kind="other", name="証明書.pdf", subject=case)

    mail = OutboxMessage.objects.get(kind="document.stored")
    assert case.number in mail.subject and company.name in mail.body
    assert "その他" in mail.body and case.number in mail.body
    assert f"/companies/{company.pk}/folder/" in mail.body


def test_the_office_storing_its_own_document_tells_nobody(reviewer, company):
    store(reviewer, company, files.pdf(), kind="other", name="連絡.pdf")

    assert not StorageReport.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_office_gets_the_mail_through_a_real_smtp_server(smtp, psa, company, reviewer):
    from django.core.management import call_command

    from tests.notifications.smtp import body_of

    store(psa, company, files.xlsx())
    call_command("worker", "--batch", "--no-startup-delay")

    [received] = smtp.messages
    assert received["To"] == reviewer.email
    body = body_of(received)
    assert company.name in body and "申請書等格納フォルダ" in body
    assert "端末申請書.xlsx" not in body


# A password-protected .xlsx ------------------------------------------------------------------


def test_a_protected_workbook_is_stored_protected_with_its_password(psa, company, reviewer):
    protected = files.xlsx_with_password("ブック-pw")
    document = store(psa, company, protected, password="ブック-pw")

    assert document.password_protected and document.content_type == XLSX
    assert services.document_read(document=document, actor=reviewer) == protected  # as uploaded
    assert services.document_password(document=document, actor=reviewer) == "ブック-pw"
    with pytest.raises(RuleViolation):
        services.document_password(document=document, actor=psa)  # only the office reads it


def _protected_macro_workbook() -> bytes:
    return files.xlsx_with_password("pw", data=files.xlsm())


BAD_INPUT = [
    ("xlsx-bomb", lambda: files.xlsx_zip_bomb(120), "", "request_form", "excel_too_large_unpacked"),
    ("macro-workbook", files.xlsm, "", "request_form", "excel_macros"),
    (
        "xlsx-wrong-password",
        files.xlsx_with_password,
        "wrong",
        "request_form",
        "excel_wrong_password",
    ),
    ("xlsx-no-password", files.xlsx_with_password, "", "request_form", "excel_ole"),
    ("protected-macro-workbook", _protected_macro_workbook, "pw", "request_form", "excel_macros"),
    ("pdf-wrong-password", files.pdf_with_user_password, "wrong", "other", "pdf_wrong_password"),
    ("office-only-kind", files.pdf, "", "notice", "forbidden"),
    ("office-only-checklist", files.pdf, "", "inspection_checklist", "forbidden"),
]


@pytest.mark.parametrize(
    ("build", "password", "kind", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUT],
)
def test_bad_input_is_refused_in_japanese_and_changes_nothing(
    psa, company, reviewer, nothing_changes, build, password, kind, code
):
    with pytest.raises(RuleViolation) as refusal:
        store(psa, company, build(), kind=kind, password=password)
    assert refusal.value.code == code
    assert any("\u3040" <= ch <= "\u30ff" for ch in str(refusal.value.message))  # 日本語
    assert nothing_changes.unchanged()


def test_an_oversized_file_is_refused_and_changes_nothing(settings, psa, company, nothing_changes):
    settings.DSG_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(RuleViolation) as refusal:
        store(psa, company, files.xlsx())
    assert refusal.value.code == "file_too_large" and "大きすぎます" in str(refusal.value.message)
    assert nothing_changes.unchanged()


# The mail fallback: the office stores a mailed file on the company's behalf -----------------


def test_the_office_stores_a_mailed_file_on_behalf_of_the_company(psa, company, reviewer):
    protected = files.pdf_with_user_password("メール-pw")
    document = store(
        reviewer, company, protected, kind="application", name="加入申請書.pdf",
        password="メール-pw", received_by_mail=True,
    )  # fmt: skip

    assert document.received_by_mail and document.uploaded_by == reviewer
    assert document.password_protected
    event = AuditEvent.objects.get(action="document.stored", object_id=str(document.pk))
    assert event.after["received_by_mail"] is True and event.actor_id == reviewer.pk
    assert StorageReport.objects.filter(document=document).exists()  # in the queue as well
    mail = OutboxMessage.objects.get(kind="document.received_by_mail")
    assert mail.recipients == [psa.email]  # the company hears that its mail arrived
    assert not OutboxMessage.objects.filter(kind="document.stored").exists()


@pytest.mark.parametrize("who", ["psa", "inspector"])
def test_only_a_reviewer_stores_on_behalf_of_a_company(everyone, company, nothing_changes, who):
    with pytest.raises(RuleViolation) as refusal:
        store(everyone[who], company, files.pdf(), kind="other", received_by_mail=True)
    assert refusal.value.status == 403
    assert nothing_changes.unchanged()


# The reviewers' queue -----------------------------------------------------------------------


def test_a_reviewer_marks_a_report_seen_once_and_it_is_ledgered(psa, company, reviewer):
    store(psa, company, files.xlsx())
    report = selectors.storage_reports_for(reviewer).get()

    folder.storage_report_mark_seen(report=report, actor=reviewer)

    report.refresh_from_db()
    assert report.seen_by == reviewer and report.seen_at is not None
    assert not selectors.storage_reports_for(reviewer).exists()
    assert AuditEvent.objects.filter(action="document.storage_report_seen").count() == 1
    with pytest.raises(RuleViolation) as again:
        folder.storage_report_mark_seen(report=report, actor=reviewer)
    assert again.value.code == "report_seen" and again.value.status == 409


@pytest.mark.parametrize("who", ["psa", "delegate", "user", "provider_staff", "other_psa"])
def test_nobody_but_the_office_sees_the_queue(everyone, company, who):
    store(everyone["psa"], company, files.xlsx())
    report = StorageReport.objects.get()

    assert not selectors.storage_reports_for(everyone[who]).exists()
    with pytest.raises(NotVisible):
        selectors.storage_report_get_for(everyone[who], report.pk)


# The list: filters, subjects, readers ---------------------------------------------------------


def test_the_folder_holds_the_company_documents_of_every_case_and_none(
    psa, reviewer, company, site, cast
):
    from tests.walk import new_case

    case = new_case(site, cast, complete=False)
    loose = store(psa, company, files.xlsx())
    filed = store(psa, company, files.pdf(), kind="other", name="a.pdf", subject=case)

    every = selectors.folder_documents_for(psa, company, FolderFilter())
    assert list(every) == [filed, loose]
    only = selectors.folder_documents_for(psa, company, FolderFilter(subject_type="none"))
    assert list(only) == [loose]
    of_case = FolderFilter(subject_type="enrollment", subject_id=case.pk)
    assert list(selectors.folder_documents_for(psa, company, of_case)) == [filed]
    kind = FolderFilter(kind="request_form")
    assert list(selectors.folder_documents_for(psa, company, kind)) == [loose]
    today = timezone.localdate()
    later = FolderFilter(since=today + dt.timedelta(days=1))
    assert not selectors.folder_documents_for(psa, company, later).exists()
    window = FolderFilter(since=today, until=today)
    assert selectors.folder_documents_for(psa, company, window).count() == 2
    [ref] = selectors.folder_subjects_for(psa, company)
    assert (ref.key, ref.id, ref.number) == ("enrollment", case.pk, case.number)


def test_who_read_a_document_comes_from_the_ledger_in_one_query(psa, reviewer, company):
    documents = [store(psa, company, files.xlsx(), name=f"{n}.xlsx") for n in range(3)]
    for document in documents[:2]:
        services.document_read(document=document, actor=reviewer)
    services.document_read(document=documents[0], actor=reviewer)

    with CaptureQueriesContext(connection) as queries:
        readers = selectors.readers_of(documents)
    assert len(queries) == 1
    assert [(r.name, r.times) for r in readers[documents[0].pk]] == [(reviewer.full_name, 2)]
    assert [r.name for r in readers[documents[1].pk]] == [reviewer.full_name]
    assert documents[2].pk not in readers


# The ZIP ------------------------------------------------------------------------------------


def _unzip(chunks) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_zip_holds_the_files_and_ledgers_each_read_as_a_download_does(psa, company, reviewer):
    workbook = files.xlsx()
    one = store(psa, company, workbook, name="同じ名前.xlsx")
    two = store(psa, company, files.pdf(2), kind="other", name="同じ名前.xlsx")  # same name
    services.document_read(document=one, actor=reviewer)
    single = AuditEvent.objects.filter(action="document.read").last()

    stream = folder.documents_zip(documents=[one, two], actor=psa)
    assert AuditEvent.objects.filter(action="document.read", actor_id=psa.pk).count() == 0
    content = _unzip(stream)  # the reads are ledgered as the stream is read

    assert content == {
        f"{one.pk}_同じ名前.xlsx": workbook,
        f"{two.pk}_同じ名前.xlsx": files.pdf(2),
    }
    reads = AuditEvent.objects.filter(action="document.read", actor_id=psa.pk)
    assert sorted(int(e.object_id) for e in reads) == sorted([one.pk, two.pk])
    for event in reads:
        assert set(event.after) == set(single.after) == {"sha256"}
        assert event.company_id == company.pk


def test_a_zip_with_a_document_the_user_may_not_read_is_refused_whole(
    psa, company, other_psa, other_company, nothing_changes
):
    foreign = Document.objects.create(
        company=other_company, kind="other", filename="x.pdf", content_type="application/pdf",
        size=1, sha256="0" * 64, storage_key="k-foreign", uploaded_by=other_psa,
    )  # fmt: skip
    nothing_changes.footprint.before = nothing_changes.footprint.take()
    with pytest.raises(NotVisible):
        folder.documents_zip(documents=[foreign], actor=psa)
    assert nothing_changes.unchanged()


def test_the_provider_reads_no_office_only_kind_through_a_zip(provider_staff, company, reviewer):
    notice = store(reviewer, company, files.pdf(), kind="notice", name="通知書.pdf")
    with pytest.raises(NotVisible):
        folder.documents_zip(documents=[notice], actor=provider_staff)


def test_a_zip_of_too_many_documents_is_refused(psa, company, monkeypatch):
    documents = [store(psa, company, files.xlsx(), name=f"{n}.xlsx") for n in range(3)]
    monkeypatch.setattr(folder, "ZIP_MAX_DOCUMENTS", 2)
    with pytest.raises(RuleViolation) as refusal:
        folder.documents_zip(documents=documents, actor=psa)
    assert refusal.value.code == "zip_too_many"


# The pages ----------------------------------------------------------------------------------


def test_the_company_sees_its_own_folder_at_folder(psa, company, reviewer):
    document = store(psa, company, files.xlsx())
    services.document_read(document=document, actor=reviewer)

    page = client_for(psa).get("/folder/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-document="{document.pk}"' in html and "端末申請書.xlsx" in html
    assert reviewer.full_name in html  # who read it
    assert 'name="received_by_mail"' not in html  # the company's form has no mail fallback


def test_the_office_reaches_every_company_folder(psa, company, other_psa, reviewer):
    store(psa, company, files.xlsx())
    listing = client_for(reviewer).get("/folder/").content.decode()
    assert f'href="/companies/{company.pk}/folder/"' in listing
    assert f'href="/companies/{other_psa.organization_id}/folder/"' in listing
    page = client_for(reviewer).get(f"/companies/{company.pk}/folder/").content.decode()
    assert "端末申請書.xlsx" in page and 'name="received_by_mail"' in page


@pytest.mark.parametrize("who", ["provider_staff", "other_psa"])
def test_the_provider_and_other_companies_never_see_the_folder(everyone, company, who):
    store(everyone["psa"], company, files.xlsx())
    client = client_for(everyone[who])
    assert client.get(f"/companies/{company.pk}/folder/").status_code == 404
    assert client.get(f"/companies/{company.pk}/folder/zip/").status_code == 404
    if who == "provider_staff":
        assert client.get("/folder/").status_code == 404


def test_the_upload_page_stores_and_tells_the_office(psa, company, reviewer):
    protected = files.xlsx_with_password("pw-1")
    response = client_for(psa).post(
        f"/companies/{company.pk}/folder/",
        {
            "kind": "request_form",
            "password": "pw-1",
            "file": SimpleUploadedFile("申請.xlsx", protected),
        },
    )
    assert response.status_code == 303 and response["Location"] == "/folder/"
    document = Document.objects.get()
    assert document.password_protected and StorageReport.objects.filter(document=document).exists()
    page = client_for(psa).get("/folder/").content.decode()
    assert "情報システム管理室に連絡しました" in page or "連絡" in page


def test_a_refused_upload_says_why_in_japanese_and_stores_nothing(psa, company, nothing_changes):
    client = client_for(psa)
    response = client.post(
        f"/companies/{company.pk}/folder/",
        {"kind": "request_form", "file": SimpleUploadedFile("macro.xlsx", files.xlsm())},
    )
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert "マクロ" in page
    assert nothing_changes.unchanged()


def test_the_office_stores_a_mailed_file_from_the_page(psa, company, reviewer):
    response = client_for(reviewer).post(
        f"/companies/{company.pk}/folder/",
        {
            "kind": "request_form",
            "received_by_mail": "on",
            "file": SimpleUploadedFile("メール添付.xlsx", files.xlsx()),
        },
    )
    assert response.status_code == 303
    document = Document.objects.get()
    assert document.received_by_mail
    page = client_for(psa).get("/folder/").content.decode()
    assert "data-received-by-mail" in page


def test_the_page_filters_by_kind_and_case(psa, company, site, cast):
    from tests.walk import new_case

    case = new_case(site, cast, complete=False)
    store(psa, company, files.xlsx(), name="loose.xlsx")
    store(psa, company, files.pdf(), kind="other", name="filed.pdf", subject=case)
    client = client_for(psa)

    html = client.get("/folder/", {"subject": f"enrollment:{case.pk}"}).content.decode()
    assert "filed.pdf" in html and "loose.xlsx" not in html
    html = client.get("/folder/", {"kind": "request_form"}).content.decode()
    assert "loose.xlsx" in html and "filed.pdf" not in html
    html = client.get("/folder/", {"subject": "enrollment:999999"}).content.decode()
    assert "loose.xlsx" in html  # a subject that is not one of the folder's filters nothing


def test_the_zip_page_streams_the_chosen_documents(psa, company, reviewer):
    workbook = files.xlsx()
    one = store(psa, company, workbook, name="one.xlsx")
    store(psa, company, files.xlsx(), name="two.xlsx")
    response = client_for(reviewer).get(
        f"/companies/{company.pk}/folder/zip/", {"document": [one.pk]}
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert _unzip(response.streaming_content) == {f"{one.pk}_one.xlsx": workbook}
    assert AuditEvent.objects.filter(
        action="document.read", actor_id=reviewer.pk, object_id=str(one.pk)
    ).exists()


def test_the_zip_page_without_a_choice_takes_the_filtered_folder(psa, company):
    store(psa, company, files.xlsx(), name="one.xlsx")
    store(psa, company, files.pdf(), kind="other", name="two.pdf")
    response = client_for(psa).get(f"/companies/{company.pk}/folder/zip/", {"kind": "other"})
    assert [name.split("_", 1)[1] for name in _unzip(response.streaming_content)] == ["two.pdf"]


def test_the_dashboard_shows_the_queue_and_a_reviewer_marks_a_report_seen(psa, company, reviewer):
    store(psa, company, files.xlsx())
    report = StorageReport.objects.get()
    client = client_for(reviewer)
    html = client.get("/").content.decode()
    assert f'data-report="{report.pk}"' in html and company.name in html

    response = client.post(f"/folder/reports/{report.pk}/seen/")
    assert response.status_code == 303
    report.refresh_from_db()
    assert report.seen_by == reviewer
    assert f'data-report="{report.pk}"' not in client.get("/").content.decode()


def test_the_company_dashboard_has_no_queue(psa, company):
    store(psa, company, files.xlsx())
    assert "storage-reports" not in client_for(psa).get("/").content.decode()
    assert (
        client_for(psa).post(f"/folder/reports/{StorageReport.objects.get().pk}/seen/").status_code
        == 403  # an office page: refused whatever the id
    )
