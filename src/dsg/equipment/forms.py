"""The forms of the §5 request pages. A form only shapes the input (strings, as a spreadsheet
row gives them): the rules are in checks.py and services.py, and their refusal is shown beside
the line and field it names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from dsg.documents.models import DocumentKind
from dsg.registry.models import MediumKind

from .models import (
    EquipmentRequest,
    HelpdeskRequest,
    InfoRequest,
    LineAction,
    MediumLine,
    RequestKind,
    RequestState,
    SoftwareLine,
    TerminalLine,
)
from .services import LINES_MAX, PURPOSE_MAX, LineVerdict


def label_of(model: type[models.Model], name: str) -> Any:
    """A form field's label: the model field's own name (one term everywhere)."""
    return capfirst(getattr(model._meta.get_field(name), "verbose_name", name))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=label_of(EquipmentRequest, "kind"),
        choices=RequestKind.choices,
        widget=forms.RadioSelect,
    )


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=label_of(EquipmentRequest, "purpose"),
        max_length=PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the site needs it: the office reads this first."),
    )


# Lines -----------------------------------------------------------------------------------------
class LineForm(forms.Form):
    """One row of the request, every field optional here: the line's check says what a row of
    its kind needs. A row left empty is not a line."""

    # The fields that do not make a row a line by themselves (the preset choice of action).
    PRESET: tuple[str, ...] = ("action",)

    def __init__(
        self,
        *args: Any,
        terminals: Sequence[tuple[str, str]] = (),
        media: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if "terminals" in self.fields:
            cast(forms.MultipleChoiceField, self.fields["terminals"]).choices = list(terminals)
        if "terminal" in self.fields:
            choices = [("", "—"), *terminals]
            cast(forms.ChoiceField, self.fields["terminal"]).choices = choices
        if "medium" in self.fields:
            cast(forms.ChoiceField, self.fields["medium"]).choices = [("", "—"), *media]

    def is_blank(self) -> bool:
        """Nothing typed or chosen in the row (the preset action aside)."""
        return not any(
            self[name].value() not in (None, "", [], False, "False", "false")
            for name in self.fields
            if name not in self.PRESET
        )

    def line(self) -> dict[str, Any]:
        """The row as the line check takes it."""
        return {name: value for name, value in self.cleaned_data.items() if value is not None}


def _action() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label_of(TerminalLine, "action"),
        choices=LineAction.choices,
        initial=LineAction.ADD,
        required=False,
        widget=forms.RadioSelect,
    )


def _terminals(model: type[models.Model]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label_of(model, "terminals"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class TerminalLineForm(LineForm):
    action = _action()
    name = forms.CharField(label=label_of(TerminalLine, "name"), required=False)
    model_name = forms.CharField(label=label_of(TerminalLine, "model_name"), required=False)
    serial_number = forms.CharField(label=label_of(TerminalLine, "serial_number"), required=False)
    terminal = forms.ChoiceField(
        label=_("Terminal to remove"),
        required=False,
        help_text=_("Only for a removal (削除)."),
    )


class SoftwareLineForm(LineForm):
    PRESET = ()
    name = forms.CharField(label=_("Software name"), required=False)
    vendor = forms.CharField(label=label_of(SoftwareLine, "vendor"), required=False)
    version = forms.CharField(label=label_of(SoftwareLine, "version"), required=False)
    sha256 = forms.CharField(
        label=label_of(SoftwareLine, "sha256"),
        required=False,
        help_text=_("Of the installer: 64 hexadecimal digits."),
    )
    authenticode_sha256 = forms.CharField(
        label=label_of(SoftwareLine, "authenticode_sha256"), required=False
    )
    signer = forms.CharField(label=label_of(SoftwareLine, "signer"), required=False)
    preinstalled = forms.BooleanField(
        label=label_of(SoftwareLine, "preinstalled"),
        required=False,
        help_text=_(
            "Preinstalled software must not be started or used until it is approved (留意事項(3))."
        ),
    )
    installs_online = forms.BooleanField(
        label=label_of(SoftwareLine, "installs_online"), required=False
    )
    updates_online = forms.BooleanField(
        label=label_of(SoftwareLine, "updates_online"),
        required=False,
        help_text=_(
            "Software that needs online installation or updates is not approved (留意事項(2))."
        ),
    )
    install_method = forms.CharField(
        label=label_of(SoftwareLine, "install_method"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    update_method = forms.CharField(
        label=label_of(SoftwareLine, "update_method"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    terminals = _terminals(SoftwareLine)


class MediumLineForm(LineForm):
    action = _action()
    kind = forms.ChoiceField(
        label=label_of(MediumLine, "kind"),
        required=False,
        choices=[("", "—"), *MediumKind.choices],
    )
    vendor_id = forms.CharField(
        label=label_of(MediumLine, "vendor_id"),
        required=False,
        help_text=_("Four hexadecimal digits, as lsusb or USBGuard shows them (0781)."),
    )
    product_id = forms.CharField(label=label_of(MediumLine, "product_id"), required=False)
    serial_number = forms.CharField(label=label_of(MediumLine, "serial_number"), required=False)
    capacity_gb = forms.CharField(label=label_of(MediumLine, "capacity_gb"), required=False)
    custodian = forms.CharField(label=label_of(MediumLine, "custodian"), required=False)
    usbguard_hash = forms.CharField(label=label_of(MediumLine, "usbguard_hash"), required=False)
    terminals = _terminals(MediumLine)
    medium = forms.ChoiceField(
        label=_("Medium to remove"),
        required=False,
        help_text=_("Only for a removal (削除)."),
    )


LINE_FORMS: dict[str, type[LineForm]] = {
    RequestKind.TERMINAL: TerminalLineForm,
    RequestKind.SOFTWARE: SoftwareLineForm,
    RequestKind.MEDIUM: MediumLineForm,
}


def line_formset_class(kind: str, extra: int = 1) -> type[forms.BaseFormSet]:
    return forms.formset_factory(
        LINE_FORMS[kind],
        extra=extra,
        max_num=LINES_MAX,
        absolute_max=LINES_MAX,
        validate_max=True,
    )


# The documents of a request, as the upload offers them.
REQUEST_DOCUMENT_KINDS: list[tuple[str, Any]] = [
    (DocumentKind.REQUEST_FORM, _("The request form (申請書, Excel)")),
    (DocumentKind.OTHER, _("Other documents (仕様書, 追加資料 …)")),
]


class DocumentForm(forms.Form):
    """A document stored with the request in the company's folder (optional where it is a part
    of another form)."""

    html_id = "upload-form"  # the <form>'s id: where the error summary links

    document_kind = forms.ChoiceField(
        label=_("Kind of document"), choices=REQUEST_DOCUMENT_KINDS, required=False
    )
    file = forms.FileField(
        label=_("Document (PDF or Excel)"),
        required=False,
        help_text=_("The file's content decides, not its name."),
    )
    password = forms.CharField(
        label=_("Password of the file, if it has one"),
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].required = required


# The office's review -----------------------------------------------------------------------------
class AskForm(forms.Form):
    html_id = "ask-form"  # the <form>'s id: where the error summary links

    message = forms.CharField(
        label=label_of(InfoRequest, "message"),
        max_length=PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_on = forms.DateField(label=label_of(InfoRequest, "due_on"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_on"].widget = DateInput(attrs={"min": timezone.localdate().isoformat()})


class AnswerForm(DocumentForm):
    html_id = "answer-form"  # the <form>'s id: where the error summary links

    answer = forms.CharField(
        label=_("Your answer"),
        max_length=PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Attach the document asked for here, or store it with the request first."),
    )

    field_order = ["answer", "document_kind", "file", "password"]


VERDICTS = [("", _("not now")), ("approve", _("Approve (承認)")), ("refuse", _("Refuse (却下)"))]


class DecisionForm(forms.Form):
    """The office's decision on the pending lines, drawn by the confirmation page
    (core/confirm.html): for each line its verdict (承認 / 却下 / not now), the reason to refuse
    (the company reads it) and, for a medium that is not a unique device, the box that approves
    it knowingly; then the comment. Named ``line-<position>-<field>``."""

    def __init__(self, *args: Any, lines: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            n = line.position
            what = f"{line.get_action_display()}: {line.title}" if line.action else line.title
            self.fields[f"line-{n}-verdict"] = forms.ChoiceField(
                label=_("Line {line} — {what}").format(line=n, what=what),
                choices=VERDICTS,
                required=False,
                initial="",
                widget=forms.RadioSelect,
                help_text=_("This medium cannot be approved as a unique device: {reasons}").format(
                    reasons=" ".join(map(str, line.not_unique))
                )
                if line.not_unique
                else "",
            )
            self.fields[f"line-{n}-reason"] = forms.CharField(
                label=_("Reason for refusing line {line}").format(line=n),
                required=False,
                max_length=PURPOSE_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Required to refuse: the company reads it."),
            )
            if line.not_unique:
                self.fields[f"line-{n}-not_unique_ok"] = forms.BooleanField(
                    label=_("Line {line}: approve knowing it is not a unique device").format(
                        line=n
                    ),
                    required=False,
                )
        self.fields["comment"] = forms.CharField(
            label=label_of(EquipmentRequest, "comment"),
            required=False,
            max_length=PURPOSE_MAX,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Shown to the company on the request's page."),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for line in self.lines:
            n, verdict = line.position, data.get(f"line-{line.position}-verdict")
            if verdict == "refuse" and not (data.get(f"line-{n}-reason") or "").strip():
                self.add_error(f"line-{n}-reason", _("Give the reason for refusing the line."))
            if verdict == "approve" and line.not_unique and not data.get(f"line-{n}-not_unique_ok"):
                self.add_error(
                    f"line-{n}-not_unique_ok",
                    _("Tick this box to approve a medium that is not a unique device."),
                )
        if self.lines and not self.errors and not self.verdicts():
            first = f"line-{self.lines[0].position}-verdict"
            self.add_error(first, _("Decide at least one line."))
        return data

    def verdicts(self) -> list[LineVerdict]:
        data = self.cleaned_data
        return [
            LineVerdict(
                line=line.position,
                approve=data[f"line-{line.position}-verdict"] == "approve",
                reason=data.get(f"line-{line.position}-reason", ""),
                not_unique_ok=bool(data.get(f"line-{line.position}-not_unique_ok")),
            )
            for line in self.lines
            if data.get(f"line-{line.position}-verdict")
        ]


class FilterForm(forms.Form):
    """The queue's filters (GET): kind and state."""

    kind = forms.ChoiceField(label=label_of(EquipmentRequest, "kind"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("every kind")),
            *RequestKind.choices,
        ]
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", _("open (not ended)")),
            *RequestState.choices,
            ("all", _("every state")),
        ]


# Helpdesk ----------------------------------------------------------------------------------------
class HelpdeskForm(forms.Form):
    """Whitelisted software to install: the helpdesk changes a setting and says how."""

    html_id = "helpdesk-new-form"  # the <form>'s id: where the error summary links

    name = forms.CharField(label=_("Software name"), max_length=200)
    vendor = forms.CharField(label=label_of(SoftwareLine, "vendor"), max_length=200)
    version = forms.CharField(label=label_of(HelpdeskRequest, "software_version"), max_length=100)
    terminals = _terminals(HelpdeskRequest)
    message = forms.CharField(
        label=label_of(HelpdeskRequest, "message"),
        required=False,
        max_length=PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, terminals: Sequence[tuple[str, str]] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        cast(forms.MultipleChoiceField, self.fields["terminals"]).choices = list(terminals)


class HelpdeskAnswerForm(forms.Form):
    html_id = "helpdesk-answer-form"  # the <form>'s id: where the error summary links

    answer = forms.CharField(
        label=label_of(HelpdeskRequest, "answer"),
        max_length=PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the company does to install it, once the setting is changed."),
    )
