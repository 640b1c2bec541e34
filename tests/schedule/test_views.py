"""The case page's Gantt chart, the .ics and .xlsx exports, and the durations settings page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.enrollment.models import Application, State
from dsg.schedule.excel import SHEET_TITLE, read_schedule_sheet
from dsg.schedule.models import StepDuration
from dsg.schedule.planner import DEFAULT_DURATIONS, plan

from ..walk import new_case, today, walk_to


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.django_db
def test_case_page_shows_the_gantt_with_planned_and_actual_bars(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SURVEY, cast)
    page = _get(client, cast.psa, f"/enrollments/{enrollment.pk}/").content.decode()
    assert 'id="schedule"' in page
    assert page.count('class="gantt__planned"') == 7
    assert page.count('class="gantt__actual"') == 7
    assert "gantt__bar--actual" in page  # ①② are done, ③ under way
    assert "gantt__today" in page and "gantt__month" in page
    assert "令和" in page  # dates also in 和暦
    assert f"/enrollments/{enrollment.pk}/schedule.ics" in page
    assert "<script" not in page.split('id="schedule"')[1].split("</section>")[0]


@pytest.mark.django_db
def test_case_page_warns_about_the_desired_start_and_the_contract(client, site, cast):
    enrollment = new_case(site, cast)
    soon = today() + dt.timedelta(days=20)
    Application.objects.filter(enrollment=enrollment).update(
        desired_start=soon, contract_expected_on=soon
    )
    page = _get(client, cast.psa, f"/enrollments/{enrollment.pk}/").content.decode()
    assert 'data-warning="desired_start"' in page
    assert 'data-warning="contract_date"' in page
    assert "利用開始希望日" in page or "desired start" in page.lower()


@pytest.mark.django_db
def test_case_page_without_warnings_shows_none(client, site, cast):
    enrollment = new_case(site, cast)
    later = today() + dt.timedelta(days=400)
    Application.objects.filter(enrollment=enrollment).update(
        desired_start=later, contract_expected_on=later, planned_terminals=1
    )
    page = _get(client, cast.psa, f"/enrollments/{enrollment.pk}/").content.decode()
    assert "data-warning=" not in page
    assert "data-latest-start=" in page


@pytest.mark.django_db
def test_ics_export_has_one_all_day_event_per_step_with_stable_uids(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    url = f"/enrollments/{enrollment.pk}/schedule.ics"
    before = AuditEvent.objects.count()
    response = _get(client, cast.psa, url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 7
    expected = plan(timezone.localdate(enrollment.application.submitted_at))
    for event, step in zip(events, expected.steps, strict=True):
        assert event.decoded("dtstart") == step.start
        assert not isinstance(event.decoded("dtstart"), dt.datetime)  # all-day
        assert event.decoded("dtend") == step.end + dt.timedelta(days=1)
        assert str(event["uid"]) == f"enrollment-{enrollment.pk}-step-{step.step}@dsg-portal"
    assert "回線敷設工事" in str(events[3]["summary"])
    again = Calendar.from_ical(_get(client, cast.reviewer, url).content).walk("VEVENT")
    assert [str(e["uid"]) for e in again] == [str(e["uid"]) for e in events]
    # Each export is a read of the case: in the ledger.
    exports = AuditEvent.objects.filter(action="schedule.export_ics").order_by("sequence")
    assert AuditEvent.objects.count() == before + 2 and exports.count() == 2
    assert audit_verify().ok


@pytest.mark.django_db
def test_xlsx_export_reads_back_with_calamine_and_openpyxl(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    response = _get(client, cast.psa, f"/enrollments/{enrollment.pk}/schedule.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    expected = plan(timezone.localdate(enrollment.application.submitted_at))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name(
        SHEET_TITLE
    )
    steps = read_schedule_sheet(rows.to_python())
    assert [(s["step"], s["start"], s["end"]) for s in steps] == [
        (s.step, s.start, s.end) for s in expected.steps
    ]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert site.name in str(values[0])
    assert any(isinstance(v, str) and v.startswith("令和") for v in values)
    assert AuditEvent.objects.filter(action="schedule.export_xlsx").count() == 1


@pytest.mark.django_db
def test_exports_of_another_company_are_404(client, site, cast, other_psa):
    enrollment = new_case(site, cast)
    for suffix in ("ics", "xlsx"):
        response = _get(client, other_psa, f"/enrollments/{enrollment.pk}/schedule.{suffix}")
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="schedule.export").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("reviewer", 200),
        ("inspector", 403),
        ("provider_staff", 403),
        ("psa", 403),
        ("delegate", 403),
        ("user", 403),
    ],
)
def test_only_the_reviewer_opens_the_durations_page(client, everyone, who, status):
    assert _get(client, everyone[who], "/schedule/settings/").status_code == status
    response = client.post("/schedule/settings/", {f"step_{n}": 5 for n in range(1, 8)})
    assert response.status_code in ({302} if status == 200 else {403})
    assert StepDuration.objects.exists() == (status == 200)


@pytest.mark.django_db
def test_reviewer_changes_durations_and_plans_follow(client, reviewer, site, cast):
    client.force_login(reviewer)
    form = {f"step_{n}": days for n, days in DEFAULT_DURATIONS.items()} | {"step_3": 25}
    response = client.post("/schedule/settings/", form)
    assert response.status_code == 302
    assert StepDuration.objects.get(step=3).business_days == 25
    assert StepDuration.objects.get(step=3).updated_by == reviewer
    events = AuditEvent.objects.filter(action="schedule.step_duration.update")
    assert events.count() == 1  # only the step that changed
    assert events.get().before == {"step": 3, "business_days": 20}
    page = client.get("/schedule/settings/").content.decode()
    assert 'value="25"' in page
    enrollment = new_case(site, cast)
    client.force_login(cast.psa)
    client.get(f"/enrollments/{enrollment.pk}/")
    from dsg.enrollment.schedule import schedule_for
    from dsg.enrollment.selectors import enrollment_get_for

    result = schedule_for(enrollment_get_for(user=cast.psa, pk=enrollment.pk))
    assert result.step(3).business_days >= 25


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["0", "121", "-3", "abc", ""])
def test_durations_out_of_range_are_refused_and_nothing_changes(client, reviewer, bad):
    client.force_login(reviewer)
    form = {f"step_{n}": days for n, days in DEFAULT_DURATIONS.items()} | {"step_2": bad}
    response = client.post("/schedule/settings/", form)
    assert response.status_code == 200
    assert "field--error" in response.content.decode()
    assert not StepDuration.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="schedule.").exists()


@pytest.mark.django_db
def test_exports_answer_post_with_405_on_a_visible_case(client, site, cast):
    enrollment = new_case(site, cast)
    client.force_login(cast.psa)
    response = client.post(f"/enrollments/{enrollment.pk}/schedule.ics")
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action__startswith="schedule.export").exists()


@pytest.mark.django_db
def test_only_the_reviewer_sees_the_link_to_the_durations(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    url = f"/enrollments/{enrollment.pk}/"
    assert "/schedule/settings/" in _get(client, cast.reviewer, url).content.decode()
    assert "/schedule/settings/" not in _get(client, cast.psa, url).content.decode()
