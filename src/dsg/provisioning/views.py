"""Pages for ③–⑥. Each POST validates its form, calls one service and goes back to the case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dsg.appointments.models import ACTIVE_STATES
from dsg.core.errors import RuleViolation
from dsg.core.forms import form_refused
from dsg.core.views import Confirmation, confirm_action
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.selectors import enrollment_get_for
from dsg.enrollment.views import FailedForm, case_page
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User
from dsg.registry.selectors import terminal_get_for

from . import ical, selectors, services, worklist
from .forms import (
    AccountHolderForm,
    AncillaryWorkForm,
    AppointmentForm,
    ConnectionTestForm,
    DoneForm,
    EmptyForm,
    IssuedForm,
    OtherDateForm,
    ReceivedForm,
    ReissueForm,
    RouterForm,
    ShipmentForm,
    SurveyForm,
    TerminalForm,
    VeinForm,
)
from .models import AccountHolderSource
from .templatetags.provisioning_forms import form_key

PANEL_ACTIONS = (
    "survey.record",
    "ancillary_work.add",
    "ancillary_work.mark_done",
    "terminal.register",
    "account_holder.add",
    "account.issue",
    "vein_registration.record",
    "connection_test.record",
    "appointment.propose",
    "appointment.respond",
    "appointment.close",
    "media.ship",
    "media.receive",
    "account_delivery.create",
    "account_delivery.reissue_request",
    "account_sheet.view",
    "router.identify",
)


def provisioning_context(*, user: User, enrollment: Enrollment) -> dict[str, Any]:
    """What the case page shows of ③–⑥, and which forms this user gets."""
    may = {
        action.replace(".", "_"): permissions.may(user, action, enrollment)
        for action in PANEL_ACTIONS
    }
    state = enrollment.state
    panel = selectors.case_panel_for(
        user=user,
        enrollment=enrollment,
        sheet=may["account_sheet_view"],  # whom the provider calls: the PSA and contacts
        people=may["account_holder_add"] and state == State.TERMINAL_SETUP,  # the holder form's
    )
    flags = {
        "in_survey": state == State.SURVEY,
        "in_setup": state == State.TERMINAL_SETUP,
        "in_provisioning": state in services.PROVISIONING_STATES,
        "media_open": state in services.MEDIA_STATES,
        "router_open": state == State.TERMINAL_SETUP,
    }
    holders = [row.holder for row in panel.holder_rows]
    return {
        "sheet": panel.sheet,
        "provisioning": panel.provisioning,
        "ancillary_works": panel.ancillary_works,
        "terminals": panel.terminals,
        "holders": holders,
        "holder_rows": panel.holder_rows,
        "ready_holders": [h for h in holders if h.ready_for_connection_test],
        "appointments": panel.appointments,
        "shipments": panel.shipments,
        "readiness": panel.readiness,
        "may": may,
        **flags,
        **_panel_forms(may, flags, enrollment, panel, holders),
    }


def _panel_forms(
    may: dict[str, bool],
    flags: dict[str, bool],
    enrollment: Enrollment,
    panel: selectors.CasePanel,
    holders: list[Any],
) -> dict[str, forms.Form | None]:
    """The panel's empty forms, each built only where the panel's template draws it: for those
    who may take its action, at the state that takes it (others get None, never drawn)."""
    survey, setup, people = flags["in_survey"], flags["in_setup"], panel.people
    shown: dict[str, tuple[bool, Callable[[], forms.Form]]] = {
        "survey_form": (survey and may["survey_record"], SurveyForm),
        "ancillary_form": (survey and may["ancillary_work_add"], AncillaryWorkForm),
        "done_form": (survey and may["ancillary_work_mark_done"], DoneForm),
        "terminal_form": (setup and may["terminal_register"], TerminalForm),
        "holder_form": (
            setup and may["account_holder_add"],
            lambda: AccountHolderForm(people=people),
        ),
        "reissue_form": (setup and may["account_delivery_reissue_request"], ReissueForm),
        "issued_form": (setup and may["account_issue"], IssuedForm),
        "vein_form": (setup and may["vein_registration_record"], VeinForm),
        "test_form": (
            setup and may["connection_test_record"],
            lambda: ConnectionTestForm(
                holders=[(h.pk, h.name) for h in holders if h.ready_for_connection_test]
            ),
        ),
        "appointment_form": (
            flags["in_provisioning"] and may["appointment_propose"],
            lambda: AppointmentForm(
                holders=[(h.pk, h.name) for h in holders if h.account_received],
                purposes=[
                    p for p, states in services.PROPOSE_STATES.items() if enrollment.state in states
                ],
            ),
        ),
        "other_date_form": (flags["in_provisioning"] and may["appointment_respond"], OtherDateForm),
        "router_form": (
            flags["router_open"] and may["router_identify"],
            lambda: RouterForm(
                initial={"router_model": panel.provisioning and panel.provisioning.router_model}
            ),
        ),
        "shipment_form": (flags["media_open"] and may["media_ship"], ShipmentForm),
        "received_form": (flags["media_open"] and may["media_receive"], ReceivedForm),
    }
    return {name: build() if drawn else None for name, (drawn, build) in shown.items()}


def _post(
    request: HttpRequest,
    form_class: Callable[..., forms.Form],
    enrollment: Enrollment,
    call: Callable[[dict[str, Any]], Any],
    success: str,
    *,
    anchor: str = "provisioning",
    key: str = "",
) -> HttpResponse:
    """Check the form and call the service; on success back to the case page's section. Bad
    input or a refusal draws the case page again with this form's errors beside its fields and
    in the error summary (422, nothing changed). ``key`` names the form on the page (its
    ``data-form``, and the row's id for a form repeated per row: ``account-issued:12``)."""
    back = reverse("enrollment_detail", args=[enrollment.pk]) + f"#{anchor}"
    key = key or anchor
    form = form_class(request.POST, auto_id=FailedForm.auto_id(key))
    if form.is_valid():
        try:
            call(dict(form.cleaned_data))
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            messages.success(request, success)
            return HttpResponseRedirect(back, status=303)
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment.pk)  # as it stands now
    return case_page(request, enrollment, failed=FailedForm(key=key, form=form))


@login_required
@require_POST
def survey_record(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return _post(
        request,
        SurveyForm,
        enrollment,
        lambda data: services.survey_record(enrollment=enrollment, actor=user, **data),
        _("The survey was recorded."),
        key="survey",
    )


@login_required
@require_POST
def ancillary_work_add(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return _post(
        request,
        AncillaryWorkForm,
        enrollment,
        lambda data: services.ancillary_work_add(enrollment=enrollment, actor=user, **data),
        _("The ancillary work was added."),
        key="work-add",
    )


@login_required
@require_POST
def terminal_register(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return _post(
        request,
        TerminalForm,
        enrollment,
        lambda data: services.terminal_register(enrollment=enrollment, actor=user, **data),
        _("The terminal was registered."),
        key="terminal",
    )


@login_required
def account_sheet(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """The accepted application's account holders, PSA and contacts: what the provider reads of
    the application to create the accounts (and nothing else of it)."""
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    sheet = selectors.account_sheet_for(user=user, enrollment=enrollment)
    return render(
        request,
        "provisioning/account_sheet.html",
        {
            "enrollment": enrollment,
            "sheet": sheet,
            "added": enrollment.account_holders.filter(
                source=AccountHolderSource.ADDED
            ).select_related("added_by"),
        },
    )


@login_required
@require_POST
def account_issue(request: HttpRequest, holder_id: int) -> HttpResponse:
    user = request_user(request)
    holder = selectors.account_holder_get_for(user=user, pk=holder_id)
    return _post(
        request,
        IssuedForm,
        holder.enrollment,
        lambda data: services.account_issue(holder=holder, actor=user, **data),
        _("The account was recorded as issued."),
        key=form_key("account-issued", holder.pk),
    )


@login_required
@require_POST
def vein_registration(request: HttpRequest, holder_id: int) -> HttpResponse:
    user = request_user(request)
    holder = selectors.account_holder_get_for(user=user, pk=holder_id)
    return _post(
        request,
        VeinForm,
        holder.enrollment,
        lambda data: services.vein_registration_record(holder=holder, actor=user, **data),
        _("The vein registration was recorded."),
        key=form_key("vein", holder.pk),
    )


@login_required
@require_POST
def connection_test_record(request: HttpRequest, terminal_id: int) -> HttpResponse:
    user = request_user(request)
    terminal = terminal_get_for(user=user, pk=terminal_id)

    def record(data: dict[str, Any]) -> Any:
        holder = selectors.account_holder_get_for(user=user, pk=data.pop("holder_id"))
        return services.connection_test_record(terminal=terminal, holder=holder, actor=user, **data)

    enrollment = selectors.case_of_terminal(terminal)
    holders = [(h.pk, h.name) for h in enrollment.account_holders.all()]
    return _post(
        request,
        lambda data, **kw: ConnectionTestForm(data, holders=holders, **kw),
        enrollment,
        record,
        _("The connection test was recorded."),
        key=form_key("connection-test", terminal.pk),
    )


# Appointments -----------------------------------------------------------------------------------
@login_required
@require_POST
def appointment_propose(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    holders = [(h.pk, str(h.person)) for h in enrollment.account_holders.select_related("person")]

    def propose(data: dict[str, Any]) -> Any:
        holder_id = data.pop("holder_id", None)
        holder = selectors.account_holder_get_for(user=user, pk=holder_id) if holder_id else None
        return services.appointment_propose(
            enrollment=enrollment, actor=user, holder=holder, **data
        )

    return _post(
        request,
        lambda data, **kw: AppointmentForm(data, holders=holders, **kw),
        enrollment,
        propose,
        _("The date was proposed to the company."),
        anchor="appointments",
        key="appointment-propose",
    )


def _appointment_action(
    request: HttpRequest,
    appointment_id: int,
    form_class: Callable[..., forms.Form],
    call: Callable[..., Any],
    success: str,
    *,
    name: str,
) -> HttpResponse:
    user = request_user(request)
    appointment = selectors.appointment_get_for(user=user, pk=appointment_id)
    return _post(
        request,
        form_class,
        selectors.case_of_appointment(appointment),
        lambda data: call(appointment=appointment, actor=user, **data),
        success,
        anchor="appointments",
        key=form_key(name, appointment.pk),
    )


@login_required
@require_POST
def appointment_confirm(request: HttpRequest, appointment_id: int) -> HttpResponse:
    return _appointment_action(
        request,
        appointment_id,
        EmptyForm,
        services.appointment_confirm,
        _("The date was confirmed."),
        name="appointment-confirm",
    )


@login_required
@require_POST
def appointment_other_date(request: HttpRequest, appointment_id: int) -> HttpResponse:
    return _appointment_action(
        request,
        appointment_id,
        OtherDateForm,
        services.appointment_request_other_date,
        _("The service provider was asked for another date."),
        name="appointment-other-date",
    )


@login_required
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """GET: what cancelling the date does and what the company is told (nothing changes);
    POST: cancel it, with the reason the company needs."""
    user = request_user(request)
    appointment = selectors.appointment_get_for(user=user, pk=appointment_id)
    enrollment = selectors.case_of_appointment(appointment)
    if not permissions.may(user, "appointment.close", appointment):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    case_url = reverse("enrollment_detail", args=[enrollment.pk])
    when = f"{timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}"
    confirmation = Confirmation(
        title=_("Cancel the appointment"),
        object_label=f"{appointment.get_purpose_display()} {when}",
        back=f"{case_url}#appointments",
        success=_("The appointment was cancelled."),
        consequence=(
            _(
                "The date ({when}) will not take place. A cancelled date cannot be confirmed "
                "again: propose a new date when one is needed."
            ).format(when=when),
        ),
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators receive a mail that the date "
                "was cancelled, with your reason."
            ),
        ),
        comment="required",
        comment_label=_("Reason"),
        crumbs=((enrollment.number, case_url),),
        refusal="" if appointment.state in ACTIVE_STATES else _("This date is no longer open."),
    )
    return confirm_action(
        request,
        confirmation,
        lambda data: services.appointment_cancel(
            appointment=appointment, actor=user, reason=data["comment"]
        ),
    )


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def appointment_ics(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get_for(user=request_user(request), pk=appointment_id)
    return _ics_response(
        ical.appointments_ics(selectors.case_of_appointment(appointment), [appointment]),
        f"dsg-appointment-{appointment.pk}.ics",
    )


@login_required
def enrollment_ics(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    appointments = selectors.appointments_of(user=user, enrollment=enrollment)
    return _ics_response(
        ical.appointments_ics(enrollment, appointments), f"{enrollment.number}.ics"
    )


# ⑤ router, ⑥ setup media and account information -----------------------------------------------
@login_required
@require_POST
def router_identity(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return _post(
        request,
        RouterForm,
        enrollment,
        lambda data: services.router_identity_record(
            enrollment=enrollment,
            actor=user,
            model_name=data["router_model"],
            serial=data["router_serial"],
            reason=data["reason"],
        ),
        _("The router was recorded."),
        key="router",
    )


@login_required
def account_delivery_open(request: HttpRequest, delivery_token: str) -> HttpResponse:
    """GET shows what the link is for; POST opens it once and shows the account information."""
    user = request_user(request)
    delivery = services.account_delivery_for(token=delivery_token, actor=user)
    context: dict[str, Any] = {"delivery": delivery, "enrollment": delivery.enrollment}
    status = 200
    if request.method == "POST":
        try:
            delivery, values = services.account_delivery_open(token=delivery_token, actor=user)
        except RuleViolation as refusal:
            if refusal.status in (403, 404):
                raise
            context["refusal"], status = refusal.message, refusal.status
        else:
            context.update(values=values, delivery=delivery)
    response = render(request, "provisioning/account_delivery.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer makes Origin null: CSRF fails
    return response


# The provider's dashboard ---------------------------------------------------------------------
PROVIDER_TASKS_PAGE = 25
MONTH_WARNINGS_SHOWN = 10  # the rest on their own page, provider_month_warnings


def provider_dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """The provider's tasks across all cases by date (paged) and the ④–⑦ month warnings."""
    user = request_user(request)
    if not permissions.may(user, "provider.tasks"):
        return {}
    rows = worklist.ProviderTaskList(user=user)  # kept compiled; a page and its count: one query
    asked = request.GET.get("tasks_page") or "1"
    if asked.isdigit() and 1 <= len(asked) <= 9 and int(asked) >= 1:
        rows.expect((int(asked) - 1) * PROVIDER_TASKS_PAGE, PROVIDER_TASKS_PAGE)
    listed = cast(list[dict[str, Any]], rows)  # a sequence the paginator counts and cuts
    page = Paginator(listed, PROVIDER_TASKS_PAGE).get_page(asked)
    # The ④–⑦ warnings: their count and the first ones, read from the rule kept on the case (#14).
    count, first = worklist.provider_month_rule_first(user=user, limit=MONTH_WARNINGS_SHOWN)
    shown = worklist.month_warnings_of(first) if count else []
    return {
        "provider_tasks": worklist.provider_tasks_complete(list(page.object_list)),
        "provider_tasks_page": page,
        "month_warnings": shown,
        "month_warnings_count": count,
    }
