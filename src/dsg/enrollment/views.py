from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dsg.core.errors import RuleViolation
from dsg.core.views import form_error_text, run_action
from dsg.orgs import permissions
from dsg.orgs.selectors import site_get_for, site_list_for

from . import selectors, services
from .forms import ApplicationForm, TransitionForm
from .models import STEP_NAMES


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    enrollments = list(selectors.enrollment_list_for(user=user))
    by_step: dict[int, list[object]] = defaultdict(list)
    for enrollment in enrollments:
        by_step[enrollment.step].append(enrollment)
    sites = list(site_list_for(user=user)) if permissions.is_company_member(user) else []
    cases_of_site: dict[int, list[object]] = defaultdict(list)
    for enrollment in enrollments:
        cases_of_site[enrollment.site_id].append(enrollment)
    return render(
        request,
        "enrollment/dashboard.html",
        {
            "site_rows": [(site, cases_of_site.get(site.pk, [])) for site in sites],
            "step_names": [(n, STEP_NAMES[n]) for n in range(1, 8)],
            "steps": [(n, STEP_NAMES[n], by_step.get(n, [])) for n in range(1, 8)],
            "completed": by_step.get(8, []),
            "ended": by_step.get(0, []),
            "can_create_site": permissions.may(user, "site.create"),
        },
    )


@login_required
@require_POST
def enrollment_create(request: HttpRequest) -> HttpResponse:
    try:
        site_id = int(request.POST.get("site_id", ""))
    except ValueError:
        site_id = 0
    site = site_get_for(user=request.user, pk=site_id)
    try:
        enrollment = services.enrollment_create(site=site, actor=request.user)
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
        return redirect("site_detail", site_id=site.pk)
    messages.success(request, _("The enrollment case was opened. Fill in the application."))
    return redirect("application_edit", enrollment_id=enrollment.pk)


@login_required
def enrollment_detail(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    from dsg.provisioning.views import provisioning_context

    user = request.user
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    return render(
        request,
        "enrollment/enrollment_detail.html",
        {
            "enrollment": enrollment,
            "steps": [(n, STEP_NAMES[n]) for n in range(1, 8)],
            "options": selectors.transition_options_for(user=user, enrollment=enrollment),
            "records": selectors.step_records_for(user=user, enrollment=enrollment),
            "show_application": permissions.may(user, "application.view", enrollment),
            "can_edit_application": permissions.may(user, "enrollment.edit_application", enrollment)
            and enrollment.state in ("draft", "returned"),
            "transition_form": TransitionForm(),
            **provisioning_context(user=user, enrollment=enrollment),
        },
    )


@login_required
def application_edit(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = selectors.enrollment_get_for(user=request.user, pk=enrollment_id)
    if not permissions.may(request.user, "enrollment.edit_application", enrollment):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    form = ApplicationForm(request.POST or None, instance=enrollment.application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                enrollment=enrollment, actor=request.user, data=form.cleaned_data
            )
        except RuleViolation as refusal:
            if refusal.status in (403, 404):
                raise
            form.add_error(
                refusal.field if refusal.field in form.fields else None, str(refusal.message)
            )
        else:
            messages.success(request, _("The application was saved."))
            return redirect("enrollment_detail", enrollment_id=enrollment.pk)
    return render(
        request,
        "enrollment/application_form.html",
        {
            "enrollment": enrollment,
            "form": form,
            "missing": [
                enrollment.application._meta.get_field(name).verbose_name
                for name in enrollment.application.missing_parts()
            ],
        },
    )


@login_required
@require_POST
def enrollment_transition(request: HttpRequest, enrollment_id: int, name: str) -> HttpResponse:
    enrollment = selectors.enrollment_get_for(user=request.user, pk=enrollment_id)
    back = reverse("enrollment_detail", args=[enrollment.pk])
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(back)
    data = services.TransitionInput(**form.cleaned_data)
    return run_action(
        request,
        lambda: services.enrollment_transition(
            enrollment=enrollment, name=name, actor=request.user, data=data
        ),
        success=_("Done: the case was updated."),
        back=back,
    )
