"""The forms of the registry (a disposal, a set-up date); the rules themselves are in
services.py."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DisposalMethod


class DisposalForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Disposal method (廃棄方法)"), choices=DisposalMethod.choices
    )
    method_other = forms.CharField(
        label=_("Other method, described (その他の廃棄方法)"),
        required=False,
        max_length=200,
        help_text=_("Required when the method is “Other”."),
    )
    disposed_on = forms.DateField(
        label=_("Disposed on (廃棄日)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    performed_by = forms.CharField(label=_("Disposed of by (廃棄作業者)"), max_length=100)
    performed_by_company = forms.CharField(
        label=_("Company or contractor (実施会社・委託業者)"), max_length=200
    )
    certificate_id = forms.TypedChoiceField(
        label=_("Disposal certificate from the folder (廃棄証明書)"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A PDF already in the company's folder, or upload it below."),
    )
    file = forms.FileField(
        label=_("Upload the disposal certificate (PDF)"),
        required=False,
        help_text=_("Stored in the company's folder as a disposal certificate (廃棄証明書)."),
    )
    password = forms.CharField(
        label=_("Password of the PDF (if it has one)"),
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, documents: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["certificate_id"])
        field.choices = [("", "—"), *documents]
        self.fields["disposed_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class SetUpForm(forms.Form):
    """A terminal's set-up date, drawn in the terminal's row of the registry page: its ids are
    the terminal's (``setup-<id>-set_up_on``), so the error summary links to that row's date."""

    set_up_on = forms.DateField(
        label=_("Set up on (セットアップ日)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, terminal_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"setup-{terminal_id}-%s")
        super().__init__(*args, **kwargs)
        self.terminal_id = terminal_id
        self.fields["set_up_on"].widget.attrs["max"] = timezone.localdate().isoformat()
