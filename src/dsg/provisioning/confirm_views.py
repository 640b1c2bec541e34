"""The records of ③–⑥ that cannot be taken back (#12: nothing irreversible by one click): each
through its confirmation page (``core.views.confirm_action``). The case page's form keeps posting
where it posts: without the page's ``confirmed`` it draws the page with the values it carried;
GET draws it; confirmed, the service is called; bad input or a refusal is said beside its field
on the page (422). What stays one POST, and why, is in docs/workflows/provider.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dsg.appointments.models import AppointmentState
from dsg.core.errors import RuleViolation
from dsg.core.forms import CONFIRMED
from dsg.core.views import Confirmation, confirm_action
from dsg.enrollment.models import Enrollment
from dsg.enrollment.selectors import enrollment_get_for
from dsg.enrollment.views import FailedForm
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User

from . import selectors, services
from .forms import (
    AccountDeliveryForm,
    AccountHolderForm,
    DoneForm,
    EmptyForm,
    ReceivedForm,
    ReissueForm,
    ShipmentForm,
)
from .templatetags.provisioning_forms import form_key

_NOT_ALLOWED = gettext_lazy("Your role is not allowed to do this.")


def _confirmed(
    request: HttpRequest,
    *,
    enrollment: Enrollment,
    allowed: bool,
    form: Callable[..., forms.Form],
    key: str,
    call: Callable[[dict[str, Any]], Any],
    anchor: str,
    **says: Any,
) -> HttpResponse:
    """One record through its confirmation page: ``says`` is the Confirmation's title, success,
    consequence, told and told_who (and a refusal when it can no longer be taken)."""
    if not allowed:
        raise RuleViolation(str(_NOT_ALLOWED), code="forbidden", status=403)
    case_url = reverse("enrollment_detail", args=[enrollment.pk])
    confirmation = Confirmation(
        object_label=enrollment.number,
        back=f"{case_url}#{anchor}",
        danger=False,
        crumbs=((enrollment.number, case_url),),
        **says,
    )
    return confirm_action(
        request,
        confirmation,
        lambda data: call({k: v for k, v in data.items() if k != CONFIRMED}),
        form=lambda data: form(data, auto_id=FailedForm.auto_id(key)),
    )


@login_required
def media_ship(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """⑥ The provider records the setup media shipped: the PSA is mailed to confirm receipt."""
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    return _confirmed(
        request,
        enrollment=enrollment,
        allowed=permissions.may(user, "media.ship", enrollment),
        form=ShipmentForm,
        key="media-ship",
        call=lambda data: services.media_ship(enrollment=enrollment, actor=user, **data),
        anchor="setup-media",
        title=_("Record the shipment of the setup media"),
        success=_("The shipment of the setup media was recorded."),
        consequence=(
            _(
                "The shipment is recorded as entered (media, carrier, tracking number, day "
                "shipped) and cannot be changed or withdrawn afterwards; another shipment is "
                "recorded as a new one."
            ),
            _("The company then confirms in the portal the day the parcel arrived."),
        ),
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators receive a mail with the carrier "
                "and the tracking number, asking them to confirm the receipt in the portal."
            ),
        ),
    )


@login_required
def media_receive(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """⑥ The PSA confirms the setup media received, once."""
    user = request_user(request)
    shipment = selectors.shipment_get_for(user=user, pk=shipment_id)
    return _confirmed(
        request,
        enrollment=shipment.enrollment,
        allowed=permissions.may(user, "media.receive", shipment),
        form=ReceivedForm,
        key=form_key("media-received", shipment.pk),
        call=lambda data: services.media_receive(shipment=shipment, actor=user, **data),
        anchor="setup-media",
        title=_("Confirm the receipt of the setup media"),
        success=_("The receipt of the setup media was confirmed."),
        consequence=(
            _(
                "The setup media ({media}, tracking number {tracking}) is recorded as received "
                "on the day entered; the receipt cannot be changed afterwards."
            ).format(media=shipment.media, tracking=shipment.tracking_number),
        ),
        told_who=_("the service provider"),
        told=(_("No mail is sent: the service provider sees the receipt on the case page."),),
        refusal=_("The receipt of this shipment is already confirmed.")
        if shipment.received_on is not None
        else "",
    )


@login_required
def ancillary_work_done(request: HttpRequest, work_id: int) -> HttpResponse:
    """③ The PSA records an ancillary work (付帯工事) of the company done, once."""
    user = request_user(request)
    work = selectors.ancillary_work_get_for(user=user, pk=work_id)
    return _confirmed(
        request,
        enrollment=work.enrollment,
        allowed=permissions.may(user, "ancillary_work.mark_done", work),
        form=DoneForm,
        key=form_key("work-done", work.pk),
        call=lambda data: services.ancillary_work_mark_done(work=work, actor=user, **data),
        anchor="provisioning",
        title=_("Mark the ancillary work as done (付帯工事)"),
        success=_("The ancillary work was marked as done."),
        consequence=(
            _(
                "The ancillary work “{work}” is recorded as done on the day entered; this "
                "cannot be undone or changed afterwards."
            ).format(work=work.description),
            _(
                "Once every ancillary work is done, the service provider can finish the site "
                "survey (③) and start the line construction (④)."
            ),
        ),
        told_who=_("the service provider"),
        told=(_("No mail is sent: the service provider sees it on the case page."),),
        refusal=_("This ancillary work is already marked as done.") if work.done_on else "",
    )


@login_required
def account_holder_add(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """⑥ The PSA adds an account holder the application did not name: the provider is mailed to
    create their account."""
    user = request_user(request)
    enrollment = enrollment_get_for(user=user, pk=enrollment_id)
    people = [
        (p.pk, str(p)) for p in User.objects.filter(organization_id=enrollment.site.company_id)
    ]
    return _confirmed(
        request,
        enrollment=enrollment,
        allowed=permissions.may(user, "account_holder.add", enrollment),
        form=lambda data, **kw: AccountHolderForm(data, people=people, **kw),
        key="holder",
        call=lambda data: services.account_holder_add(enrollment=enrollment, actor=user, **data),
        anchor="accounts",
        title=_("Add an account holder (アカウント利用者)"),
        success=_("The account holder was added; the service provider was told."),
        consequence=(
            _(
                "The person is added as an account holder of this case, with your reason; an "
                "account holder cannot be removed afterwards."
            ),
        ),
        told_who=_("the service provider"),
        told=(
            _(
                "The service provider's staff receive a mail asking them to create the account "
                "information of the person added."
            ),
        ),
    )


@login_required
def account_delivery_reissue_request(request: HttpRequest, holder_id: int) -> HttpResponse:
    """⑥ The PSA asks for a holder's account information again: the waiting link stops."""
    user = request_user(request)
    holder = selectors.account_holder_get_for(user=user, pk=holder_id)
    return _confirmed(
        request,
        enrollment=holder.enrollment,
        allowed=permissions.may(user, "account_delivery.reissue_request", holder),
        form=ReissueForm,
        key=form_key("reissue-request", holder.pk),
        call=lambda data: services.account_delivery_reissue_request(
            holder=holder, actor=user, **data
        ),
        anchor="accounts",
        title=_("Ask for the account information again"),
        success=_(
            "The service provider was asked to issue the account information again; the earlier "
            "link no longer works."
        ),
        consequence=(
            _(
                "The one-time link of {name}'s account information that was not opened yet "
                "stops working at once; the request cannot be withdrawn."
            ).format(name=holder.name),
        ),
        told_who=_("the service provider"),
        told=(
            _(
                "The service provider's staff receive a mail asking them to issue the account "
                "information again; it reaches you with a new one-time link."
            ),
        ),
        refusal=_("The account information of this holder was already asked for again.")
        if holder.reissue_requested_at is not None
        else "",
    )


@login_required
def account_delivery_create(request: HttpRequest, holder_id: int) -> HttpResponse:
    """⑥ The provider sends a holder's account information: stored encrypted, the PSA mailed a
    one-time link. The case page links here: the user ID and password are typed on this page
    (never echoed back: a refusal asks for the password again), which no cache keeps."""
    user = request_user(request)
    holder = selectors.account_holder_get_for(user=user, pk=holder_id)

    response = _confirmed(
        request,
        enrollment=holder.enrollment,
        allowed=permissions.may(user, "account_delivery.create", holder),
        form=AccountDeliveryForm,
        key=form_key("account-delivery", holder.pk),
        call=lambda data: services.account_delivery_create(holder=holder, actor=user, **data),
        anchor="accounts",
        title=_("Send the account information (アカウント情報)"),
        success=_("The account information is stored; the PSA was sent a one-time link by mail."),
        consequence=(
            _(
                "The user ID and the initial password of {name} are stored encrypted and the "
                "account is recorded as issued; they cannot be taken back."
            ).format(name=holder.name),
            _(
                "A link of an earlier delivery that was not opened yet stops working: to correct "
                "a mistake, send the information again."
            ),
        ),
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators receive a mail with a one-time "
                "link, valid for {days} days; the mail never holds the user ID or the password."
            ).format(days=services.account_link_days()),
        ),
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def appointment_done(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """③–⑥ The provider records that a confirmed date took place: it is closed for good."""
    user = request_user(request)
    appointment = selectors.appointment_get_for(user=user, pk=appointment_id)
    enrollment = selectors.case_of_appointment(appointment)
    when = f"{timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}"
    return _confirmed(
        request,
        enrollment=enrollment,
        allowed=permissions.may(user, "appointment.close", appointment),
        form=EmptyForm,
        key=form_key("appointment-done", appointment.pk),
        call=lambda _data: services.appointment_mark_done(appointment=appointment, actor=user),
        anchor="appointments",
        title=_("Mark the appointment as done"),
        success=_("The appointment was marked as done."),
        consequence=(
            _(
                "The date ({purpose}, {when}) is recorded as having taken place and is closed: "
                "it cannot be reopened. For a vein registration, the registration is recorded "
                "too."
            ).format(purpose=appointment.get_purpose_display(), when=when),
        ),
        told_who=_("the company"),
        told=(_("No mail is sent: the company sees it on the case page."),),
        refusal=""
        if appointment.state == AppointmentState.CONFIRMED
        else _("This date is no longer open."),
    )
