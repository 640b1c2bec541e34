"""The 加入申請書 as an Excel workbook: export, import, a round trip that loses nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from openpyxl import load_workbook

from dsg.core.errors import RuleViolation
from dsg.enrollment.excel import SHEET, application_import, application_workbook
from dsg.enrollment.models import Application, ApplicationContact
from dsg.enrollment.parts import APPLICATION_FIELDS
from dsg.enrollment.services import application_update

from ..walk import DESIRED_START, new_case

pytestmark = pytest.mark.django_db
LATER = DESIRED_START + dt.timedelta(days=150)

FULL = {
    "company_name": "株式会社 往復試験",
    "company_address": "千代田区丸の内1-1-1 <b>ビル</b>",
    "site_name": "往復 第1拠点",
    "site_prefecture": "27",
    "facility_name": "3階 取扱施設",
    "facility_description": "入退室管理あり\n2行目",
    "psa_department": "情報保全部",
    "psa_phone": "06-1234-5678",
    "planned_terminals": 12,
    "terminal_models": "指定端末 DSG-T1 ×12",
    "desired_start": DESIRED_START,
    "contract_name": "○○の製造請負契約",
    "contract_expected_on": dt.date(2099, 7, 1),
    "schedule_request": "8月は避けたい",
    "track_record": "令和7年度から従事",
    "facility_basis": "exception",
    "equipment_confirmed": True,
    "contacts": [
        {"name": "連絡 一郎", "department": "総務", "phone": "03-1111-2222", "email": "a@x.jp"},
        {"name": "連絡 二郎", "department": "", "phone": "090-1234-5678", "email": "b@x.jp"},
    ],
}


def state_of(enrollment) -> tuple[dict, list]:
    application = Application.objects.get(enrollment=enrollment)
    values = {name: getattr(application, name) for name in APPLICATION_FIELDS}
    contacts = [
        (c.name, c.department, c.phone, c.email)
        for c in ApplicationContact.objects.filter(application=application)
    ]
    return values, contacts


def test_export_then_import_loses_nothing_field_by_field(site, cast, other_psa):
    source = new_case(site, cast, complete=False)
    application_update(enrollment=source, actor=cast.psa, data=FULL)
    data = application_workbook(enrollment=source)

    # Into an empty draft of another site of the same company: every field arrives.
    from ..factories import SiteFactory

    target = new_case(SiteFactory(company=site.company), cast, complete=False)
    application_import(enrollment=target, actor=cast.psa, data=data)
    expected, expected_contacts = state_of(source)
    got, got_contacts = state_of(target)
    for name in APPLICATION_FIELDS:
        assert got[name] == expected[name], name
    assert got_contacts == expected_contacts
    assert got["facility_basis"] == "exception" and got["site_prefecture"] == "27"
    assert got["desired_start"] == DESIRED_START and got["planned_terminals"] == 12


def test_the_workbook_has_labelled_rows_and_the_schedule_sheet(site, cast):
    enrollment = new_case(site, cast)
    workbook = load_workbook(io.BytesIO(application_workbook(enrollment=enrollment)))
    assert workbook.sheetnames[0] == SHEET and len(workbook.sheetnames) == 2
    sheet = workbook[SHEET]
    rows = {row[3]: row for row in sheet.iter_rows(values_only=True) if row and len(row) > 3}
    assert rows["company_corporate_number"][2] == site.company.corporate_number
    assert "法人番号" in rows["company_corporate_number"][1]
    assert rows["site_prefecture"][2] == "東京都"  # the prefecture's name, as on the form
    assert rows["equipment_confirmed"][2] == "はい"
    assert sheet.column_dimensions["D"].hidden
    schedule = workbook.worksheets[1]
    cells = [c for row in schedule.iter_rows(values_only=True) for c in row if c is not None]
    assert "加入完了（利用開始）までのスケジュール表" in cells
    assert any(isinstance(c, dt.datetime) for c in cells)  # real dates, step by step


def test_a_filled_in_workbook_fills_the_draft(site, cast):
    enrollment = new_case(site, cast, complete=False)
    workbook = load_workbook(io.BytesIO(application_workbook(enrollment=enrollment)))
    sheet = workbook[SHEET]
    for row in sheet.iter_rows():
        key = row[3].value
        if key == "planned_terminals":
            row[2].value = 4
        elif key == "desired_start":
            row[2].value = dt.datetime.combine(LATER, dt.time())  # as Excel stores a date
        elif key == "facility_basis":
            row[2].value = "standard"  # the code works as well as the label
        elif key == "contact.1.name":
            row[2].value = "記入 三郎"
        elif key == "contact.1.phone":
            row[2].value = "0312345678"
        elif key == "contact.1.email":
            row[2].value = "s@x.jp"
    out = io.BytesIO()
    workbook.save(out)
    application_import(enrollment=enrollment, actor=cast.psa, data=out.getvalue())
    application = Application.objects.get(enrollment=enrollment)
    assert application.planned_terminals == 4
    assert application.desired_start == LATER
    assert application.facility_basis == "standard"
    assert [c.name for c in application.contacts.all()] == ["記入 三郎"]


def _macro_workbook(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 64)
    return out.getvalue()


def _edited(data: bytes, key: str, value: object) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    for row in workbook[SHEET].iter_rows():
        if row[3].value == key:
            row[2].value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _renamed(data: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    workbook[SHEET].title = "Sheet1"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda data: b"not a workbook at all", id="not-xlsx"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(_macro_workbook, id="macro"),
        pytest.param(_renamed, id="no-application-sheet"),
        pytest.param(lambda data: _edited(data, "desired_start", "来年の春"), id="bad-date"),
        pytest.param(lambda data: _edited(data, "planned_terminals", "たくさん"), id="bad-number"),
        pytest.param(lambda data: _edited(data, "planned_terminals", 5000), id="out-of-range"),
        pytest.param(lambda data: _edited(data, "site_prefecture", "カリフォルニア"), id="abroad"),
        pytest.param(
            lambda data: _edited(data, "contract_expected_on", dt.datetime(2001, 1, 1)),
            id="contract-in-the-past",
        ),
        pytest.param(lambda data: _edited(data, "equipment_confirmed", "たぶん"), id="bad-yes-no"),
        pytest.param(
            lambda data: _edited(data, "desired_start", dt.datetime(2001, 1, 1)),
            id="desired-start-in-the-past",
        ),
        pytest.param(
            lambda data: _edited(data, "company_prefecture", "神奈川県"),  # 100-0001 is 東京都
            id="postal-code-of-another-prefecture",
        ),
        pytest.param(lambda data: _edited(data, "psa_phone", "０" * 500), id="oversized-phone"),
        pytest.param(
            lambda data: _edited(data, "site_postal_code", "〒１６２‐０８４５<script>"),
            id="malicious-postal-code",
        ),
    ],
)
def test_a_bad_workbook_is_refused_with_a_message_and_changes_nothing(site, cast, make):
    enrollment = new_case(site, cast)
    data = make(application_workbook(enrollment=enrollment))
    before = state_of(enrollment), model_to_dict(Application.objects.get(enrollment=enrollment))
    with pytest.raises(RuleViolation) as refusal:
        application_import(enrollment=enrollment, actor=cast.psa, data=data)
    assert refusal.value.status == 422 and str(refusal.value.message)
    after = state_of(enrollment), model_to_dict(Application.objects.get(enrollment=enrollment))
    assert after == before


def test_export_and_import_pages_and_api(client, site, cast):
    enrollment = new_case(site, cast)
    client.force_login(cast.psa)
    response = client.get(f"/enrollments/{enrollment.pk}/application/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = _edited(response.content, "terminal_models", "ページから取込")
    client.post(
        f"/enrollments/{enrollment.pk}/application/import/",
        {"file": SimpleUploadedFile("a.xlsx", data)},
    )
    assert Application.objects.get(enrollment=enrollment).terminal_models == "ページから取込"
    page = client.post(
        f"/enrollments/{enrollment.pk}/application/import/",
        {"file": SimpleUploadedFile("a.xlsx", b"PK garbage")},
    )
    # Refused beside the file field, the summary linking to it (#12); nothing changed.
    assert page.status_code == 422
    html = page.content.decode()
    assert 'id="id_file_error"' in html and 'href="#id_file"' in html
    assert Application.objects.get(enrollment=enrollment).terminal_models == "ページから取込"

    api = f"/api/v1/enrollments/{enrollment.pk}/application"
    exported = client.get(f"{api}/export")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    imported = client.post(
        f"{api}/import",
        {"file": SimpleUploadedFile("a.xlsx", _edited(exported.content, "terminal_models", "API"))},
    )
    assert imported.status_code == 200, imported.content
    assert imported.json()["terminal_models"] == "API"
    bad = client.post(f"{api}/import", {"file": SimpleUploadedFile("a.xlsx", b"nope")})
    assert bad.status_code == 422 and bad.json()["code"]
