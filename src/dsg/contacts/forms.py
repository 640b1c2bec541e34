"""The office's form for one contact; the checks themselves are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contact


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(
        label=_("Telephone"),
        max_length=40,
        required=False,
        help_text=_("With its hyphens, as in 03-3268-3111."),
    )
    extensions = forms.CharField(
        label=_("Extensions (内線)"),
        max_length=60,
        required=False,
        help_text=_("Extension numbers, separated by 、 (as in 32503、32505)."),
    )
    email = forms.CharField(label=_("Email address"), max_length=254, required=False)
    hours = forms.CharField(
        label=_("Hours (受付時間)"),
        max_length=200,
        required=False,
        help_text=_("When the contact answers, as in 平日 9:30〜17:30 (optional)."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def of(cls, contact: Contact, data: Any = None) -> ContactForm:
        """The form of ``contact``, prefixed by its party so both fit on one page."""
        initial = {name: getattr(contact, name) for name in cls.base_fields}
        return cls(data, initial=initial, prefix=contact.party)
