"""The upload form of the document folder; the checks themselves are in services.py."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind
from .policy import may_store


def kinds_for(user: Any, company: Any) -> list[tuple[str, Any]]:
    """The kinds ``user`` may store in ``company``'s folder."""
    return [
        (value, label) for value, label in DocumentKind.choices if may_store(user, value, company)
    ]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"))
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "PDF, or an Excel workbook (.xlsx) for application and request forms; inspection "
            "photos: JPEG or PNG. The file's content decides, not its name."
        ),
    )
    password = forms.CharField(
        label=_("Password of the PDF (if it has one)"),
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "The guideline's mail channel sends a password-protected PDF and its password in "
            "a separate mail. Here you upload the protected PDF as it is and enter its password: "
            "the portal checks that it opens the file and keeps both encrypted; only the office "
            "can see the password."
        ),
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds
