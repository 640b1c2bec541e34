"""The upload form of the document folder; the checks themselves are in services.py."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind
from .policy import may_store


def kinds_for(user: Any, company: Any) -> list[tuple[str, Any]]:
    """The kinds ``user`` may store in ``company``'s folder."""
    return [
        (value, label) for value, label in DocumentKind.choices if may_store(user, value, company)
    ]


def dated_on_field() -> forms.DateField:
    """The date printed on an audit-result notice; the service requires it for that kind."""
    return forms.DateField(
        label=_("Date on the audit-result notice (監査結果通知書)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Required for an audit-result notice: the date printed on it (not in the future). "
            "Of several, the one with the latest date counts."
        ),
    )


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

    dated_on = dated_on_field()

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds
        self.fields["dated_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class FolderUploadForm(UploadForm):
    """The upload into the company's folder (no case): a PDF or .xlsx, its password if it has
    one; for the office's reviewers, whether the company sent the file by mail."""

    received_by_mail = forms.BooleanField(
        label=_("The company sent this file by mail: store it on its behalf"),
        required=False,
        help_text=_(
            "The guideline's fallback when the company cannot store a file in the folder: it "
            "mails the file (password-protected, the password in a separate mail). The file is "
            "recorded as received by mail and stored by you for the company."
        ),
    )

    def __init__(self, *args: Any, on_behalf: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password of the file (if it has one)")
        self.fields["password"].help_text = _(
            "A password-protected PDF or Excel workbook (.xlsx) is uploaded as it is, with its "
            "password here: the portal checks that the password opens the file and keeps both "
            "encrypted; only the office can see the password."
        )
        self.fields["file"].help_text = _(
            "PDF, or an Excel workbook (.xlsx) for application and request forms. The file's "
            "content decides, not its name."
        )
        if not on_behalf:
            del self.fields["received_by_mail"]


class FolderFilterForm(forms.Form):
    """The folder list's filters (GET): kind, case or request, the days it was stored on."""

    kind = forms.ChoiceField(label=_("Kind of document"), required=False)
    subject = forms.ChoiceField(label=_("Case or request"), required=False)
    since = forms.DateField(
        label=_("Stored from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Stored until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, subjects: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("every kind")),
            *DocumentKind.choices,
        ]
        cast(forms.ChoiceField, self.fields["subject"]).choices = [
            ("", _("every case and request")),
            ("none", _("no case (the company's folder only)")),
            *((ref.value, ref.label) for ref in subjects),
        ]
