from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Site


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "postal_code", "prefecture", "address", "facility"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script that uses it."),
    )
