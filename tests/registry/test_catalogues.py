"""The provider's two software catalogues (§5②): published in versions, checked whole, read by
every signed-in role, imported and exported as .xlsx (and CSV), matched by the requests."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.core.wareki import wareki
from dsg.notifications.models import OutboxMessage
from dsg.registry import catalogue_files as files
from dsg.registry import catalogues
from dsg.registry.catalogues import EntryInput, catalogue_publish, whitelist_match
from dsg.registry.models import CatalogueEntry, CatalogueKind, SoftwareCatalogue
from dsg.registry.versions import version_admits

from ..documents.files import pdf, xlsm, xlsx, xlsx_with_password, xlsx_zip_bomb
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
WL, MANDATORY = CatalogueKind.WHITELIST, CatalogueKind.MANDATORY
HASH = "ab" * 32
OTHER_HASH = "cd" * 32
HEADER = ["ソフトウェア名", "ベンダー", "バージョン", "SHA-256", "Authenticodeハッシュ", "署名者"]


def office_suite(**overrides: object) -> EntryInput:
    values = {"name": "Microsoft 365 Apps", "vendor": "Microsoft", "version": "16.0"}
    return EntryInput(**{**values, **overrides})  # type: ignore[arg-type]


def some_entries(count: int = 3) -> list[EntryInput]:
    return [
        EntryInput(name=f"ソフト{n:03d}", vendor="ベンダー株式会社", version=f"1.{n}", sha256=HASH)
        for n in range(1, count + 1)
    ]


def publish(actor, entries=None, kind=WL, note=""):
    return catalogue_publish(
        kind=kind,
        entries=entries if entries is not None else some_entries(),
        note=note,
        actor=actor,
    )


def sheet(rows, *, name="ホワイトリスト", header=HEADER) -> bytes:
    return xlsx([header, *rows], sheet=name)


def counts() -> tuple[int, int, int, int]:
    return (
        SoftwareCatalogue.objects.count(),
        CatalogueEntry.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Publishing ---------------------------------------------------------------------------------
def test_each_publish_is_the_next_version_and_the_latest_is_in_force(provider_staff, reviewer):
    first = publish(provider_staff, note="初版")
    second = publish(provider_staff, [office_suite(), *some_entries(2)], note="Office追加")
    assert (first.version, second.version) == (1, 2)
    in_force = catalogues.catalogue_in_force(WL)
    assert in_force == second
    assert [e.name for e in in_force.entries.all()] == [
        "Microsoft 365 Apps",
        "ソフト001",
        "ソフト002",
    ]
    assert [e.position for e in in_force.entries.all()] == [1, 2, 3]
    assert catalogues.catalogue_in_force(MANDATORY) is None  # the two are versioned apart
    assert publish(provider_staff, kind=MANDATORY).version == 1


def test_a_publish_is_ledgered_with_its_digest_and_told_to_the_reviewers(provider_staff, reviewer):
    catalogue = publish(provider_staff, note="初版")
    event = AuditEvent.objects.get(action="catalogue.publish")
    assert event.object_id == str(catalogue.pk) and event.company_id is None
    assert event.after["kind"] == "whitelist" and event.after["version"] == 1
    assert event.after["entries"] == 3
    assert event.after["digest"] == catalogues.catalogue_digest(catalogue.entries.all())
    assert len(event.after["digest"]) == 64
    mail = OutboxMessage.objects.get(kind="catalogue.publish")
    assert mail.recipients == [reviewer.email] and mail.company_id is None
    assert "/catalogues/whitelist/v1/" in mail.body and "初版" in mail.body


def test_hashes_are_kept_in_lower_case_and_spaces_trimmed(provider_staff):
    catalogue = publish(
        provider_staff,
        [
            office_suite(
                name="  Microsoft   365 Apps ",
                sha256=HASH.upper(),
                authenticode_sha256=f" {OTHER_HASH.upper()} ",
            )
        ],
    )
    entry = catalogue.entries.get()
    assert entry.name == "Microsoft 365 Apps"
    assert (entry.sha256, entry.authenticode_sha256) == (HASH, OTHER_HASH)


def test_every_fault_is_named_and_nothing_is_published(provider_staff):
    entries = [
        office_suite(vendor=""),
        office_suite(name="7-Zip", vendor="Igor Pavlov", version="23.01", sha256="xyz"),
        office_suite(name="Adobe Acrobat Reader", vendor="Adobe", version="1.4 – 1.2"),
        office_suite(),  # the same as the first but for its vendor: no duplicate
        office_suite(name="MICROSOFT 365 apps", vendor="microsoft"),  # the same as the fourth
    ]
    before = counts()
    with pytest.raises(catalogues.CatalogueInvalid) as refusal:
        publish(provider_staff, entries)
    problems = refusal.value.problems
    assert problems == [
        "1件目: ベンダーを入力してください。",
        "2件目: SHA-256は64桁の16進数で入力してください。",
        "3件目: バージョンは1つのバージョン、1.2 – 1.4 のような範囲、または >=1.2、>=1.2, <2.0 "
        "のような上下限で入力してください。",
        "4, 5件目: 同じソフトウェア名・ベンダー・バージョンが重複しています。",
    ]
    assert refusal.value.status == 422 and refusal.value.code == "catalogue_invalid"
    assert counts() == before


def test_an_empty_or_unchanged_catalogue_is_refused(provider_staff):
    with pytest.raises(RuleViolation) as refusal:
        publish(provider_staff, [])
    assert refusal.value.code == "catalogue_empty"
    publish(provider_staff)
    before = counts()
    with pytest.raises(RuleViolation) as refusal:
        publish(provider_staff)
    assert refusal.value.code == "catalogue_unchanged"
    assert counts() == before


@pytest.mark.parametrize("who", ["psa", "delegate", "user", "reviewer", "inspector", "other_psa"])
def test_only_the_provider_publishes(everyone, who):
    with pytest.raises(RuleViolation) as refusal:
        publish(everyone[who])
    assert refusal.value.status == 403
    assert not SoftwareCatalogue.objects.exists()


# The matcher -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "version", "admitted"),
    [
        ("16.0", "16.0", True),
        ("16.0", "16", True),
        ("16.0", "16.0.1", False),
        ("1.2 – 1.4", "1.3.5", True),
        ("1.2 – 1.4", "1.4", True),
        ("1.2 – 1.4", "1.5", False),
        ("1.2-1.4", "1.2", True),
        ("1.2-1.4", "1.10", False),
        ("1.2〜1.4", "1.3", True),
        (">=1.2", "1.10", True),
        (">=1.2", "1.1", False),
        ("＞＝1.2", "2.0", True),
        (">=1.2, <2.0", "1.9.9", True),
        (">=1.2, <2.0", "2.0", False),
        ("*", "anything", True),
        ("22H2", "22h2", True),
        ("22H2", "23H2", False),
        ("2.0-beta", "2.0-beta", True),
    ],
)
def test_a_version_is_within_an_entrys_range(spec, version, admitted):
    assert version_admits(spec, version) is admitted


def test_whitelist_match_finds_the_entry_by_name_vendor_and_version(provider_staff):
    publish(
        provider_staff,
        [
            EntryInput(name="7-Zip", vendor="Igor Pavlov", version="23.01"),
            EntryInput(name="Adobe Acrobat Reader", vendor="Adobe", version=">=24.0"),
            EntryInput(name="Microsoft Office", vendor="Microsoft", version="2019 – 2021"),
        ],
    )
    publish(
        provider_staff,
        [EntryInput(name="7-Zip", vendor="Igor Pavlov", version="*")],
        kind=MANDATORY,
    )
    match = whitelist_match("ADOBE Acrobat Reader", "adobe", "24.1.2")
    assert match is not None and match.name == "Adobe Acrobat Reader"
    assert (
        whitelist_match("Ｍｉｃｒｏｓｏｆｔ Office", "Microsoft", "2021").version == "2019 – 2021"
    )
    assert whitelist_match("Adobe Acrobat Reader", "Adobe", "23.9") is None
    assert whitelist_match("Adobe Acrobat Reader", "Other vendor", "24.1") is None
    assert (
        whitelist_match("7-Zip", "Igor Pavlov", "24.00") is None
    )  # only the mandatory's * admits it
    assert whitelist_match("7-Zip", "Igor Pavlov", "23.01") is not None


def test_no_whitelist_matches_nothing():
    assert whitelist_match("7-Zip", "Igor Pavlov", "23.01") is None


def test_the_whitelist_in_force_decides(provider_staff):
    publish(provider_staff, [EntryInput(name="7-Zip", vendor="Igor Pavlov", version="23.01")])
    publish(provider_staff, [EntryInput(name="7-Zip", vendor="Igor Pavlov", version="24.00")])
    assert whitelist_match("7-Zip", "Igor Pavlov", "23.01") is None
    assert whitelist_match("7-Zip", "Igor Pavlov", "24.0") is not None


# Workbooks -----------------------------------------------------------------------------------
def test_an_uploaded_workbook_is_published(provider_staff):
    data = sheet(
        [
            ["7-Zip", "Igor Pavlov", "23.01", HASH.upper(), "", "Igor Pavlov"],
            ["LibreOffice", "The Document Foundation", 24.2, "", OTHER_HASH, ""],
            [None, None, None, None, None, None],  # an empty row is skipped
            ["Firefox ESR", "Mozilla", "115 – 128", "", "", "Mozilla Corporation"],
        ]
    )
    catalogue = files.catalogue_import(kind=WL, data=data, actor=provider_staff, note="xlsx")
    rows = [(e.name, e.version, e.sha256) for e in catalogue.entries.all()]
    assert rows == [
        ("7-Zip", "23.01", HASH),
        ("LibreOffice", "24.2", ""),
        ("Firefox ESR", "115 – 128", ""),
    ]


def test_a_workbook_fault_names_the_sheet_the_row_and_the_column(provider_staff):
    rows = [[f"ソフト{n}", "ベンダー", f"1.{n}", HASH, "", ""] for n in range(2, 12)]
    rows.append(["ソフト12", "ベンダー", "1.12", "12345", "", ""])  # row 12
    before = counts()
    with pytest.raises(catalogues.CatalogueInvalid) as refusal:
        files.catalogue_import(kind=WL, data=sheet(rows), actor=provider_staff)
    assert refusal.value.problems == [
        'シート"ホワイトリスト" 12行目 D列: SHA-256は64桁の16進数で入力してください。'
    ]
    assert counts() == before


def test_columns_are_read_by_their_headings_below_any_title_rows(provider_staff):
    data = xlsx(
        [
            ["社内向けホワイトリスト（案）"],
            [],
            ["バージョン", "署名者", "ソフトウェア名", "ベンダー"],
            ["23.01", "Igor Pavlov", "7-Zip", "Igor Pavlov"],
            ["", "", "Notepad++", "Don Ho"],
            ["1.0", "", "Notepad++", ""],
        ],
        sheet="一覧",
    )
    with pytest.raises(catalogues.CatalogueInvalid) as refusal:
        files.catalogue_import(kind=WL, data=data, actor=provider_staff)
    assert refusal.value.problems == [
        'シート"一覧" 5行目 A列: バージョンを入力してください。',
        'シート"一覧" 6行目 D列: ベンダーを入力してください。',
    ]


def test_a_workbook_without_the_header_row_is_refused(provider_staff):
    with pytest.raises(RuleViolation) as refusal:
        files.catalogue_import(kind=WL, data=xlsx(), actor=provider_staff)
    assert refusal.value.code == "catalogue_no_header"
    assert "ソフトウェア名 / ベンダー / バージョン" in str(refusal.value)


@pytest.mark.parametrize(
    ("data", "password", "code"),
    [
        pytest.param(xlsx_zip_bomb(60), "", "excel_too_large_unpacked", id="zip-bomb"),
        pytest.param(xlsm(), "", "excel_macros", id="macros"),
        pytest.param(pdf(), "", "excel_not_xlsx", id="not-a-workbook"),
        pytest.param(b"", "", "file_empty", id="empty"),
        pytest.param(xlsx_with_password("正しい-pw"), "", "excel_ole", id="no-password"),
        pytest.param(
            xlsx_with_password("正しい-pw"), "違う-pw", "excel_wrong_password", id="wrong-password"
        ),
    ],
)
def test_a_bad_file_is_refused_before_it_is_read(provider_staff, data, password, code):
    before = counts()
    with pytest.raises(RuleViolation) as refusal:
        files.catalogue_import(kind=WL, data=data, password=password, actor=provider_staff)
    assert refusal.value.code == code and refusal.value.status == 422
    assert counts() == before


def test_a_password_protected_workbook_opens_with_its_password(provider_staff):
    plain = sheet([["7-Zip", "Igor Pavlov", "23.01", "", "", ""]])
    data = xlsx_with_password("正しい-pw", data=plain)
    catalogue = files.catalogue_import(
        kind=WL, data=data, password="正しい-pw", actor=provider_staff
    )
    assert catalogue.entries.get().name == "7-Zip"


def test_a_company_is_refused_before_its_upload_is_read(psa):
    """A company's person is refused before the upload is even read."""
    with pytest.raises(RuleViolation) as refusal:
        files.catalogue_import(kind=WL, data=xlsx_zip_bomb(60), actor=psa)
    assert refusal.value.status == 403


TRICKY = [
    EntryInput(name='=HYPERLINK("http://x")', vendor="+Vendor", version="1.0", signer="@SUM(1)"),
    EntryInput(name="-minus", vendor="ベンダー 株式会社", version="10.0", sha256=HASH),
    EntryInput(
        name="Microsoft Office",
        vendor="Microsoft",
        version="2019 – 2021",
        authenticode_sha256=OTHER_HASH,
        signer="CN=Microsoft Corporation, O=Microsoft",
    ),
    EntryInput(name="000123", vendor="数字", version="007", sha256=OTHER_HASH),
]


def test_an_export_imports_again_unchanged(provider_staff):
    catalogue = publish(provider_staff, TRICKY, note="=注意")
    exported = files.catalogue_workbook(catalogue)
    entries, places = files.workbook_entries(exported)
    assert [e.values() for e in entries] == [e.values() for e in TRICKY]
    assert places.sheet == "ホワイトリスト"
    assert entries[0].row == 9  # below the header block
    with pytest.raises(RuleViolation) as refusal:  # the same entries: nothing to publish
        files.catalogue_import(kind=WL, data=exported, actor=provider_staff)
    assert refusal.value.code == "catalogue_unchanged"
    copy = files.catalogue_import(kind=MANDATORY, data=exported, actor=provider_staff)
    assert catalogues.catalogue_digest(copy.entries.all()) == catalogues.catalogue_digest(
        catalogue.entries.all()
    )


def test_the_export_names_the_catalogue_its_version_and_date_in_wareki(provider_staff):
    catalogue = publish(provider_staff, TRICKY, note="=注意")
    sheet_ = load_workbook(io.BytesIO(files.catalogue_workbook(catalogue))).active
    assert sheet_.title == "ホワイトリスト"
    assert "ホワイトリスト" in sheet_["A1"].value
    assert (sheet_["A2"].value, sheet_["B2"].value) == ("版", 1)
    assert wareki(catalogue.published_at) in sheet_["B3"].value
    assert sheet_["B5"].value == "=注意" and sheet_["B5"].data_type == "s"  # never a formula
    assert [c.value for c in sheet_[8]] == HEADER
    assert sheet_["A9"].value == TRICKY[0].name and sheet_["A9"].data_type == "s"


def test_the_csv_export_neutralises_formulas(provider_staff):
    catalogue = publish(provider_staff, TRICKY)
    text = files.catalogue_csv(catalogue)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == HEADER
    assert rows[1][:3] == ['\'=HYPERLINK("http://x")', "'+Vendor", "1.0"]
    assert rows[1][5] == "'@SUM(1)"
    assert rows[2][0] == "'-minus"
    assert rows[3][5] == "CN=Microsoft Corporation, O=Microsoft"  # "=" inside is harmless
    assert rows[4][:3] == ["000123", "数字", "007"]


# Pages ---------------------------------------------------------------------------------------
READERS = ["psa", "delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"]


@pytest.mark.parametrize("who", READERS)
def test_every_role_reads_the_catalogues(everyone, provider_staff, who):
    catalogue = publish(provider_staff, TRICKY)
    publish(provider_staff, some_entries(), kind=MANDATORY)
    client = logged_in(everyone[who])
    index = client.get("/catalogues/")
    assert index.status_code == 200
    page = index.content.decode()
    assert "Microsoft Office" in page and "ソフト001" in page
    assert 'data-form="catalogue-search"' in page
    assert ("/catalogues/whitelist/publish/" in page) is (who == "provider_staff")
    base = f"/catalogues/whitelist/v{catalogue.version}/"
    assert client.get(base).status_code == 200
    workbook = client.get(base + "catalogue.xlsx")
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert "attachment" in workbook["Content-Disposition"]
    assert client.get(base + "catalogue.csv").content.decode().startswith("\ufeffソフトウェア名")
    api = client.get(f"{API}/catalogues/whitelist")  # the 利用者 uses no API (#12)
    assert api.status_code == (403 if who == "user" else 200)
    publish_page = client.get("/catalogues/whitelist/publish/")
    assert publish_page.status_code == (200 if who == "provider_staff" else 403)


def test_anonymous_is_sent_to_log_in(provider_staff):
    catalogue = publish(provider_staff)
    for url in (
        "/catalogues/",
        f"/catalogues/whitelist/v{catalogue.version}/",
        f"/catalogues/whitelist/v{catalogue.version}/catalogue.csv",
        "/catalogues/whitelist/publish/",
    ):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().get(f"{API}/catalogues/whitelist").status_code == 401


def test_a_person_without_a_role_reads_nothing(provider_staff):
    publish(provider_staff)
    nobody = UserFactory(organization=None, role="")
    assert logged_in(nobody).get("/catalogues/").status_code == 403
    assert logged_in(nobody).get(f"{API}/catalogues/whitelist").status_code == 403


def test_the_search_narrows_the_entries(psa, provider_staff):
    publish(provider_staff, [*TRICKY, *some_entries(3)])
    page = logged_in(psa).get("/catalogues/?q=microsoft").content.decode()
    assert "Microsoft Office" in page and "ソフト001" not in page
    page = logged_in(psa).get("/catalogues/?q=ベンダー").content.decode()
    assert "ソフト003" in page and "Microsoft Office" not in page


def test_unknown_catalogues_and_versions_are_not_found(psa, provider_staff):
    publish(provider_staff)
    client = logged_in(psa)
    for url in (
        "/catalogues/whitelist/v2/",
        "/catalogues/other/v1/",
        "/catalogues/whitelist/v2/catalogue.xlsx",
    ):
        assert client.get(url).status_code == 404, url


def test_a_version_shows_what_it_changed(psa, provider_staff):
    publish(
        provider_staff,
        [
            EntryInput(name="7-Zip", vendor="Igor Pavlov", version="23.01", sha256=HASH),
            EntryInput(name="Notepad++", vendor="Don Ho", version="8.6"),
            EntryInput(name="Old Viewer", vendor="Gone Inc.", version="1.0"),
        ],
    )
    second = publish(
        provider_staff,
        [
            EntryInput(name="7-Zip", vendor="Igor Pavlov", version="23.01", sha256=OTHER_HASH),
            EntryInput(name="Notepad++", vendor="Don Ho", version="8.7"),
            EntryInput(name="Firefox ESR", vendor="Mozilla", version="128"),
        ],
        note="更新",
    )
    previous = catalogues.catalogue_previous(catalogues.catalogue_version(WL, 2))
    diff = catalogues.catalogue_diff(list(previous.entries.all()), list(second.entries.all()))
    assert [e.name for e in diff.added] == ["Firefox ESR"]
    assert [e.name for e in diff.removed] == ["Old Viewer"]
    assert [(c.after.name, c.fields) for c in diff.changed] == [
        ("7-Zip", ("sha256",)),
        ("Notepad++", ("version",)),
    ]
    page = logged_in(psa).get("/catalogues/whitelist/v2/").content.decode()
    assert 'data-state="in_force"' in page and "更新" in page
    assert "Firefox ESR" in page and "Old Viewer" in page and OTHER_HASH in page
    first = logged_in(psa).get("/catalogues/whitelist/v1/").content.decode()
    assert 'data-state="superseded"' in first


def test_the_provider_publishes_an_upload_on_the_page(provider_staff, reviewer):
    client = logged_in(provider_staff)
    assert (
        'data-form="catalogue-upload"'
        in client.get("/catalogues/whitelist/publish/").content.decode()
    )
    data = sheet([["7-Zip", "Igor Pavlov", "23.01", HASH, "", ""]])
    upload = SimpleUploadedFile("whitelist.xlsx", data)
    response = client.post(
        "/catalogues/whitelist/publish/", {"form": "upload", "file": upload, "note": "初版"}
    )
    assert response.status_code == 303 and response["Location"] == "/catalogues/whitelist/v1/"
    assert catalogues.catalogue_in_force(WL).note == "初版"


def test_a_refused_upload_lists_every_fault_on_the_page(provider_staff):
    client = logged_in(provider_staff)
    data = sheet([["7-Zip", "", "23.01", "", "", ""], ["7-Zip", "Igor Pavlov", "", "zz", "", ""]])
    response = client.post(
        "/catalogues/whitelist/publish/",
        {"form": "upload", "file": SimpleUploadedFile("x.xlsx", data)},
    )
    assert response.status_code == 422
    page = response.content.decode()
    # every fault beside the file field, naming the sheet, the row and the column
    beside = re.search(r'<p class="field__error" id="id_file_error">(.*?)</p>', page, re.S)
    assert beside, "no error beside the file field"
    assert (
        "シート&quot;ホワイトリスト&quot; 2行目 B列: ベンダーを入力してください。"
        in beside.group(1)
    )
    assert "3行目 C列: バージョンを入力してください。" in beside.group(1)
    assert "3行目 D列: SHA-256は64桁の16進数で入力してください。" in beside.group(1)
    assert 'href="#id_file"' in page and page.index("data-error-summary") < beside.start()
    assert not SoftwareCatalogue.objects.exists()


def _rows_post(rows, note=""):
    data = {
        "form": "rows",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
        "rows-note": note,
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{n}-{key}"] = value
    return data


def test_the_provider_edits_the_rows_on_the_page(provider_staff):
    publish(provider_staff, [EntryInput(name="7-Zip", vendor="Igor Pavlov", version="23.01")])
    client = logged_in(provider_staff)
    page = client.get("/catalogues/whitelist/publish/").content.decode()
    assert 'data-form="catalogue-rows"' in page and 'value="7-Zip"' in page
    rows = [
        {"name": "7-Zip", "vendor": "Igor Pavlov", "version": "24.00"},
        {"name": "Old", "vendor": "X", "version": "1", "DELETE": "on"},
        {"name": "", "vendor": "", "version": ""},
        {"name": "Notepad++", "vendor": "Don Ho", "version": "8.6", "sha256": HASH.upper()},
    ]
    response = client.post("/catalogues/whitelist/publish/", _rows_post(rows, "7-Zip更新"))
    assert response.status_code == 303
    in_force = catalogues.catalogue_in_force(WL)
    assert in_force.version == 2 and in_force.note == "7-Zip更新"
    assert [(e.name, e.version, e.sha256) for e in in_force.entries.all()] == [
        ("7-Zip", "24.00", ""),
        ("Notepad++", "8.6", HASH),
    ]
    refused = client.post(
        "/catalogues/whitelist/publish/",
        _rows_post(
            [
                {"name": "A", "vendor": "B", "version": "1"},
                {"name": "C", "vendor": "", "version": "1"},
            ]
        ),
    )
    assert refused.status_code == 422
    page = refused.content.decode()
    # beside the second row's vendor, linked from the summary that names the entry
    assert re.search(
        r'id="id_rows-1-vendor_error">[^<]*<span[^>]*>[^<]*</span> ベンダーを入力', page
    )
    assert 'href="#id_rows-1-vendor"' in page and "2件目" in page
    assert catalogues.catalogue_in_force(WL).version == 2
    twice = {"name": "A", "vendor": "B", "version": "1"}
    refused = client.post("/catalogues/whitelist/publish/", _rows_post([twice, twice]))
    assert refused.status_code == 422
    page = refused.content.decode()
    assert 'id="rows-problems"' in page and 'href="#rows-problems"' in page
    assert catalogues.catalogue_in_force(WL).version == 2


def test_a_company_cannot_post_to_the_publish_page(psa):
    data = sheet([["7-Zip", "Igor Pavlov", "23.01", "", "", ""]])
    response = logged_in(psa).post(
        "/catalogues/whitelist/publish/",
        {"form": "upload", "file": SimpleUploadedFile("x.xlsx", data)},
    )
    assert response.status_code == 403
    assert not SoftwareCatalogue.objects.exists()


def test_the_dashboards_and_the_site_page_link_to_the_catalogues(
    provider_staff, reviewer, psa, site
):
    publish(provider_staff)
    provider_home = logged_in(provider_staff).get("/").content.decode()
    assert (
        'data-panel="catalogues"' in provider_home
        and "/catalogues/whitelist/publish/" in provider_home
    )
    office_home = logged_in(reviewer).get("/").content.decode()
    assert 'data-panel="catalogues"' in office_home and "/catalogues/whitelist/v1/" in office_home
    assert "/catalogues/whitelist/publish/" not in office_home
    site_page = logged_in(psa).get(f"/sites/{site.pk}/").content.decode()
    assert 'data-link="catalogues"' in site_page


# API -----------------------------------------------------------------------------------------
def _json(entries):
    return [e.values() for e in entries]


def test_the_api_publishes_and_reads_versions(provider_staff, psa):
    provider, company = logged_in(provider_staff), logged_in(psa)
    missing = company.get(f"{API}/catalogues/whitelist")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    created = provider.post(
        f"{API}/catalogues/whitelist",
        {"note": "初版", "entries": _json(TRICKY)},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["version"] == 1 and body["entry_count"] == 4 and body["kind"] == "whitelist"
    assert body["entries"][0]["name"] == TRICKY[0].name and body["entries"][0]["position"] == 1
    assert body["digest"] == AuditEvent.objects.get(action="catalogue.publish").after["digest"]
    provider.post(
        f"{API}/catalogues/whitelist",
        {"entries": _json(TRICKY[:2])},
        content_type="application/json",
    )
    in_force = company.get(f"{API}/catalogues/whitelist").json()
    assert in_force["version"] == 2 and len(in_force["entries"]) == 2
    versions = company.get(f"{API}/catalogues/whitelist/versions").json()
    assert [(v["version"], v["entry_count"]) for v in versions] == [(2, 2), (1, 4)]
    assert versions[1]["note"] == "初版" and versions[1]["published_by"] == str(provider_staff)
    first = company.get(f"{API}/catalogues/whitelist/versions/1").json()
    assert len(first["entries"]) == 4
    assert company.get(f"{API}/catalogues/whitelist/versions/3").status_code == 404
    assert company.get(f"{API}/catalogues/other").status_code == 422


def test_the_api_refuses_faults_whole_and_naming_the_entries(provider_staff):
    response = logged_in(provider_staff).post(
        f"{API}/catalogues/mandatory",
        {"entries": [office_suite().values(), office_suite(name="", sha256="x").values()]},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "catalogue_invalid"
    assert body["detail"] == (
        "2件目: ソフトウェア名を入力してください。\n"
        "2件目: SHA-256は64桁の16進数で入力してください。"
    )
    assert not SoftwareCatalogue.objects.exists()


def test_the_api_takes_an_uploaded_workbook(provider_staff):
    client = logged_in(provider_staff)
    data = sheet([["7-Zip", "Igor Pavlov", "23.01", "", "", ""]])
    created = client.post(
        f"{API}/catalogues/whitelist/upload",
        {"file": SimpleUploadedFile("w.xlsx", data), "note": "xlsx"},
    )
    assert created.status_code == 201 and created.json()["entries"][0]["name"] == "7-Zip"
    refused = client.post(
        f"{API}/catalogues/whitelist/upload", {"file": SimpleUploadedFile("m.xlsm", xlsm())}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "excel_macros"
    bad_row = sheet([["7-Zip", "Igor Pavlov", "23.01", "12", "", ""]])
    refused = client.post(
        f"{API}/catalogues/whitelist/upload", {"file": SimpleUploadedFile("w.xlsx", bad_row)}
    )
    assert (
        refused.json()["detail"]
        == 'シート"ホワイトリスト" 2行目 D列: SHA-256は64桁の16進数で入力してください。'
    )
    assert SoftwareCatalogue.objects.count() == 1


@pytest.mark.parametrize("who", ["psa", "reviewer", "inspector"])
def test_the_api_lets_only_the_provider_publish(everyone, who):
    client = logged_in(everyone[who])
    response = client.post(
        f"{API}/catalogues/whitelist", {"entries": _json(TRICKY)}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    data = sheet([["7-Zip", "Igor Pavlov", "23.01", "", "", ""]])
    upload = client.post(
        f"{API}/catalogues/whitelist/upload", {"file": SimpleUploadedFile("w.xlsx", data)}
    )
    assert upload.status_code == 403
    assert not SoftwareCatalogue.objects.exists()


def test_the_demo_has_both_catalogues_in_force(settings, tmp_path):
    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    call_command("demo", stdout=io.StringIO())
    mandatory = catalogues.catalogue_in_force(MANDATORY)
    assert "DSG接続クライアント" in [e.name for e in mandatory.entries.all()]
    assert catalogues.catalogue_in_force(WL).version == 2
    assert whitelist_match("7-zip", "igor pavlov", "23.01") is not None
    assert whitelist_match("LibreOffice", "The Document Foundation", "24.5") is not None


# Queries -------------------------------------------------------------------------------------
def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("who", ["psa", "provider_staff"])
def test_the_catalogue_pages_use_a_fixed_number_of_queries(everyone, provider_staff, who):
    client = logged_in(everyone[who])
    urls = [
        "/catalogues/",
        "/catalogues/whitelist/v2/",
        "/catalogues/whitelist/v2/catalogue.xlsx",
        f"{API}/catalogues/whitelist",
        f"{API}/catalogues/whitelist/versions",
    ]
    publish(provider_staff, some_entries(10), kind=MANDATORY)
    publish(provider_staff, some_entries(9))
    publish(provider_staff, some_entries(10))
    for url in urls:  # warm the per-process caches
        _queries(client, url)
    few = [_queries(client, url) for url in urls]
    publish(provider_staff, some_entries(200), kind=MANDATORY)
    publish(provider_staff, some_entries(150))
    publish(provider_staff, some_entries(200))
    urls[1] = "/catalogues/whitelist/v4/"
    urls[2] = "/catalogues/whitelist/v4/catalogue.xlsx"
    many = [_queries(client, url) for url in urls]
    assert many == few, f"{few} queries with 10 entries, {many} with 200"
