from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Application, FacilityBasis


class DateInput(forms.DateInput):
    input_type = "date"


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "track_record",
            "facility_basis",
            "equipment_confirmed",
            "planned_terminals",
            "desired_start",
            "contract_name",
            "contract_expected_on",
            "schedule_request",
        ]
        widgets = {
            "desired_start": DateInput(),
            "contract_expected_on": DateInput(),
            "track_record": forms.Textarea(attrs={"rows": 3}),
            "schedule_request": forms.Textarea(attrs={"rows": 3}),
            "facility_basis": forms.RadioSelect(),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["planned_terminals"].widget.attrs.update(min=1, max=999)
        # A radio group needs no "---------" choice: none checked means "not answered yet".
        self.fields["facility_basis"].choices = FacilityBasis.choices
        # Saving a draft needs nothing; submitting needs what an empty application misses.
        for name in Application().missing_parts():
            self.fields[name].required_to_submit = True  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    performed_on = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    router_serial = forms.CharField(label=_("Router serial number"), required=False, max_length=100)
