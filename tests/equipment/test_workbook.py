"""The official .xlsx forms of §5: the blank form of a site, a filled form uploaded on the page or
through the API and filed whole or not at all (a refusal names the sheet, the row and the
column), hostile files refused with nothing stored, tenancy and roles, and the filed form written
back with its decisions."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.documents import storage
from dsg.documents.models import Document, StorageReport
from dsg.equipment import form_upload, services
from dsg.equipment.models import Channel, EquipmentRequest, LineDecision, RequestState
from dsg.equipment.services import LineVerdict
from dsg.equipment.workbook import FORMS, SITE_SHEET, FormError
from dsg.notifications.models import OutboxMessage
from dsg.registry.models import RemovableMedium
from dsg.registry.services import terminal_register

from ..documents import files

SHA = "ab" * 32
HASH = "A" * 43 + "="
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The blank form's layout: the header items in rows 3-9, the table's headers in row 11.
PURPOSE_ROW, SITE_ROW, CORPORATE_ROW, TABLE_ROW = 9, 7, 5, 11


@pytest.fixture
def terminals(site, psa):
    """Two terminals of a site that is not (yet) enrolled: software and media name them."""
    return [
        terminal_register(
            site=site, actor=psa, name=f"PC-0{n}", model_name="指定端末", serial_number=f"SN-0{n}"
        )
        for n in (1, 2)
    ]


def blank(site, psa, kind: str) -> bytes:
    return form_upload.request_form_blank(site=site, kind=kind, actor=psa)


def filled(data: bytes, kind: str, rows: list[dict[str, Any]], **header: Any) -> bytes:
    """The form ``data`` filled in with openpyxl as a person would: the 申請理由, other header
    entries by label, and one row of the table per line (values by column header)."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[FORMS[kind].sheet]
    labels = {sheet.cell(r, 1).value: r for r in range(1, TABLE_ROW)}
    header = {"申請理由": "業務のため", **header}
    for label, value in header.items():
        sheet.cell(labels[label], 2).value = value
    columns = {sheet.cell(TABLE_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
    for offset, row in enumerate(rows, start=1):
        for name, value in row.items():
            cell = sheet.cell(TABLE_ROW + offset, columns[name])
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # typed text, even one that starts with "="
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def medium_row(terminal, **extra: Any) -> dict[str, Any]:
    row = {
        "登録/削除": "登録",
        "種類": "USBメモリ",
        "ベンダーID": "0781",
        "プロダクトID": "5581",
        "シリアル番号": "4C530001231122115172",
        "容量(GB)": 32,
        "管理者": "山田 太郎",
        "USBGuardハッシュ": HASH,
        "使用端末": terminal.ref,
    }
    row.update(extra)
    return row


def software_row(*refs: str, **extra: Any) -> dict[str, Any]:
    row = {
        "ソフトウェア名": "CAD Viewer",
        "ベンダー": "Example KK",
        "バージョン": "3.1",
        "SHA-256": SHA,
        "プレインストール": "いいえ",
        "オンラインインストール要否": "いいえ",
        "オンラインアップデート要否": "いいえ",
        "インストール方法": "DVD-ROMのインストーラから",
        "アップデート方法": "DVD-ROMの修正プログラムから",
        "対象端末": ", ".join(refs),
    }
    row.update(extra)
    return row


def upload(site, psa, data: bytes, **kwargs: Any) -> form_upload.FormFiling:
    return form_upload.request_file_xlsx(
        site=site, actor=psa, filename="申請書.xlsx", data=data, **kwargs
    )


def refusal(site, psa, data: bytes, **kwargs: Any) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        upload(site, psa, data, **kwargs)
    assert caught.value.status == 422
    return caught.value


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    """The stored files this module counts are its own (another test process may store some)."""
    settings.DATA_DIR = tmp_path


def nothing_kept() -> dict[str, Any]:
    """What a refused upload must leave as it was."""
    return {
        "requests": EquipmentRequest.objects.count(),
        "documents": Document.objects.count(),
        "reports": StorageReport.objects.count(),
        "mail": OutboxMessage.objects.count(),
        "ledger": AuditEvent.objects.count(),
        "files": storage.stored_files(),
    }


# The blank form ------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["terminal", "software", "medium"])
def test_the_blank_form_carries_the_site_its_columns_lists_and_examples(site, psa, terminals, kind):
    book = load_workbook(io.BytesIO(blank(site, psa, kind)))
    form = FORMS[kind]
    assert book.sheetnames == [form.sheet, "記入例", SITE_SHEET]
    sheet = book[form.sheet]
    assert sheet["A1"].value == form.title
    header = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(3, TABLE_ROW)}
    assert header["拠点番号"] == site.ref
    assert header["法人番号"] == site.company.corporate_number
    assert header["会社名"] == site.company.name
    assert header["申請者（保護システム管理者）"] == psa.full_name
    assert not header["申請理由"]
    headers = [sheet.cell(TABLE_ROW, c).value for c in range(1, len(form.columns) + 1)]
    assert headers == [c.header for c in form.columns]
    lists = {v.formula1 for v in sheet.data_validations.dataValidation}
    expected = {
        "terminal": {'"登録,削除"'},
        "software": {'"はい,いいえ"'},
        "medium": {'"登録,削除"', '"USBメモリ,外付けHDD・SSD,SDカード等,光ディスク,その他"'},
    }[kind]
    assert lists == expected
    assert book["記入例"]["A5"].value  # an example row under the headers
    listed = [row[0].value for row in book[SITE_SHEET].iter_rows()]
    assert [t.ref for t in terminals] == [v for v in listed if str(v).startswith("T-")]
    assert AuditEvent.objects.filter(action="equipment_request.form_blank").exists()


@pytest.mark.django_db
def test_the_blank_form_is_downloaded_from_the_site_page(client, site, psa, terminals):
    client.force_login(psa)
    page = client.get(f"/sites/{site.pk}/equipment-forms/")
    assert page.status_code == 200
    assert f"/sites/{site.pk}/equipment-forms/medium.xlsx" in page.content.decode()
    response = client.get(f"/sites/{site.pk}/equipment-forms/medium.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert site.ref in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content))["可搬記憶媒体"]["B7"].value == site.ref


# Round trips ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_terminal_form_uploaded_on_the_page_files_its_lines(client, enrolled, cast, terminal):
    data = filled(
        blank(enrolled, cast.psa, "terminal"),
        "terminal",
        [
            {"登録/削除": "登録", "端末名": "PC-10", "機種": "ThinkPad L14", "製造番号": "SN-10"},
            {"登録/削除": "削除", "端末番号（削除時）": terminal.ref},
        ],
        申請理由="増員のため",
    )
    client.force_login(cast.psa)
    response = client.post(
        f"/sites/{enrolled.pk}/equipment-forms/",
        {"file": SimpleUploadedFile("端末申請.xlsx", data, content_type=XLSX), "kind": ""},
    )
    request = EquipmentRequest.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/equipment-requests/{request.pk}/"
    assert (request.kind, request.channel, request.purpose) == (
        "terminal",
        Channel.XLSX,
        "増員のため",
    )
    lines = list(request.terminal_lines.order_by("position"))
    assert [(x.action, x.name, x.model_name, x.serial_number) for x in lines[:1]] == [
        ("add", "PC-10", "ThinkPad L14", "SN-10")
    ]
    assert (lines[1].action, lines[1].terminal) == ("remove", terminal)
    document = request.form_document
    assert (document.kind, document.filename, document.company) == (
        "request_form",
        "端末申請.xlsx",
        enrolled.company,
    )
    assert StorageReport.objects.filter(document=document).exists()  # 「格納した旨を連絡」
    assert storage.load(storage_key=document.storage_key, sha256=document.sha256) == data


@pytest.mark.django_db
def test_a_medium_form_uploaded_through_the_api_files_the_request(client, site, psa, terminals):
    one, two = terminals
    rows = [
        medium_row(one, **{"ベンダーID": 781}),  # typed as a number: Excel dropped the zero
        medium_row(two, **{"シリアル番号": "SER-2", "使用端末": f"{one.ref}、{two.ref}"}),
    ]
    client.force_login(psa)
    response = client.post(
        f"/api/v1/sites/{site.pk}/equipment-requests/xlsx",
        {
            "file": SimpleUploadedFile(
                "媒体.xlsx", filled(blank(site, psa, "medium"), "medium", rows)
            )
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    request = EquipmentRequest.objects.get()
    assert body["request"] == {
        "id": request.pk,
        "receipt_number": request.receipt_number,
        "kind": "medium",
        "state": "filed",
        "channel": "xlsx",
    }
    assert body["document_id"] == request.form_document_id
    lines = list(request.medium_lines.order_by("position"))
    assert [x.vendor_id for x in lines] == ["0781", "0781"]
    assert [x.custodian for x in lines] == ["山田 太郎"] * 2
    assert list(lines[1].terminals.order_by("pk")) == [one, two]


@pytest.mark.django_db
def test_a_software_form_files_its_flags_and_terminals(site, psa, terminals):
    one, two = terminals
    data = filled(
        blank(site, psa, "software"),
        "software",
        [software_row(one.ref, two.ref, **{"プレインストール": "はい", "署名者": "Example KK"})],
    )
    filing = upload(site, psa, data, kind="software")
    line = filing.request.software_lines.get()
    assert (line.name, line.version, line.sha256, line.signer) == (
        "CAD Viewer",
        "3.1",
        SHA,
        "Example KK",
    )
    assert (line.preinstalled, line.installs_online, line.updates_online) == (True, False, False)
    assert list(line.terminals.order_by("pk")) == [one, two]


@pytest.mark.django_db
def test_a_protected_workbook_is_filed_with_its_password(site, psa, terminals):
    data = files.xlsx_with_password(
        "申請-pw", data=filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0])])
    )
    filing = upload(site, psa, data, password="申請-pw")
    assert filing.request.medium_lines.count() == 1
    assert filing.document.password_protected


# Refusals name the sheet, the row and the column ------------------------------------------------
ROW_3 = TABLE_ROW + 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("third", "code", "where"),
    [
        ({"管理者": ""}, "required", f"row {ROW_3}, column G (管理者): This field is required."),
        ({"ベンダーID": "XYZ"}, "usb_id", f"row {ROW_3}, column C (ベンダーID): Enter the ID"),
        ({"USBGuardハッシュ": "abc"}, "usbguard_hash", f"row {ROW_3}, column H (USBGuardハッシュ)"),
        ({"使用端末": "T-999999"}, "wrong_terminal", f"row {ROW_3}, column I (使用端末): T-999999"),
        ({"容量(GB)": "大"}, "capacity", f"row {ROW_3}, column F (容量(GB))"),
        ({"種類": "フロッピー"}, "invalid_choice", f"row {ROW_3}, column B (種類)"),
        (
            {"登録/削除": "削除", "媒体番号（削除時）": "M-999999"},
            "wrong_medium",
            f"row {ROW_3}, column J (媒体番号（削除時）): M-999999",
        ),
    ],
)
def test_a_bad_third_row_files_nothing_stores_nothing_and_says_where(
    site, psa, terminals, third, code, where
):
    one = terminals[0]
    rows = [
        medium_row(one),
        medium_row(one, **{"シリアル番号": "SER-2"}),
        medium_row(one, **{"シリアル番号": "SER-3", **third}),
    ]
    data = filled(blank(site, psa, "medium"), "medium", rows)
    before = nothing_kept()
    with translation.override("en"):
        error = refusal(site, psa, data)
        message = str(error.message)
    assert isinstance(error, FormError)
    assert message.startswith('Sheet "可搬記憶媒体", ' + where), message
    assert (error.code, error.sheet, error.row) == (code, "可搬記憶媒体", ROW_3)
    assert nothing_kept() == before


@pytest.mark.django_db
def test_the_message_reads_in_japanese_as_the_form_does(site, psa, terminals):
    rows = [medium_row(terminals[0]), medium_row(terminals[0], **{"管理者": None})]
    data = filled(blank(site, psa, "medium"), "medium", rows)
    with translation.override("ja"):
        message = str(refusal(site, psa, data).message)
    assert message == 'シート"可搬記憶媒体" 13行目 G列（管理者）: この項目は必須です。'


@pytest.mark.django_db
def test_a_line_of_a_terminal_form_names_its_column(enrolled, cast, terminal):
    data = filled(
        blank(enrolled, cast.psa, "terminal"),
        "terminal",
        [{"登録/削除": "登録", "端末名": "PC-10", "機種": "X"}],
    )
    with translation.override("en"):
        message = str(refusal(enrolled, cast.psa, data).message)
    assert message == (
        f'Sheet "利用端末", row {TABLE_ROW + 1}, column D (製造番号): This field is required.'
    )
    assert not EquipmentRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "code", "start"),
    [
        ({"申請理由": ""}, "required", f'Sheet "可搬記憶媒体", cell B{PURPOSE_ROW} (申請理由):'),
        ({"拠点番号": "S-999999"}, "form_wrong_site", f'Sheet "可搬記憶媒体", cell B{SITE_ROW}'),
        ({"法人番号": "1234567890123"}, "form_wrong_company", f"cell B{CORPORATE_ROW} (法人番号)"),
    ],
)
def test_a_header_error_names_its_cell(site, psa, terminals, header, code, start):
    data = filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0])], **header)
    before = nothing_kept()
    with translation.override("en"):
        error = refusal(site, psa, data)
        assert start in str(error.message), str(error.message)
    assert error.code == code
    assert nothing_kept() == before


@pytest.mark.django_db
def test_another_sites_form_is_refused(site, psa, terminals):
    from tests.factories import SiteFactory

    other = SiteFactory(company=site.company)
    data = filled(blank(other, psa, "medium"), "medium", [medium_row(terminals[0])])
    with translation.override("en"):
        error = refusal(site, psa, data)
        assert f"is for the site {other.ref}, not for this site ({site.ref})" in str(error.message)


def _without_column(data: bytes, header: str) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for cell in sheet[TABLE_ROW]:
        if cell.value == header:
            cell.value = None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_form_level_refusals(site, psa, terminals):
    medium = filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0])])
    cases = [
        (_without_column(medium, "管理者"), {}, "form_missing_column", '"管理者" is missing'),
        (medium, {"kind": "software"}, "form_wrong_kind", "another kind of request"),
        (files.xlsx(), {}, "form_unknown", "not one of the request forms"),
        (filled(blank(site, psa, "medium"), "medium", []), {}, "no_lines", "at least one line"),
    ]
    before = nothing_kept()
    for data, kwargs, code, text in cases:
        with translation.override("en"):
            error = refusal(site, psa, data, **kwargs)
            assert text in str(error.message), (code, str(error.message))
        assert error.code == code
    assert nothing_kept() == before


# Hostile and unreadable files -----------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("build", "kwargs", "code"),
    [
        (lambda form: files.pdf(), {}, "excel_not_xlsx"),
        (lambda form: b"PK\x03\x04 not really a zip", {}, "excel_not_xlsx"),
        (lambda form: files.xlsx_zip_bomb(20), {}, "excel_too_large_unpacked"),
        (lambda form: files.xlsm(), {}, "excel_macros"),
        (lambda form: files.xlsx_with_entity(), {}, "excel_xml_entities"),
        (lambda form: files.xlsx_with_password("right", data=form), {}, "excel_ole"),
        (
            lambda form: files.xlsx_with_password("right", data=form),
            {"password": "wrong"},
            "excel_wrong_password",
        ),
    ],
    ids=["pdf", "not-a-zip", "zip-bomb", "macros", "xml-entities", "no-password", "bad-password"],
)
def test_hostile_files_are_refused_with_nothing_stored(site, psa, terminals, build, kwargs, code):
    form = filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0])])
    before = nothing_kept()
    error = refusal(site, psa, build(form), **kwargs)
    assert error.code == code
    assert str(error.message)
    assert nothing_kept() == before


@pytest.mark.django_db
def test_more_than_500_lines_are_refused(site, psa, terminals):
    rows = [medium_row(terminals[0], **{"シリアル番号": f"SER-{n}"}) for n in range(501)]
    data = filled(blank(site, psa, "medium"), "medium", rows)
    before = nothing_kept()
    with translation.override("en"):
        error = refusal(site, psa, data)
        assert "501 lines; a request has at most 500" in str(error.message)
    assert error.code == "form_too_many_lines"
    assert nothing_kept() == before


@pytest.mark.django_db
def test_the_page_shows_the_refusal_on_the_form(client, site, psa, terminals):
    data = filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0], 管理者="")])
    client.force_login(psa)
    response = client.post(
        f"/sites/{site.pk}/equipment-forms/", {"file": SimpleUploadedFile("f.xlsx", data)}
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "data-error-summary" in text and 'href="#id_file"' in text
    # beside the file field, with the sheet, the row and the column to correct
    error = re.search(r'<p class="field__error" id="id_file_error">(.*?)</p>', text, re.S)
    assert error and f"{TABLE_ROW + 1}行目 G列（管理者）: この項目は必須です。" in error.group(1)
    assert f"<dd data-where-row>{TABLE_ROW + 1}</dd>" in text
    assert "<dd data-where-column>G</dd>" in text
    assert not EquipmentRequest.objects.exists()


@pytest.mark.django_db
def test_the_api_says_where_the_refusal_is(client, site, psa, terminals):
    data = filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0], 管理者="")])
    client.force_login(psa)
    response = client.post(
        f"/api/v1/sites/{site.pk}/equipment-requests/xlsx",
        {"file": SimpleUploadedFile("f.xlsx", data)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    body = response.json()
    assert {k: body[k] for k in ("code", "sheet", "row", "column", "field")} == {
        "code": "required",
        "sheet": "可搬記憶媒体",
        "row": TABLE_ROW + 1,
        "column": "G",
        "field": "file",
    }
    assert body["detail"].startswith('Sheet "可搬記憶媒体", row 12, column G (管理者)')


# Tenancy and roles ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_another_companys_site_is_not_found(client, site, psa, other_psa, terminals):
    data = filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0])])
    filed = upload(site, psa, data).request
    client.force_login(other_psa)
    for url in (
        f"/sites/{site.pk}/equipment-forms/",
        f"/sites/{site.pk}/equipment-forms/terminal.xlsx",
        f"/equipment-requests/{filed.pk}/form.xlsx",
        f"/api/v1/equipment-requests/{filed.pk}/form.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/api/v1/sites/{site.pk}/equipment-requests/xlsx",
        {"file": SimpleUploadedFile("f.xlsx", data)},
    )
    assert response.status_code == 404
    assert client.post(f"/sites/{site.pk}/equipment-forms/", {}).status_code == 404
    assert EquipmentRequest.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["delegate", "user", "reviewer", "inspector", "provider_staff"])
def test_only_the_psa_uploads_a_form(client, site, psa, terminals, everyone, who):
    data = filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0])])
    person = everyone[who]
    with pytest.raises(RuleViolation) as caught:
        upload(site, person, data)
    assert caught.value.status == 403
    client.force_login(person)
    page = client.post(
        f"/sites/{site.pk}/equipment-forms/", {"file": SimpleUploadedFile("f.xlsx", data)}
    )
    api = client.post(
        f"/api/v1/sites/{site.pk}/equipment-requests/xlsx",
        {"file": SimpleUploadedFile("f.xlsx", data)},
    )
    assert page.status_code in (403, 404) and api.status_code in (403, 404)
    assert client.get(f"/sites/{site.pk}/equipment-forms/medium.xlsx").status_code in (403, 404)
    assert not EquipmentRequest.objects.exists()
    assert not Document.objects.exists()


# The filed form written back -------------------------------------------------------------------
def _table(data: bytes, sheet_name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sheet = load_workbook(io.BytesIO(data))[sheet_name]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    top = next(i for i, row in enumerate(rows) if "判定" in row)
    header = {row[0]: row[1] for row in rows[:top] if row and row[0]}
    names = rows[top]
    return header, [dict(zip(names, row, strict=False)) for row in rows[top + 1 :] if any(row)]


@pytest.mark.django_db
def test_the_filed_form_comes_back_with_the_decisions(client, site, psa, reviewer, terminals):
    one = terminals[0]
    rows = [
        medium_row(one),
        medium_row(one, **{"シリアル番号": "SER-2", "管理者": '=HYPERLINK("http://x")'}),
        medium_row(one, **{"シリアル番号": "SER-3"}),
    ]
    filing = upload(site, psa, filled(blank(site, psa, "medium"), "medium", rows))
    request = filing.request
    services.request_take_up(request=request, actor=reviewer)
    services.request_decide(
        request=request,
        actor=reviewer,
        verdicts=[
            LineVerdict(line=1, approve=True),
            LineVerdict(line=2, approve=False, reason="管理者が未登録"),
        ],
    )
    client.force_login(psa)
    response = client.get(f"/equipment-requests/{request.pk}/form.xlsx")
    assert response.status_code == 200
    assert request.receipt_number in response["Content-Disposition"]
    header, lines = _table(response.content, "可搬記憶媒体")
    assert header["受付番号"] == request.receipt_number
    assert header["状況"] == "受理・審査中"
    assert header["拠点番号"] == site.ref
    assert [(x["判定"], x["理由"]) for x in lines] == [
        ("承認", None),
        ("却下", "管理者が未登録"),
        ("審査中", None),
    ]
    medium = RemovableMedium.objects.get(site=site)
    assert lines[0]["媒体番号（削除時）"] == medium.ref  # the medium the approval registered
    # A text that looks like a formula stays a text.
    sheet = load_workbook(io.BytesIO(response.content))["可搬記憶媒体"]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s" and cell.quotePrefix
    # The office reads it too, and the API gives the same form.
    client.force_login(reviewer)
    api = client.get(f"/api/v1/equipment-requests/{request.pk}/form.xlsx")
    assert api.status_code == 200 and api["Content-Type"] == XLSX
    assert AuditEvent.objects.filter(action="equipment_request.form_read").count() == 2


@pytest.mark.django_db
def test_a_filed_form_is_not_filed_again(site, psa, terminals):
    filing = upload(
        site, psa, filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0])])
    )
    request = filing.request
    services.request_withdraw(request=request, actor=psa, reason="誤り")
    again = form_upload.request_form_filed(request=request, actor=psa)
    with translation.override("en"):
        error = refusal(site, psa, again)
        assert f"already filed as {request.receipt_number}" in str(error.message)
    assert error.code == "form_already_filed"
    assert EquipmentRequest.objects.get().state == RequestState.WITHDRAWN
    assert request.medium_lines.get().decision == LineDecision.PENDING


@pytest.mark.django_db
def test_the_site_requests_page_and_the_request_page_link_to_the_forms(
    client, site, psa, terminals
):
    client.force_login(psa)
    page = client.get(f"/sites/{site.pk}/equipment-requests/").content.decode()
    for kind in ("terminal", "software", "medium"):
        assert f"/sites/{site.pk}/equipment-forms/{kind}.xlsx" in page
    assert f'href="/sites/{site.pk}/equipment-forms/"' in page
    filing = upload(
        site, psa, filled(blank(site, psa, "medium"), "medium", [medium_row(terminals[0])])
    )
    detail = client.get(f"/equipment-requests/{filing.request.pk}/").content.decode()
    assert f"/equipment-requests/{filing.request.pk}/form.xlsx" in detail
