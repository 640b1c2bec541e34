"""A round held with the paper checklist, in two steps (#12: nothing irreversible by one click).

The paper page keeps what the inspector transcribed — every item's result, note and reason, the
day of the visit — and the scan, in the documents store like any document of the round: the
round is not finished, nothing is issued, nobody is mailed, and it may be kept again. The round
then finishes on the tablet's confirmation page (``/finish/``), which states the notice issued
(named as the guideline names it), who is mailed and, at ⑦ with no deficiency, the case's
completion (加入完了) with its 利用開始日. Every refusal is said beside its input and changes no
row of any table (tests/db_rows.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dsg.audit.models import AuditEvent
from dsg.enrollment.models import State
from dsg.inspections import services, views
from dsg.inspections.models import Deficiency, InspectionStatus, Result
from dsg.notices.models import Notice
from dsg.notifications.models import OutboxMessage
from tests.factories import UserFactory

from ..db_rows import table_rows
from ..enrollment.field_errors import assert_error_beside
from ..walk import new_case, small_pdf, today, walk_to
from .helpers import inspect

pytestmark = pytest.mark.django_db
NC = Result.NONCONFORMING
API = "/api/v1"


@pytest.fixture
def at_inspection(site, cast):
    return walk_to(new_case(site, cast), State.INSPECTION, cast)


@pytest.fixture
def inspection(at_inspection, cast):
    return services.inspection_open(subject=at_inspection, actor=cast.inspector)


def _rows():
    """Every row of every table, but when each person last logged in (tests/db_rows.py)."""
    return table_rows(volatile=frozenset({"last_login"}))


def _as(client, user):
    client.force_login(user)
    return client


def _paper(inspection) -> str:
    return f"/inspections/{inspection.pk}/paper/"


def _finish(inspection) -> str:
    return f"/inspections/{inspection.pk}/finish/"


def _form(inspection, results=None, *, scan: bytes | None = None, day=None, **extra):
    """The paper page's form: every item's result (conforming unless ``results`` says), the day,
    and a scan (a real PDF unless ``scan`` is given; b"" sends none)."""
    results = results or {}
    findings = list(inspection.findings.select_related("item"))
    form = {
        "finding": [str(f.pk) for f in findings],
        "performed_on": (day or today()).isoformat(),
    }
    for f in findings:
        form[f"result-{f.pk}"] = results.get(f.item.code, Result.CONFORMING)
    data = small_pdf() if scan is None else scan
    if data:
        form["scan"] = SimpleUploadedFile("paper-scan.pdf", data, "application/pdf")
    return {**form, **extra}


def _keep(client, inspection, cast, results=None, **kwargs):
    response = _as(client, cast.inspector).post(
        _paper(inspection), _form(inspection, results, **kwargs)
    )
    assert response.status_code == 303, response.content.decode()[:2000]
    inspection.refresh_from_db()
    return response


# The first step ---------------------------------------------------------------------------------


def test_the_first_step_keeps_what_was_entered_and_issues_nothing(client, inspection, cast):
    office = _as(client, cast.inspector)
    page = office.get(_paper(inspection)).content.decode()
    assert 'data-paper-step="enter"' in page and "data-paper-finish" not in page
    mails, events = OutboxMessage.objects.count(), AuditEvent.objects.count()
    f05 = inspection.findings.get(item__code="F-05")
    f06 = inspection.findings.get(item__code="F-06")
    visit = today() - dt.timedelta(days=3)
    form = _form(inspection, {"F-05": NC, "F-06": NC}, day=visit)
    form[f"note-{f05.pk}"] = "入退室記録簿なし"
    form[f"reason-{f06.pk}"] = "訪問中に是正済み"

    response = office.post(_paper(inspection), form)
    assert response.status_code == 303
    assert response["Location"] == f"{_paper(inspection)}#paper-finish"
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS and not inspection.outcome
    assert inspection.performed_on == visit and inspection.inspector == cast.inspector
    assert inspection.paper_checklist.filename == "paper-scan.pdf"
    f05.refresh_from_db()
    f06.refresh_from_db()
    assert (f05.result, f05.note) == (NC, "入退室記録簿なし")
    assert (f06.result, f06.no_remediation_reason) == (NC, "訪問中に是正済み")
    # Nothing finished, issued or mailed; the case has not moved; the ledger has the keeping.
    assert not Notice.objects.exists() and not Deficiency.objects.exists()
    assert OutboxMessage.objects.count() == mails
    inspection.subject.refresh_from_db()
    assert inspection.subject.state == State.INSPECTION
    actions = list(
        AuditEvent.objects.order_by("sequence")[events:].values_list("action", flat=True)
    )
    assert actions == ["document.stored", "inspection.record_on_paper"]

    # The page says the step: entered and kept, with the scan, the day, what was entered, and
    # the way to the confirmation page.
    page = office.get(_paper(inspection)).content.decode()
    assert 'data-paper-step="kept"' in page and "data-paper-finish" in page
    assert f'href="{_finish(inspection)}" data-confirm-page' in page
    assert f"/documents/{inspection.paper_checklist_id}/download/" in page
    assert f'value="{visit.isoformat()}"' in page and "入退室記録簿なし" in page
    assert f'name="result-{f05.pk}" value="nonconforming" checked' in page
    detail = office.get(f"/inspections/{inspection.pk}/").content.decode()
    assert "data-paper-kept" in detail and f'value="{visit.isoformat()}"' in detail


def test_keeping_again_replaces_the_kept_scan_and_entries(client, inspection, cast):
    _keep(client, inspection, cast, {"F-05": NC})
    first_scan = inspection.paper_checklist_id
    _keep(client, inspection, cast, scan=b"")  # a correction without a new scan keeps it
    assert inspection.paper_checklist_id == first_scan
    assert inspection.findings.get(item__code="F-05").result == Result.CONFORMING
    _keep(client, inspection, cast)  # a new scan replaces the kept one
    assert inspection.paper_checklist_id != first_scan
    replaced = AuditEvent.objects.filter(action="inspection.record_on_paper").order_by("sequence")
    assert [e.after["replaced_scan"] for e in replaced] == [None, None, first_scan]
    assert not Notice.objects.exists()


# The second step: the tablet's confirmation page ------------------------------------------------


def test_the_round_kept_from_paper_finishes_only_on_its_confirmation_page(client, inspection, cast):
    visit = today() - dt.timedelta(days=1)
    _keep(client, inspection, cast, {"F-05": NC}, day=visit)
    office = _as(client, cast.inspector)
    page = office.get(_finish(inspection))
    html = page.content.decode()
    assert page.status_code == 200 and 'name="confirmed"' in html
    assert "現地確認結果通知書" in html and "改善措置を要する不適合が1件" in html
    assert "paper-scan.pdf" in html and "保護システム管理者" in html  # the scan; who is mailed
    assert "加入完了" not in html  # ② completes nothing
    assert f'value="{visit.isoformat()}"' in html  # the day kept, proposed

    before = _rows()
    skipped = office.post(_finish(inspection), {"performed_on": visit.isoformat()})
    assert skipped.status_code == 200 and 'name="confirmed"' in skipped.content.decode()
    assert _rows() == before  # a POST without ``confirmed`` acts on nothing

    done = office.post(_finish(inspection), {"performed_on": visit.isoformat(), "confirmed": "1"})
    assert done.status_code == 303
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.FINISHED and inspection.performed_on == visit
    assert inspection.outcome == "remediation_required"
    assert Notice.objects.filter(kind="inspection_result").count() == 1
    page = office.get(_paper(inspection)).content.decode()
    assert 'data-paper-step="finished"' in page and 'data-form="paper"' not in page


def test_the_confirmation_page_refuses_a_round_with_items_not_recorded(client, inspection, cast):
    """The tablet's round (or any) with an item open: the page says which and offers no button."""
    first = inspection.findings.order_by("order", "pk").first()
    services.inspection_record(
        inspection=inspection,
        actor=cast.inspector,
        entries=[services.FindingInput(finding_id=first.pk, result=Result.CONFORMING)],
    )
    office = _as(client, cast.inspector)
    page = office.get(_finish(inspection)).content.decode()
    assert "data-refusal" in page and 'name="confirmed"' not in page
    second = inspection.findings.order_by("order", "pk")[1]
    assert second.item.code in page and f"{first.item.code}," not in page
    before = _rows()
    response = office.post(_finish(inspection), {"performed_on": "", "confirmed": "1"})
    assert response.status_code == 409 and _rows() == before


def test_at_the_final_round_the_confirmation_says_the_case_completes(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.FINAL_INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    _keep(client, inspection, cast)
    office = _as(client, cast.inspector)
    html = office.get(_finish(inspection)).content.decode()
    assert "加入完了通知書" in html and "利用開始日" in html and 'name="effective_on"' in html
    assert "現地確認結果通知書" not in html  # a pass with nothing to report: only 加入完了通知書
    starts = today() + dt.timedelta(days=7)
    done = office.post(
        _finish(inspection),
        {"performed_on": today().isoformat(), "effective_on": starts.isoformat(), "confirmed": "1"},
    )
    assert done.status_code == 303
    enrollment.refresh_from_db()
    assert enrollment.state == State.COMPLETED and enrollment.use_starts_on == starts


# Refusals: beside their input, nothing changed ---------------------------------------------------


@pytest.mark.parametrize(
    ("case", "field_id"),
    [
        ("missing result", "result-"),
        ("future date", "paper-date"),
        ("no date", "paper-date"),
        ("no scan", "paper-scan"),
        ("not a PDF", "paper-scan"),
        ("too large", "paper-scan"),
    ],
)
def test_a_refusal_of_the_first_step_is_said_beside_its_input(
    client, inspection, cast, monkeypatch, case, field_id
):
    form = _form(inspection)
    first = inspection.findings.order_by("order", "pk").first()
    if case == "missing result":
        del form[f"result-{first.pk}"]
        field_id += str(first.pk)
    elif case == "future date":
        form["performed_on"] = (today() + dt.timedelta(days=1)).isoformat()
    elif case == "no date":
        form["performed_on"] = ""
    elif case == "no scan":
        del form["scan"]
    elif case == "not a PDF":
        form["scan"] = SimpleUploadedFile("scan.pdf", b"just text, not a PDF", "application/pdf")
    else:
        monkeypatch.setattr(views, "SCAN_MAX", 64)
    second = inspection.findings.order_by("order", "pk")[1]
    form[f"note-{second.pk}"] = "鍵の管理簿を確認"
    office = _as(client, cast.inspector)
    before = _rows()
    response = office.post(_paper(inspection), form)
    page = assert_error_beside(response, data_form="paper", field_id=field_id)
    assert "鍵の管理簿を確認" in page  # what was entered is kept
    assert _rows() == before


def test_a_refusal_beside_every_item_left_without_a_result(client, inspection, cast):
    form = _form(inspection)
    left = list(inspection.findings.order_by("order", "pk")[:2])
    for finding in left:
        del form[f"result-{finding.pk}"]
    before = _rows()
    response = _as(client, cast.inspector).post(_paper(inspection), form)
    page = assert_error_beside(response, data_form="paper", field_id=f"result-{left[1].pk}")
    assert f'id="result-{left[0].pk}_error"' in page and left[0].item.code in page
    assert _rows() == before


def test_everything_missing_is_said_at_once_each_beside_its_input(client, inspection, cast):
    form = {"finding": [str(f.pk) for f in inspection.findings.all()], "performed_on": ""}
    before = _rows()
    response = _as(client, cast.inspector).post(_paper(inspection), form)
    page = assert_error_beside(response, data_form="paper", field_id="paper-scan")
    assert 'id="paper-date_error"' in page
    assert page.count('class="field__error" id="result-') == inspection.findings.count()
    assert _rows() == before


def test_a_finished_round_takes_nothing_more(client, at_inspection, cast):
    inspection = inspect(at_inspection, cast)
    office = _as(client, cast.inspector)
    before = _rows()
    response = office.post(_paper(inspection), _form(inspection))
    assert response.status_code == 422
    page = response.content.decode()
    assert "data-error-summary" in page and 'data-paper-step="finished"' in page
    assert office.post(_finish(inspection), {"confirmed": "1"}).status_code == 409
    assert _rows() == before


def test_only_the_inspector_of_the_office_keeps_or_finishes_the_round(
    client, inspection, cast, company_user
):
    before = _rows()
    for person in (cast.psa, cast.delegate, cast.reviewer):
        c = _as(client, person)
        assert c.get(_paper(inspection)).status_code == 403, person
        assert c.post(_paper(inspection), _form(inspection)).status_code == 403, person
        assert c.post(_finish(inspection), {"confirmed": "1"}).status_code == 403, person
    for person in (company_user, cast.staff):  # they do not see the round at all
        assert _as(client, person).post(_paper(inspection), _form(inspection)).status_code == 404
    assert _rows() == before


def test_another_companys_round_is_not_found(client, inspection, other_psa):
    before = _rows()
    c = _as(client, other_psa)
    assert c.get(_paper(inspection)).status_code == 404
    assert c.post(_paper(inspection), _form(inspection)).status_code == 404
    assert _rows() == before


def test_another_inspectors_round_is_refused_on_the_page(client, inspection, cast, office):
    _keep(client, inspection, cast)
    other = UserFactory(organization=office, role="inspector")
    c = _as(client, other)
    before = _rows()
    response = c.post(_paper(inspection), _form(inspection, {"F-01": NC}))
    assert_error_beside(response, data_form="paper", field_id="paper-form")
    confirm = c.get(_finish(inspection)).content.decode()
    assert "data-refusal" in confirm and 'name="confirmed"' not in confirm
    assert c.post(_finish(inspection), {"confirmed": "1"}).status_code == 409
    assert _rows() == before


# The kept scan: a document of the round -----------------------------------------------------------


def test_the_kept_scan_is_read_only_by_those_who_read_the_rounds_documents(
    client, inspection, cast, company_user, other_psa
):
    _keep(client, inspection, cast)
    link = f"/documents/{inspection.paper_checklist_id}/download/"
    for person in (cast.inspector, cast.reviewer, cast.psa, cast.delegate):
        response = _as(client, person).get(link)
        assert response.status_code == 200, person
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body.startswith(b"%PDF"), person
    for person in (company_user, cast.staff, other_psa):
        assert _as(client, person).get(link).status_code == 404, person


# The API: a call is its own confirmation ---------------------------------------------------------


def test_the_api_keeps_only_when_asked_and_otherwise_finishes_as_before(client, inspection, cast):
    import base64

    findings = [
        {"finding_id": f.pk, "result": "conforming"} for f in inspection.findings.order_by("pk")
    ]
    body = {
        "performed_on": today().isoformat(),
        "scan_name": "scan.pdf",
        "scan_base64": base64.b64encode(small_pdf()).decode(),
        "findings": findings,
        "finish": False,
    }
    api = _as(client, cast.inspector)
    kept = api.post(
        f"{API}/inspections/{inspection.pk}/paper", body, content_type="application/json"
    )
    assert kept.status_code == 200 and kept.json()["status"] == "in_progress"
    assert kept.json()["paper_checklist_id"] and not Notice.objects.exists()
    body = {k: v for k, v in body.items() if k not in ("finish", "scan_base64")}
    done = api.post(
        f"{API}/inspections/{inspection.pk}/paper", body, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "finished"
    assert done.json()["outcome"] == "passed"
