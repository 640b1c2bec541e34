from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from dsg.notifications.kinds import DECIDED_BY_OFFICE
from dsg.notifications.models import MailCategory

from .japan import (
    NUMBER_INPUT_MAX,
    normalize_corporate_number,
    normalize_phone,
    normalize_postal_code,
    postal_address,
    postal_code_unknown_note,
    prefecture_for_postal_code,
)
from .models import MAIL_LANGUAGES, ApiToken, Organization, Site

# Numbers as people type them ------------------------------------------------------------------


class NormalizedCharField(forms.CharField):
    """A number typed as people type it in Japan (全角, 〒, ー): normalised before its length and
    format are checked, and cleaned to the normalised form that is stored."""

    normalize: Callable[[str], str] = staticmethod(normalize_phone)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return type(self).normalize(value) if isinstance(value, str) and value else value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # The browser must let through what is typed before it is normalised (〒162‐0845).
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["maxlength"] = str(NUMBER_INPUT_MAX)
        return attrs


class CorporateNumberField(NormalizedCharField):
    normalize = staticmethod(normalize_corporate_number)


class PostalCodeField(NormalizedCharField):
    normalize = staticmethod(normalize_postal_code)


class PhoneField(NormalizedCharField):
    normalize = staticmethod(normalize_phone)


POSTAL_LOOKUP_URL = reverse_lazy("postal_code_lookup")


def postal_code_attrs(prefecture_id: str, address_id: str) -> dict[str, Any]:
    """The attributes by which static/dsg/postal.js fills the prefecture and the city/town."""
    return {
        "autocomplete": "postal-code",
        "data-postal-lookup": POSTAL_LOOKUP_URL,
        "data-postal-prefecture": prefecture_id,
        "data-postal-address": address_id,
    }


def _input_id(form: forms.BaseForm, name: str) -> str:
    """The id of a field's input, as BoundField.auto_id gives it (without binding the field,
    whose help text would then be fixed before the form sets it)."""
    if name not in form.fields or not form.auto_id:
        return ""
    html_name = form.add_prefix(name)
    return str(form.auto_id) % html_name if "%s" in str(form.auto_id) else html_name


def address_attrs(form: forms.BaseForm, pairs: tuple[tuple[str, str], ...]) -> None:
    """Point each postal code input at its prefecture and address inputs (for postal.js)."""
    for postal, prefecture in pairs:
        address = postal.replace("postal_code", "address")
        if postal in form.fields:
            ids = [_input_id(form, name) for name in (prefecture, address)]
            form.fields[postal].widget.attrs.update(postal_code_attrs(*ids))


def note_unknown_postal_codes(form: forms.BaseForm, pairs: tuple[tuple[str, str], ...]) -> None:
    """A stored postal code unknown to Japan Post's data is accepted: say so under its field."""
    for postal, _prefecture in pairs:
        code = form.initial.get(postal)
        if postal in form.fields and code and postal_address(code) is None:
            form.fields[postal].help_text = postal_code_unknown_note(code)


def prefectures_filled(
    data: Any, pairs: tuple[tuple[str, str], ...], prefix: str | None = None
) -> Any:
    """The submitted ``data`` with each empty prefecture filled from its postal code (the page
    without JavaScript), before the form validates it: a required prefecture stays required
    when the postal code cannot fill it."""
    if data is None:
        return data
    for postal, prefecture in pairs:
        postal_key, prefecture_key = (
            f"{prefix}-{n}" if prefix else n for n in (postal, prefecture)
        )
        code = data.get(postal_key)
        if not data.get(prefecture_key) and isinstance(code, str) and code:
            found = postal_address(code)
            if found is not None and found.prefecture:
                data = data.copy()
                data[prefecture_key] = found.prefecture
    return data


def clean_addresses(form: forms.BaseForm, pairs: tuple[tuple[str, str], ...]) -> None:
    """Fill and check each (postal code, prefecture) pair of a bound form: an empty prefecture is
    filled from the postal code, one that does not match it is refused naming both."""
    for postal, prefecture in pairs:
        if prefecture not in form.fields:
            continue
        code = form.cleaned_data.get(postal)
        given = form.cleaned_data.get(prefecture) or ""
        try:
            if code:
                form.cleaned_data[prefecture] = prefecture_for_postal_code(code, given)
        except ValidationError as error:
            form.add_error(postal, error)


ADDRESS = (("postal_code", "prefecture"),)
PREFECTURE_FROM_POSTAL_CODE = _("Left empty, it is filled in from the postal code.")


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "postal_code", "prefecture", "address", "facility"]
        field_classes = {"postal_code": PostalCodeField}

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # The prefecture may be left empty (without JavaScript): the postal code fills it.
        data = prefectures_filled(data, ADDRESS, kwargs.get("prefix"))
        super().__init__(data, *args, **kwargs)
        address_attrs(self, ADDRESS)
        self.fields["prefecture"].help_text = PREFECTURE_FROM_POSTAL_CODE

    def clean(self) -> dict[str, Any]:
        super().clean()
        clean_addresses(self, ADDRESS)
        return self.cleaned_data


class OrganizationForm(forms.ModelForm):
    """The operators' form of an organisation (the admin): its 法人番号 and address."""

    class Meta:
        model = Organization
        fields = [
            "kind",
            "name",
            "corporate_number",
            "postal_code",
            "prefecture",
            "address",
            "mfa_for_delegates",
        ]
        field_classes = {"corporate_number": CorporateNumberField, "postal_code": PostalCodeField}

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = prefectures_filled(data, ADDRESS, kwargs.get("prefix"))
        super().__init__(data, *args, **kwargs)
        address_attrs(self, ADDRESS)
        note_unknown_postal_codes(self, ADDRESS)

    def clean(self) -> dict[str, Any]:
        super().clean()
        clean_addresses(self, ADDRESS)
        return self.cleaned_data


class SiteAdminForm(SiteForm):
    """The operators' form of a site (the admin): the company too."""

    class Meta(SiteForm.Meta):
        fields = ["company", *SiteForm.Meta.fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        note_unknown_postal_codes(self, ADDRESS)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script that uses it."),
    )
    scope = forms.ChoiceField(
        label=_("What it may do"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_(
            "A read-only token cannot change anything; give a script no more than it needs."
        ),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=365,
        initial=90,
    )


class PreferencesForm(forms.Form):
    """The person's language and the optional mails they receive (the page account_settings):
    the optional categories are those the office does not require now."""

    language = forms.ChoiceField(
        label=_("Language of your mail and notifications"),
        choices=MAIL_LANGUAGES,
        widget=forms.RadioSelect,
    )
    receive = forms.MultipleChoiceField(
        label=_("Optional mails you receive"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The mails the office requires are always sent. Every mail stays in your "
            "notifications, sent or not."
        ),
    )

    def __init__(self, *args: Any, optional: list[MailCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["receive"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(c), c.label) for c in optional]


class MailRulesForm(forms.Form):
    """The office's page: which categories of mail are required (always mailed)."""

    required = forms.MultipleChoiceField(
        label=_("Mails required by the office"),
        choices=[(str(c), c.label) for c in DECIDED_BY_OFFICE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A required mail is sent to everyone it concerns: nobody can turn it off, and those "
            "who had turned it off receive it again. The mails about a person's account and its "
            "security are always required."
        ),
    )
