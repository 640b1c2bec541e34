from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dsg.enrollment.forms import DateInput

from .models import AppointmentPurpose, VeinRegistrationMethod


class InlineForm(forms.Form):
    """A short form on the case page, often repeated once per row: rendered without ids (labels
    wrap their inputs, see provisioning/_inline_fields.html) so that no id is duplicated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class EmptyForm(InlineForm):
    """A button without fields."""


class SurveyForm(InlineForm):
    surveyed_on = forms.DateField(
        label=_("Surveyed on"),
        widget=DateInput(),
        help_text=_("The day of the site survey (現場調査), not a later day."),
    )
    route_notes = forms.CharField(
        label=_("Line route notes"),
        required=False,
        help_text=_("Where the line will run into the building, as agreed on site."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AncillaryWorkForm(InlineForm):
    description = forms.CharField(
        label=_("Ancillary work (付帯工事) the company must do"),
        max_length=300,
        help_text=_(
            "One item of work at the company's premises, at its cost (for example a conduit). "
            "Line construction waits until every item is done."
        ),
    )


class DoneForm(InlineForm):
    done_on = forms.DateField(
        label=_("Done on"), widget=DateInput(), help_text=_("The day the work was finished.")
    )


class TerminalForm(InlineForm):
    name = forms.CharField(
        label=_("Terminal name"),
        max_length=100,
        help_text=_("The name the site gives the terminal, unique at the site."),
    )
    model_name = forms.CharField(label=_("Model"), max_length=100)
    serial_number = forms.CharField(
        label=_("Serial number"),
        max_length=100,
        help_text=_("As printed on the terminal's label."),
    )


class AccountHolderForm(InlineForm):
    """The PSA adds an account holder the accepted application did not name: a portal user of
    the company, or anyone by name and email; the reason is kept."""

    person_id = forms.TypedChoiceField(
        label=_("Portal user"), coerce=int, required=False, empty_value=None
    )
    name = forms.CharField(label=_("Name (if not a portal user)"), max_length=100, required=False)
    department = forms.CharField(label=_("Department"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("Email (if not a portal user)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why the application did not name them"),
        max_length=2000,
        help_text=_("Kept with the holder and in the ledger; the service provider reads it."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, people: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["person_id"]).choices = [("", "—"), *people]


class ReissueForm(InlineForm):
    reason = forms.CharField(label=_("What happened (optional)"), required=False, max_length=2000)


class IssuedForm(InlineForm):
    issued_on = forms.DateField(
        label=_("Account issued on"),
        widget=DateInput(),
        help_text=_("The day the account was created, not a later day."),
    )


class VeinForm(InlineForm):
    registered_on = forms.DateField(
        label=_("Registered on"),
        widget=DateInput(),
        help_text=_("The day the veins were registered (静脈認証登録)."),
    )
    method = forms.ChoiceField(label=_("Where"), choices=VeinRegistrationMethod.choices)


class ConnectionTestForm(InlineForm):
    """A terminal's connection test (接続テスト): with whose received account, when, the result."""

    holder_id = forms.IntegerField(
        label=_("Account holder"),
        help_text=_("Whose received account was used: they must have registered their veins."),
    )
    tested_on = forms.DateField(label=_("Tested on"), widget=DateInput())
    passed = forms.TypedChoiceField(
        label=_("Result"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Passed")), ("0", _("Failed"))],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args: Any, holders: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if holders:  # the holders ready for the test, to choose from
            self.fields["holder_id"].widget = forms.Select(choices=list(holders))


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class AppointmentForm(InlineForm):
    purpose = forms.ChoiceField(label=_("Appointment for"), choices=AppointmentPurpose.choices)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=DateTimeInput(),
        input_formats=DATETIME_FORMATS,
        help_text=_("A business day, between 8:00 and 19:00 (Japan time)."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        required=False,
        widget=DateTimeInput(),
        input_formats=DATETIME_FORMATS,
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=300)
    holder_id = forms.TypedChoiceField(
        label=_("Person (vein registration only)"), required=False, coerce=int, empty_value=None
    )
    vein_method = forms.ChoiceField(
        label=_("Where (vein registration only)"),
        required=False,
        choices=[("", "—"), *VeinRegistrationMethod.choices],
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)

    def __init__(
        self,
        *args: Any,
        holders: Sequence[tuple[int, str]] = (),
        purposes: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["holder_id"]).choices = [("", "—"), *holders]
        if purposes is not None:  # only what may be proposed at the case's step
            cast(forms.ChoiceField, self.fields["purpose"]).choices = [
                (value, label) for value, label in AppointmentPurpose.choices if value in purposes
            ]


class OtherDateForm(InlineForm):
    message = forms.CharField(
        label=_("Message: which dates suit you"),
        max_length=2000,
        help_text=_("For example: weekday mornings in the week of the 10th."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(InlineForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class RouterForm(InlineForm):
    """After ⑤: the router's model; its serial number was entered with the installation and is
    corrected here only with a reason."""

    router_model = forms.CharField(
        label=_("Router model"),
        max_length=100,
        help_text=_("As printed on the router's label."),
    )
    router_serial = forms.CharField(
        label=_("Corrected serial number (only if it was entered wrongly)"),
        max_length=100,
        required=False,
        help_text=_("Leave it empty when the serial number shown above is right."),
    )
    reason = forms.CharField(label=_("Reason for the correction"), max_length=2000, required=False)


class ShipmentForm(InlineForm):
    media = forms.CharField(label=_("Media"), max_length=100, initial="DVD-ROM")  # type: ignore[assignment]  # django-stubs miss that the form metaclass moves fields to base_fields: Form.media stays the Media property
    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=100,
        help_text=_("The carrier's number, by which the PSA can follow the parcel."),
    )
    shipped_on = forms.DateField(label=_("Shipped on"), widget=DateInput())


class ReceivedForm(InlineForm):
    received_on = forms.DateField(
        label=_("Received on"),
        widget=DateInput(),
        help_text=_("The day the parcel arrived, not a later day."),
    )


class AccountDeliveryForm(InlineForm):
    username = forms.CharField(
        label=_("User ID"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("The PSA receives it through a one-time link, never in the mail itself."),
    )
    password = forms.CharField(
        label=_("Initial password"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
