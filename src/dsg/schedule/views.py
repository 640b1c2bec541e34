"""Pages of the schedule: the office's durations, and a case's plan as .ics and .xlsx."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import Enrollment
from dsg.enrollment.selectors import enrollment_get_for
from dsg.orgs import permissions

from . import selectors, services
from .excel import schedule_workbook
from .forms import StepDurationsForm
from .ics import schedule_ics
from .planner import DEFAULT_DURATIONS, STANDARD_TERMINALS, TERMINALS_PER_EXTRA_DAY

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def schedule_settings(request: HttpRequest) -> HttpResponse:
    """The reviewer sets how many business days each step gets in new plans."""
    if not permissions.may(request.user, "schedule.change_durations"):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    current = selectors.step_durations_current()
    form = StepDurationsForm(request.POST or None, initial_days=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.step_durations_update(actor=request.user, durations=form.durations())
        except RuleViolation as refusal:
            if refusal.status in (403, 404):
                raise
            form.add_error(None, str(refusal.message))
        else:
            messages.success(request, _("The step durations were saved."))
            return redirect("schedule_settings")
    return render(
        request,
        "schedule/settings.html",
        {
            "form": form,
            "defaults": DEFAULT_DURATIONS,
            "standard_terminals": STANDARD_TERMINALS,
            "terminals_per_day": TERMINALS_PER_EXTRA_DAY,
        },
    )


def _export(request: HttpRequest, enrollment: Enrollment, kind: str) -> None:
    """Exports are reads of case data: each one goes to the ledger."""
    with transaction.atomic():
        audit_record(
            actor=request.user,
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
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    if request.method not in ("GET", "HEAD"):  # after the lookup: another's case is a 404
        return HttpResponseNotAllowed(["GET", "HEAD"])
    plan = selectors.schedule_for(enrollment)
    _export(request, enrollment, "ics")
    return _attachment(
        schedule_ics(enrollment, plan),
        "text/calendar; charset=utf-8",
        f"{enrollment.number}-schedule.ics",
    )


@login_required
def enrollment_schedule_xlsx(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    if request.method not in ("GET", "HEAD"):  # after the lookup: another's case is a 404
        return HttpResponseNotAllowed(["GET", "HEAD"])
    plan = selectors.schedule_for(enrollment)
    _export(request, enrollment, "xlsx")
    heading = f"{enrollment.number} {enrollment.site.name} 加入完了（利用開始）までのスケジュール表"
    return _attachment(
        schedule_workbook(plan, heading=heading), XLSX, f"{enrollment.number}-schedule.xlsx"
    )
