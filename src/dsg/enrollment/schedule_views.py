"""A case's スケジュール表 as a download: iCalendar and Excel (each export is a ledgered read)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from dsg.audit.services import audit_record
from dsg.orgs.auth import request_user
from dsg.schedule.excel import schedule_workbook

from .models import Enrollment
from .schedule import schedule_for, schedule_ics
from .selectors import enrollment_get_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(request: HttpRequest, enrollment: Enrollment, kind: str) -> None:
    """Exports are reads of case data: each one goes to the ledger."""
    with transaction.atomic():
        audit_record(
            actor=request_user(request),
            action=f"schedule.export_{kind}",
            obj=enrollment,
            company_id=enrollment.site.company_id,
        )


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def enrollment_schedule_ics(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = enrollment_get_for(user=request_user(request), pk=enrollment_id)
    if request.method not in ("GET", "HEAD"):  # after the lookup: another's case is a 404
        return HttpResponseNotAllowed(["GET", "HEAD"])
    plan = schedule_for(enrollment)
    _export(request, enrollment, "ics")
    return _attachment(
        schedule_ics(enrollment, plan),
        "text/calendar; charset=utf-8",
        f"{enrollment.number}-schedule.ics",
    )


@login_required
def enrollment_schedule_xlsx(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = enrollment_get_for(user=request_user(request), pk=enrollment_id)
    if request.method not in ("GET", "HEAD"):  # after the lookup: another's case is a 404
        return HttpResponseNotAllowed(["GET", "HEAD"])
    plan = schedule_for(enrollment)
    _export(request, enrollment, "xlsx")
    heading = f"{enrollment.number} {enrollment.site.name} 加入完了（利用開始）までのスケジュール表"
    return _attachment(
        schedule_workbook(plan, heading=heading), XLSX, f"{enrollment.number}-schedule.xlsx"
    )
