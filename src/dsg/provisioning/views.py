"""Pages for ③–⑥. Each POST validates its form, calls one service and goes back to the case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dsg.core.views import form_error_text, run_action
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.selectors import enrollment_get_for
from dsg.orgs import permissions
from dsg.orgs.models import Role, User

from . import selectors, services
from .forms import (
    AccountHolderForm,
    AncillaryWorkForm,
    ConnectionTestForm,
    DoneForm,
    IssuedForm,
    SurveyForm,
    TerminalForm,
    VeinForm,
)


def provisioning_context(*, user: User, enrollment: Enrollment) -> dict[str, Any]:
    """What the case page shows of ③–⑥, and which forms this user gets."""
    if enrollment.step < 3:
        return {}
    people = [
        (p.pk, str(p))
        for p in User.objects.filter(
            organization_id=enrollment.site.company_id, role__in=(Role.PSA, Role.DELEGATE)
        )
    ]
    may = {
        action.replace(".", "_"): permissions.may(user, action, enrollment)
        for action in (
            "survey.record",
            "ancillary_work.add",
            "ancillary_work.mark_done",
            "terminal.register",
            "account_holder.add",
            "account.issue",
            "vein_registration.record",
            "connection_test.record",
        )
    }
    return {
        "provisioning": getattr(enrollment, "provisioning", None),
        "ancillary_works": enrollment.ancillary_works.all(),
        "terminals": selectors.terminals_of(enrollment),
        "holders": enrollment.account_holders.select_related("person"),
        "may": may,
        "in_survey": enrollment.state == State.SURVEY,
        "in_setup": enrollment.state == State.TERMINAL_SETUP,
        "survey_form": SurveyForm(),
        "ancillary_form": AncillaryWorkForm(),
        "done_form": DoneForm(),
        "terminal_form": TerminalForm(),
        "holder_form": AccountHolderForm(people=people) if may["account_holder_add"] else None,
        "issued_form": IssuedForm(),
        "vein_form": VeinForm(),
        "test_form": ConnectionTestForm(),
    }


def _post(
    request: HttpRequest,
    form_class: type[forms.Form],
    enrollment: Enrollment,
    call: Callable[[dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    back = reverse("enrollment_detail", args=[enrollment.pk]) + "#provisioning"
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(back, status=303)
    return run_action(request, lambda: call(form.cleaned_data), success=success, back=back)


@login_required
@require_POST
def survey_record(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return _post(
        request,
        SurveyForm,
        enrollment,
        lambda data: services.survey_record(enrollment=enrollment, actor=request.user, **data),
        _("The survey was recorded."),
    )


@login_required
@require_POST
def ancillary_work_add(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return _post(
        request,
        AncillaryWorkForm,
        enrollment,
        lambda data: services.ancillary_work_add(enrollment=enrollment, actor=request.user, **data),
        _("The ancillary work was added."),
    )


@login_required
@require_POST
def ancillary_work_done(request: HttpRequest, work_id: int) -> HttpResponse:
    work = selectors.ancillary_work_get_for(user=request.user, pk=work_id)
    return _post(
        request,
        DoneForm,
        work.enrollment,
        lambda data: services.ancillary_work_mark_done(work=work, actor=request.user, **data),
        _("The ancillary work was marked as done."),
    )


@login_required
@require_POST
def terminal_register(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    return _post(
        request,
        TerminalForm,
        enrollment,
        lambda data: services.terminal_register(enrollment=enrollment, actor=request.user, **data),
        _("The terminal was registered."),
    )


@login_required
@require_POST
def account_holder_add(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = enrollment_get_for(user=request.user, pk=enrollment_id)
    back = reverse("enrollment_detail", args=[enrollment.pk]) + "#provisioning"
    try:
        person_id = int(request.POST.get("person_id", ""))
    except ValueError:
        messages.error(request, _("Choose a person."))
        return HttpResponseRedirect(back, status=303)
    return run_action(
        request,
        lambda: services.account_holder_add(
            enrollment=enrollment, actor=request.user, person_id=person_id
        ),
        success=_("The account holder was added."),
        back=back,
    )


@login_required
@require_POST
def account_issue(request: HttpRequest, holder_id: int) -> HttpResponse:
    holder = selectors.account_holder_get_for(user=request.user, pk=holder_id)
    return _post(
        request,
        IssuedForm,
        holder.enrollment,
        lambda data: services.account_issue(holder=holder, actor=request.user, **data),
        _("The account was recorded as issued."),
    )


@login_required
@require_POST
def vein_registration(request: HttpRequest, holder_id: int) -> HttpResponse:
    holder = selectors.account_holder_get_for(user=request.user, pk=holder_id)
    return _post(
        request,
        VeinForm,
        holder.enrollment,
        lambda data: services.vein_registration_record(holder=holder, actor=request.user, **data),
        _("The vein registration was recorded."),
    )


@login_required
@require_POST
def connection_test_record(request: HttpRequest, terminal_id: int) -> HttpResponse:
    terminal = selectors.terminal_get_for(user=request.user, pk=terminal_id)

    def record(data: dict[str, Any]) -> Any:
        holder = selectors.account_holder_get_for(user=request.user, pk=data.pop("holder_id"))
        return services.connection_test_record(
            terminal=terminal, holder=holder, actor=request.user, **data
        )

    return _post(
        request,
        ConnectionTestForm,
        terminal.enrollment,
        record,
        _("The connection test was recorded."),
    )
