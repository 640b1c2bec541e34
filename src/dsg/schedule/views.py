"""The schedule's page: the office's default step durations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dsg.core.errors import RuleViolation
from dsg.core.forms import form_refused
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from . import selectors, services
from .forms import StepDurationsForm
from .planner import DEFAULT_DURATIONS, STANDARD_TERMINALS, TERMINALS_PER_EXTRA_DAY


@login_required
def schedule_settings(request: HttpRequest) -> HttpResponse:
    """The reviewer sets how many business days each step gets in new plans."""
    user = request_user(request)
    if not permissions.may(user, "schedule.change_durations"):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    current = selectors.step_durations_current()
    form = StepDurationsForm(request.POST or None, initial_days=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.step_durations_update(actor=user, durations=form.durations())
        except RuleViolation as refusal:
            form_refused(form, refusal)
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
