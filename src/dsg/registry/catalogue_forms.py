"""The forms of the catalogue pages: a workbook to upload, or the rows edited on the page. The
rules are the service's (catalogues.py): these forms only carry the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .catalogues import FIELDS, LABELS, NOTE_MAX, EntryInput

# Rows are edited on the page only for a small catalogue: each row is seven fields of the POST,
# and Django takes at most DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) of them. Larger catalogues go
# through the workbook (download, edit, upload).
ROWS_EDIT_MAX = 100
EXTRA_ROWS = 3
TEXT_MAX = 1000  # a sanity limit of the page; the service checks each field's own


def _note() -> forms.CharField:
    return forms.CharField(
        label=_("What changed (shown with the version)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_(
            "One sheet with the header row ソフトウェア名 / ベンダー / バージョン / SHA-256 / "
            "Authenticodeハッシュ / 署名者; an exported workbook can be edited and uploaded."
        ),
    )
    password = forms.CharField(
        label=_("Password of the workbook (if it has one)"),
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    note = _note()


class CatalogueNoteForm(forms.Form):
    note = _note()


class EntryForm(forms.Form):
    name = forms.CharField(label=LABELS["name"], required=False, max_length=TEXT_MAX)
    vendor = forms.CharField(label=LABELS["vendor"], required=False, max_length=TEXT_MAX)
    version = forms.CharField(label=LABELS["version"], required=False, max_length=TEXT_MAX)
    sha256 = forms.CharField(label=LABELS["sha256"], required=False, max_length=TEXT_MAX)
    authenticode_sha256 = forms.CharField(
        label=LABELS["authenticode_sha256"], required=False, max_length=TEXT_MAX
    )
    signer = forms.CharField(label=LABELS["signer"], required=False, max_length=TEXT_MAX)


EntryFormSet = forms.formset_factory(
    EntryForm,
    extra=EXTRA_ROWS,
    can_delete=True,
    max_num=ROWS_EDIT_MAX + EXTRA_ROWS,
    absolute_max=ROWS_EDIT_MAX + EXTRA_ROWS,
    validate_max=True,
)


def formset_entries(formset: Any) -> list[EntryInput]:
    """The rows kept (not deleted, not empty), each with its number on the page."""
    entries = []
    for number, form in enumerate(formset.forms, 1):
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        values = {name: data.get(name, "") for name in FIELDS}
        if any(values.values()):
            entries.append(EntryInput(**values, row=number))
    return entries
