from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dsg.enrollment.forms import DateInput

from .models import VeinRegistrationMethod


class InlineForm(forms.Form):
    """A short form on the case page, often repeated once per row: rendered without ids (labels
    wrap their inputs, see provisioning/_inline_fields.html) so that no id is duplicated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class SurveyForm(InlineForm):
    surveyed_on = forms.DateField(label=_("Surveyed on"), widget=DateInput())
    route_notes = forms.CharField(
        label=_("Line route notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AncillaryWorkForm(InlineForm):
    description = forms.CharField(
        label=_("Ancillary work (付帯工事) the company must do"), max_length=300
    )


class DoneForm(InlineForm):
    done_on = forms.DateField(label=_("Done on"), widget=DateInput())


class TerminalForm(InlineForm):
    name = forms.CharField(label=_("Terminal name"), max_length=100)
    model_name = forms.CharField(label=_("Model"), max_length=100)
    serial_number = forms.CharField(label=_("Serial number"), max_length=100)


class AccountHolderForm(InlineForm):
    person_id = forms.TypedChoiceField(label=_("Person"), coerce=int)

    def __init__(self, *args: Any, people: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person_id"].choices = list(people)


class IssuedForm(InlineForm):
    issued_on = forms.DateField(label=_("Account issued on"), widget=DateInput())


class VeinForm(InlineForm):
    registered_on = forms.DateField(label=_("Registered on"), widget=DateInput())
    method = forms.ChoiceField(label=_("Where"), choices=VeinRegistrationMethod.choices)


class ConnectionTestForm(InlineForm):
    holder_id = forms.IntegerField(label=_("Account holder"))
    tested_on = forms.DateField(label=_("Tested on"), widget=DateInput())
    passed = forms.TypedChoiceField(
        label=_("Result"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Passed")), ("0", _("Failed"))],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
