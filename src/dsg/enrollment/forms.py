from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.documents.forms import dated_on_field
from dsg.documents.models import DocumentKind
from dsg.orgs.forms import (
    CorporateNumberField,
    PhoneField,
    PostalCodeField,
    address_attrs,
    clean_addresses,
    note_unknown_postal_codes,
)

from .models import Application, FacilityBasis
from .parts import PARTS, Part


class DateInput(forms.DateInput):
    input_type = "date"


WIDGETS: dict[str, Any] = {
    "desired_start": DateInput(),
    "contract_expected_on": DateInput(),
    "track_record": forms.Textarea(attrs={"rows": 3}),
    "schedule_request": forms.Textarea(attrs={"rows": 3}),
    "facility_description": forms.Textarea(attrs={"rows": 3}),
    "facility_basis": forms.RadioSelect(),
    "company_corporate_number": forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off"}
    ),
    "company_postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
    "site_postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
    "psa_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    "psa_email": forms.EmailInput(attrs={"autocomplete": "email"}),
}


# Set on the fields a part needs before it is submitted; the part's template marks them.
REQUIRED_TO_SUBMIT = "required_to_submit"
# Numbers typed as people type them in Japan (全角, 〒, ー): normalised, then validated.
FIELD_CLASSES: dict[str, type[forms.Field]] = {
    "company_corporate_number": CorporateNumberField,
    "company_postal_code": PostalCodeField,
    "site_postal_code": PostalCodeField,
    "psa_phone": PhoneField,
}
# The company's and the site's (postal code, prefecture): the prefecture follows the code.
ADDRESSES = (
    ("company_postal_code", "company_prefecture"),
    ("site_postal_code", "site_prefecture"),
)
NOT_BEFORE_TODAY = ("desired_start", "contract_expected_on")


def part_form_class(part: Part) -> type[forms.ModelForm]:
    """A ModelForm with the fields of one part of the application."""

    class PartForm(forms.ModelForm):
        class Meta:
            model = Application
            fields = list(part.fields)
            widgets = {name: w for name, w in WIDGETS.items() if name in part.fields}
            field_classes = {n: c for n, c in FIELD_CLASSES.items() if n in part.fields}

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            address_attrs(self, ADDRESSES)
            note_unknown_postal_codes(self, ADDRESSES)
            for name in NOT_BEFORE_TODAY:
                if name in self.fields:
                    self.fields[name].widget.attrs["min"] = timezone.localdate().isoformat()
            if "planned_terminals" in self.fields:
                self.fields["planned_terminals"].widget.attrs.update(min=1, max=999)
            if "facility_basis" in self.fields:
                # A radio group needs no "---------" choice: none checked means not answered.
                facility_basis = cast(forms.ChoiceField, self.fields["facility_basis"])
                facility_basis.choices = FacilityBasis.choices
            # Saving a draft needs nothing; submitting needs the part's required fields.
            for name in part.required:
                setattr(self.fields[name], REQUIRED_TO_SUBMIT, True)

        def clean(self) -> dict[str, Any]:
            super().clean()
            clean_addresses(self, ADDRESSES)
            return self.cleaned_data

    return PartForm


# Another person's telephone and mail (a contact, an account holder): typed as such (the phone's
# keypad, the mail's @), never filled in with the PSA's own details by the browser.
OTHERS_PHONE = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"})
OTHERS_EMAIL = forms.EmailInput(attrs={"autocomplete": "off"})


class ContactForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100, required=False)
    department = forms.CharField(label=_("department"), max_length=200, required=False)
    phone = PhoneField(label=_("telephone"), max_length=20, required=False, widget=OTHERS_PHONE)
    email = forms.EmailField(label=_("email address"), required=False, widget=OTHERS_EMAIL)

    def is_blank(self) -> bool:
        return not any(str(v or "").strip() for v in self.cleaned_data.values())


ContactFormSet = forms.formset_factory(ContactForm, extra=2, max_num=10, absolute_max=10)


class ApplicationAccountHolderForm(forms.Form):
    """One account holder (アカウント利用者) of the application."""

    name = forms.CharField(label=_("name"), max_length=100, required=False)
    department = forms.CharField(label=_("department"), max_length=200, required=False)
    email = forms.EmailField(label=_("email address"), required=False, widget=OTHERS_EMAIL)

    def is_blank(self) -> bool:
        return not any(str(v or "").strip() for v in self.cleaned_data.values())


AccountHolderFormSet = forms.formset_factory(
    ApplicationAccountHolderForm, extra=2, max_num=20, absolute_max=20
)


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"))
    file = forms.FileField(label=_("File (PDF)"))
    password = forms.CharField(
        label=_("Password of the PDF, if it has one"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
    )
    dated_on = dated_on_field()

    def __init__(self, *args: Any, kinds: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if DocumentKind.AUDIT_RESULT not in kinds:
            del self.fields["dated_on"]
        labels = dict(DocumentKind.choices)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, labels[k]) for k in kinds]


class ReviewCommentForm(forms.Form):
    part = forms.ChoiceField(label=_("Part of the application"))
    text = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Say what to correct. The company reads it beside this part once the application "
            "is returned for correction (補正)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["part"]).choices = [(p.key, p.label) for p in PARTS] + [
            ("general", _("The application as a whole"))
        ]


class WorkbookImportForm(forms.Form):
    file = forms.FileField(
        label=_("Application workbook (.xlsx)"),
        help_text=_("The workbook downloaded here, filled in (at most 5 MB)."),
    )


class TransitionForm(forms.Form):
    """The fields a step of the case page asks for (its payload): drawn by core/_field.html, the
    form sent back in error with its errors beside them (#12)."""

    html_id = ""  # the step's <form> (transition-<name>): where a refusal of no field is linked

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the case's history; the other side reads it."),
        error_messages={"required": _("Please enter a comment: it is required for this action.")},
    )
    performed_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput(),
        help_text=_("The day this was done: today or earlier."),
        error_messages={"required": _("Please enter the date on which this was done.")},
    )
    router_serial = forms.CharField(
        label=_("Router serial number"),
        required=False,
        max_length=100,
        help_text=_("As printed on the router's label."),
        error_messages={"required": _("Please enter the router's serial number.")},
    )


def transition_form_for(
    payload: dict[str, bool], data: Any = None, *, auto_id: str = "id_%s"
) -> TransitionForm:
    """The TransitionForm of one step: only the fields its ``payload`` names, each required as
    it says (the case page's form and the step's confirmation page draw the same fields)."""
    form = TransitionForm(data, auto_id=auto_id)
    for name in list(form.fields):
        if name not in payload:
            del form.fields[name]
        else:
            form.fields[name].required = payload[name]
    return form


class DeemByAuditForm(forms.Form):
    """② deemed done by an earlier audit result (監査結果): which notice stands in for the visit,
    and the comment the case's history keeps."""

    document_id = forms.TypedChoiceField(
        label=_("Audit-result notice that stands in for the visit"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        required=False,  # the service says it is required, beside the field
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the audit result stands in for the visit; kept in the case's history."),
    )

    def __init__(self, *args: Any, documents: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(d.pk, d.filename) for d in documents]
        cast(forms.ChoiceField, self.fields["document_id"]).choices = choices
