"""Pages and API of ② and ⑦: who sees and does what, the tablet form, fixed query counts."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from dsg.enrollment.models import State
from dsg.inspections import services
from dsg.inspections.models import ChecklistTemplate, Finding, Result
from dsg.inspections.selectors import rounds_of
from dsg.notices.models import Notice
from tests.factories import SiteFactory
from tests.walk import new_case, small_pdf, today, walk_to

from .helpers import inspect, record, tomorrow_at

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def at_inspection(site, cast):
    return walk_to(new_case(site, cast), State.INSPECTION, cast)


def _client(client, user):
    client.force_login(user)
    return client


def test_the_tablet_page_records_one_theme_without_javascript(client, at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    page = _client(client, cast.inspector).get(f"/inspections/{inspection.pk}/record/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-theme="施設"' in html and 'data-theme="機器"' in html
    assert html.count('type="radio"') == 4 * inspection.findings.count()
    facility = list(inspection.findings.filter(item__theme="施設"))
    form = {"theme": "施設", "finding": [str(f.pk) for f in facility]}
    for finding in facility:
        form[f"result-{finding.pk}"] = Result.CONFORMING
    f05 = next(f for f in facility if f.item.code == "F-05")
    due = (today() + dt.timedelta(days=14)).isoformat()
    form.update({f"result-{f05.pk}": Result.NONCONFORMING, f"note-{f05.pk}": "記録簿なし"})
    form[f"due-{f05.pk}"] = due
    response = client.post(f"/inspections/{inspection.pk}/record/", form)
    assert response.status_code == 303
    assert unquote(response["Location"]).endswith("#theme-施設")
    f05.refresh_from_db()
    assert (f05.result, f05.note, f05.due_on.isoformat()) == (
        Result.NONCONFORMING,
        "記録簿なし",
        due,
    )
    assert Finding.objects.filter(inspection=inspection, result="").count() == (
        inspection.findings.count() - len(facility)
    )
    inspection.refresh_from_db()
    assert inspection.status == "in_progress" and inspection.inspector == cast.inspector


def test_only_the_inspector_records_and_finishes(client, at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    finding = inspection.findings.first()
    for person in (cast.psa, cast.reviewer):
        c = _client(client, person)
        response = c.post(
            f"/inspections/{inspection.pk}/record/",
            {"finding": [finding.pk], f"result-{finding.pk}": "conforming"},
        )
        assert response.status_code == 403
        page = c.get(f"/inspections/{inspection.pk}/record/")
        assert page.status_code == 200 and b"insp-save" not in page.content  # read-only
        assert c.post(f"/inspections/{inspection.pk}/finish/").status_code == 403
    finding.refresh_from_db()
    assert finding.result == ""


def test_the_company_user_role_and_the_provider_never_see_inspections(client, site, cast):
    from tests.factories import UserFactory

    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    first = inspect(enrollment, cast, {"F-05": Result.NONCONFORMING})
    enrollment.refresh_from_db()
    services.remediation_report_file(
        deficiency=first.deficiencies.get(), actor=cast.psa, text="整備した"
    )
    from tests.walk import act

    act(enrollment, "report_remediation", cast.psa, comment="報告")
    services.remediation_decide(inspection=first, actor=cast.reviewer, decision="accepted")
    enrollment.refresh_from_db()
    assert enrollment.state == State.SURVEY  # the provider now sees the case ...
    user = UserFactory(organization=site.company, role="user")
    deficiency = first.deficiencies.get()
    for person in (cast.staff, user):
        c = _client(client, person)
        for url in (
            f"/inspections/{first.pk}/",
            f"/inspections/{first.pk}/record/",
            f"/inspections/{first.pk}/checklist/",
            f"{API}/inspections/{first.pk}",
            f"{API}/inspections/{first.pk}/findings",
        ):
            refused = 403 if person is user and url.startswith(API) else 404  # no API (#12)
            assert c.get(url).status_code == refused, (person.role, url)
        assert c.post(f"/deficiencies/{deficiency.pk}/report/", {"text": "x"}).status_code == 404
        listed = c.get(f"{API}/enrollments/{enrollment.pk}/inspections")
        assert listed.status_code in (200, 403, 404)
        if listed.status_code == 200:
            assert listed.json() == []
        assert c.get("/inspections/").status_code == 200
    case_page = _client(client, cast.staff).get(f"/enrollments/{enrollment.pk}/")
    assert case_page.status_code == 200  # ... but not its inspections or findings
    text = case_page.content.decode()
    assert 'id="inspections"' not in text and "F-05 所見" not in text
    assert (
        'id="inspections"'
        in _client(client, cast.psa).get(f"/enrollments/{enrollment.pk}/").content.decode()
    )


def test_the_company_picks_a_date_and_downloads_the_calendar_entry(client, at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    c = _client(client, cast.reviewer)
    start = tomorrow_at(10).strftime("%Y-%m-%dT%H:%M")
    response = c.post(f"/inspections/{inspection.pk}/slots/", {"starts_at": [start], "hours": "2"})
    assert response.status_code == 303
    slot = inspection.appointments.get()
    assert c.get(f"/inspections/{inspection.pk}/appointment.ics").status_code == 404
    c = _client(client, cast.psa)
    page = c.get(f"/inspections/{inspection.pk}/").content.decode()
    assert 'data-form="pick"' in page and 'data-form="slots"' not in page
    c.post(
        f"/inspections/{inspection.pk}/pick/",
        {"slot_id": slot.pk, "entry_notes": "正門受付、身分証持参"},
    )
    ics = c.get(f"/inspections/{inspection.pk}/appointment.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content and at_inspection.number.encode() in ics.content

    # Once the round is done, the file still gives the day it took place (moved to it if another).
    record(inspection, cast)
    services.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
    done = c.get(f"/inspections/{inspection.pk}/appointment.ics")
    assert done.status_code == 200
    event = Calendar.from_ical(done.content).walk("VEVENT")[0]
    assert timezone.localdate(event.decoded("dtstart")) == today()


def test_the_checklist_goes_to_the_company_as_a_printable_page(client, at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    page = _client(client, cast.psa).get(f"/inspections/{inspection.pk}/checklist/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "F-01" in text and "O-02" in text and "レイアウト図" in text


def test_the_checklist_goes_to_the_company_as_a_pdf_with_japanese_fonts(
    client, at_inspection, cast, tmp_path
):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    psa = _client(client, cast.psa)
    page = psa.get(f"/inspections/{inspection.pk}/checklist/")
    assert f"/inspections/{inspection.pk}/checklist.pdf" in page.content.decode()
    response = psa.get(f"/inspections/{inspection.pk}/checklist.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = response.content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "現地確認 確認項目一覧" in text and "F-01" in text and "O-02" in text
    assert at_inspection.site.company.name in text
    path = tmp_path / "checklist.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "IPAex" in fonts.stdout
    assert all(line.split()[-5] == "yes" for line in fonts.stdout.splitlines()[2:])  # embedded

    api = psa.get(f"{API}/inspections/{inspection.pk}/checklist.pdf")
    assert api.status_code == 200 and api.content.startswith(b"%PDF-")


def test_the_provider_gets_no_checklist_pdf(client, at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.reviewer)
    staff = _client(client, cast.staff)
    assert staff.get(f"/inspections/{inspection.pk}/checklist.pdf").status_code == 404
    assert staff.get(f"{API}/inspections/{inspection.pk}/checklist.pdf").status_code == 404


def test_the_reviewer_edits_checklists_in_the_portal(client, at_inspection, cast):
    template = ChecklistTemplate.objects.get(is_sample=True, kind="site")
    services.inspection_open(subject=at_inspection, actor=cast.inspector)  # v1 now used
    assert _client(client, cast.psa).get("/checklists/").status_code == 403
    c = _client(client, cast.reviewer)
    assert c.get(f"/checklists/?template={template.pk}").status_code == 200
    response = c.post(
        "/checklists/",
        {
            "template": template.pk,
            "action": "save_item",
            "code": "O-03",
            "theme": "組織",
            "text": "教育訓練の記録がある",
        },
    )
    assert response.status_code == 303
    assert template.versions.count() == 2
    c.post("/checklists/", {"template": template.pk, "action": "publish"})
    assert services.checklist_version_current().items.filter(code="O-03").exists()
    inspector = _client(client, cast.inspector)
    assert (
        inspector.post("/checklists/", {"template": template.pk, "action": "publish"}).status_code
        == 403
    )


def test_the_case_page_shows_every_round_and_the_overdue_badge(client, at_inspection, cast):
    first = inspect(at_inspection, cast, {"F-05": Result.NONCONFORMING})
    first.deficiencies.update(due_on=today() - dt.timedelta(days=1))
    for person in (cast.psa, cast.reviewer):
        page = _client(client, person).get(f"/enrollments/{at_inspection.pk}/").content.decode()
        assert 'data-round="2-1"' in page and 'data-overdue="1"' in page
    listing = _client(client, cast.psa).get("/inspections/").content.decode()
    assert 'data-count="1"' in listing


def _record_page_queries(client, inspector, inspection) -> int:
    client.force_login(inspector)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/inspections/{inspection.pk}/record/")
    assert response.status_code == 200
    return len(queries)


def test_the_recording_page_uses_a_fixed_number_of_queries(client, company, cast):
    small = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    few = services.inspection_open(subject=small, actor=cast.inspector)
    record(few, cast)
    template = ChecklistTemplate.objects.get(is_default=True, kind="site")
    for n in range(15):
        services.checklist_item_save(
            actor=cast.reviewer,
            template=template,
            data={"code": f"X-{n:02d}", "theme": f"追加{n % 3}", "text": f"追加項目{n}"},
        )
    services.checklist_version_publish(actor=cast.reviewer, template=template)
    large = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    many = services.inspection_open(subject=large, actor=cast.inspector)
    record(many, cast, {"X-01": Result.NONCONFORMING}, default=Result.NOT_APPLICABLE)
    assert many.findings.count() > few.findings.count() + 10
    assert _record_page_queries(client, cast.inspector, few) == _record_page_queries(
        client, cast.inspector, many
    )


# API ------------------------------------------------------------------------------------
def test_a_round_with_remediation_through_the_api(client, at_inspection, cast):
    def call(user, method, url, body=None, expect=200):
        client.force_login(user)
        response = getattr(client, method)(
            f"{API}{url}", data=body, content_type="application/json"
        )
        assert response.status_code == expect, (url, response.status_code, response.content)
        return response.json() if response.content else None

    cid = at_inspection.pk
    inspection = call(cast.reviewer, "post", f"/enrollments/{cid}/inspections", {}, 201)
    iid = inspection["id"]
    slots = call(
        cast.reviewer, "post", f"/inspections/{iid}/slots", {"starts": [tomorrow_at().isoformat()]}
    )
    call(cast.psa, "post", f"/inspections/{iid}/pick", {"slot_id": slots[0]["id"]})
    findings = call(cast.inspector, "get", f"/inspections/{iid}/findings")
    body = {
        "findings": [
            {
                "finding_id": f["id"],
                "result": "nonconforming" if f["code"] == "M-03" else "conforming",
                "note": "持出し記録なし" if f["code"] == "M-03" else "",
            }
            for f in findings
        ]
    }
    call(cast.psa, "post", f"/inspections/{iid}/findings", body, 403)
    call(cast.inspector, "post", f"/inspections/{iid}/findings", body)
    bad = {"findings": [{"finding_id": findings[0]["id"], "result": "maybe"}]}
    call(cast.inspector, "post", f"/inspections/{iid}/findings", bad, 422)
    done = call(
        cast.inspector, "post", f"/inspections/{iid}/finish", {"performed_on": today().isoformat()}
    )
    assert done["outcome"] == "remediation_required"
    detail = call(cast.psa, "get", f"/inspections/{iid}")
    [deficiency] = detail["deficiencies"]
    assert deficiency["item"] == "M-03" and not deficiency["overdue"]
    call(
        cast.psa,
        "post",
        f"/enrollments/{cid}/transitions/report_remediation",
        {"comment": "x"},
        409,
    )
    call(
        cast.psa, "post", f"/deficiencies/{deficiency['id']}/reports", {"text": "記録簿を整備"}, 201
    )
    call(cast.psa, "post", f"/enrollments/{cid}/transitions/report_remediation", {"comment": "x"})
    call(cast.reviewer, "post", f"/inspections/{iid}/decide", {"decision": "reinspection"})
    second = call(cast.inspector, "post", f"/enrollments/{cid}/inspections", {}, 201)
    assert second["round"] == 2
    rounds = call(cast.psa, "get", f"/enrollments/{cid}/inspections")
    assert [(r["round"], r["outcome"]) for r in rounds] == [
        (1, "remediation_required"),
        (2, ""),
    ]
    assert rounds_of(at_inspection).count() == 2


def test_checklist_templates_through_the_api(client, cast):
    client.force_login(cast.reviewer)
    created = client.post(
        f"{API}/checklists", {"name": "本番用"}, content_type="application/json"
    ).json()
    tid = created["id"]
    item = {"code": "A-1", "theme": "施設", "text": "施錠されている"}
    assert (
        client.post(
            f"{API}/checklists/{tid}/items", item, content_type="application/json"
        ).status_code
        == 200
    )
    too_far = {**item, "code": "A-2", "order": 2**31}  # past what the column holds: refused
    refused = client.post(f"{API}/checklists/{tid}/items", too_far, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"
    assert client.post(f"{API}/checklists/{tid}/publish").status_code == 200
    patched = client.patch(
        f"{API}/checklists/{tid}", {"is_default": True}, content_type="application/json"
    )
    assert patched.json()["is_default"] is True
    assert services.checklist_version_current().template_id == tid
    client.force_login(cast.psa)
    assert client.get(f"{API}/checklists/{tid}").status_code == 404
    assert client.get(f"{API}/checklists").json() == []


def test_the_dashboards_show_overdue_deficiencies_to_both_sides(client, at_inspection, cast):
    first = inspect(at_inspection, cast, {"F-05": Result.NONCONFORMING})
    for person in (cast.psa, cast.reviewer):
        page = _client(client, person).get("/").content.decode()
        assert 'data-overdue="0"' in page
    first.deficiencies.update(due_on=today() - dt.timedelta(days=1))
    for person in (cast.psa, cast.reviewer, cast.inspector):
        page = _client(client, person).get("/").content.decode()
        assert 'data-overdue="1"' in page
    assert "inspections-dashboard" not in _client(client, cast.staff).get("/").content.decode()


def test_a_recorded_photo_is_linked_and_opens_for_the_office_and_the_company(
    client, at_inspection, cast
):
    from .helpers import jpeg

    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    finding = inspection.findings.first()
    services.inspection_record(
        inspection=inspection,
        actor=cast.inspector,
        entries=[
            services.FindingInput(
                finding_id=finding.pk,
                result=Result.NONCONFORMING,
                note="施錠なし",
                photo_name="door.jpg",
                photo_data=jpeg(),
            )
        ],
    )
    finding.refresh_from_db()
    link = f"/documents/{finding.photo_id}/download/"
    for user in (cast.inspector, cast.psa):
        c = _client(client, user)
        assert link in c.get(f"/inspections/{inspection.pk}/").content.decode()
        photo = c.get(link)
        assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
        assert b"".join(photo.streaming_content if photo.streaming else [photo.content])[:2] == (
            b"\xff\xd8"
        )
    assert _client(client, cast.staff).get(link).status_code == 404


# A round held on paper, through its page --------------------------------------------------
def _paper_form(inspection, results=None, **extra):
    results = results or {}
    findings = list(inspection.findings.select_related("item"))
    form = {"finding": [str(f.pk) for f in findings], "performed_on": today().isoformat()}
    for f in findings:
        form[f"result-{f.pk}"] = results.get(f.item.code, Result.CONFORMING)
    return {**form, **extra}


def test_a_round_held_on_paper_through_its_page(client, at_inspection, cast):
    """Two steps: the page keeps the transcription and the scan (nothing finished or issued),
    then the round is finished on its confirmation page."""
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    office = _client(client, cast.inspector)
    detail = office.get(f"/inspections/{inspection.pk}/").content.decode()
    assert f'href="/inspections/{inspection.pk}/paper/"' in detail
    page = office.get(f"/inspections/{inspection.pk}/paper/")
    assert page.status_code == 200 and 'name="scan"' in page.content.decode()

    # Without its scan: refused, nothing recorded, and the page keeps what was entered.
    form = _paper_form(inspection, {"F-05": Result.NONCONFORMING})
    f05 = inspection.findings.get(item__code="F-05")
    form[f"note-{f05.pk}"] = "入退室記録簿なし"
    refused = office.post(f"/inspections/{inspection.pk}/paper/", form)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "入退室記録簿なし" in html
    assert f'name="result-{f05.pk}" value="nonconforming" checked' in html
    inspection.refresh_from_db()
    assert inspection.status == "scheduled" and not Notice.objects.exists()

    form["scan"] = SimpleUploadedFile("scan.pdf", small_pdf(), "application/pdf")
    kept = office.post(f"/inspections/{inspection.pk}/paper/", form)
    assert kept.status_code == 303
    inspection.refresh_from_db()
    assert inspection.status == "in_progress" and inspection.paper_checklist_id
    assert not inspection.outcome and not Notice.objects.exists()

    url = f"/inspections/{inspection.pk}/finish/"
    done = office.post(url, {"performed_on": today().isoformat(), "confirmed": "1"})
    assert done.status_code == 303
    inspection.refresh_from_db()
    assert inspection.outcome == "remediation_required" and inspection.paper_checklist_id
    assert Notice.objects.filter(kind="inspection_result").count() == 1
    detail = office.get(f"/inspections/{inspection.pk}/").content.decode()
    assert "data-paper" in detail and "scan.pdf" in detail


def test_the_company_cannot_open_the_paper_round_page(client, at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    for person in (cast.psa, cast.delegate):
        response = _client(client, person).post(
            f"/inspections/{inspection.pk}/paper/", _paper_form(inspection)
        )
        assert response.status_code == 403
    inspection.refresh_from_db()
    assert inspection.status == "scheduled"


def test_the_final_round_asks_the_office_for_the_start_of_use(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.FINAL_INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    record(inspection, cast)
    office = _client(client, cast.inspector)
    html = office.get(f"/inspections/{inspection.pk}/").content.decode()
    assert 'name="effective_on"' in html
    chosen = today() + dt.timedelta(days=10)
    response = office.post(
        f"/inspections/{inspection.pk}/finish/",
        {
            "performed_on": today().isoformat(),
            "effective_on": chosen.isoformat(),
            "confirmed": "1",  # from its confirmation page (#12)
        },
    )
    assert response.status_code == 303
    enrollment.refresh_from_db()
    assert enrollment.state == State.COMPLETED and enrollment.use_starts_on == chosen


def test_a_site_round_asks_no_start_of_use(client, at_inspection, cast):
    inspection = services.inspection_open(subject=at_inspection, actor=cast.inspector)
    html = _client(client, cast.inspector).get(f"/inspections/{inspection.pk}/").content.decode()
    assert 'name="effective_on"' not in html


def test_the_case_page_offers_no_outcome_of_an_inspection(client, at_inspection, cast):
    """The inspection panel leads to the round; no button passes ② around it."""
    for person in (cast.inspector, cast.reviewer):
        html = _client(client, person).get(f"/enrollments/{at_inspection.pk}/").content.decode()
        for name in ("pass_inspection", "require_remediation", "deem_inspection_by_audit"):
            assert f"/transitions/{name}/" not in html, (person, name)
