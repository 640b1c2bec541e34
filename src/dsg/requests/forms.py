"""The forms of the change application pages; the rules themselves are in services.py and
checks.py (a form only shapes the input and shows a refusal beside its field)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.documents.forms import dated_on_field
from dsg.documents.models import DocumentKind
from dsg.enrollment.forms import FIELD_CLASSES, WIDGETS, ContactFormSet
from dsg.enrollment.models import Application
from dsg.enrollment.parts import ADDRESSES
from dsg.orgs.forms import address_attrs, clean_addresses, note_unknown_postal_codes

from .models import ChangeKind, ProviderWork
from .registered import GROUP_LABELS, GROUPS

__all__ = ["ContactFormSet"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def kind_groups(kinds: list[ChangeKind]) -> list[tuple[Any, list[ChangeKind]]]:
    """The kinds offered, grouped by their category (拠点・取扱施設等の変更 / 登録情報の変更)."""
    return [
        (label, [k for k in kinds if k.category == value])
        for value, label in ChangeKind.Category.choices
        if any(k.category == value for k in kinds)
    ]


class ChangeStartForm(forms.Form):
    """Which site, which kind: the change then starts from the site's registered data."""

    html_id = "change-start-form"  # the <form>'s id: where the error summary links

    site = forms.TypedChoiceField(label=_("Site (拠点)"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of change"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, sites: list[Any], kinds: list[ChangeKind], **kw: Any) -> None:
        super().__init__(*args, **kw)
        cast(forms.ChoiceField, self.fields["site"]).choices = [
            (s.pk, f"{s.name} ({s.full_address})") for s in sites
        ]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (str(label), [(k.code, k.name) for k in group]) for label, group in kind_groups(kinds)
        ]


def editable_names(kind: ChangeKind) -> list[str]:
    """The registered fields a change of ``kind`` edits, in the order of GROUPS."""
    return [name for group in kind.groups for name in GROUPS.get(group, ())]


class ChangeFieldsForm(forms.ModelForm):
    """The values a change asks for, checked as the 加入申請書 checks them, and what the kind
    adds: what changes and why, the date of the change, whether a layout change moves terminals
    or the line."""

    html_id = "change-edit-form"  # the <form>'s id: where the error summary links

    description = forms.CharField(
        label=_("What changes and why"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The office reads this first: say what changes, from when, and why."),
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, *args: Any, kind: ChangeKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        address_attrs(self, ADDRESSES)
        note_unknown_postal_codes(self, ADDRESSES)
        if kind.closes_site or kind.may_need_provider_work:
            self.fields["effective_on"] = forms.DateField(
                label=_("Date of the change"),
                required=False,
                widget=DateInput(attrs={"min": timezone.localdate().isoformat()}),
                help_text=_("The day the site moves or closes (from today on)."),
            )
        if kind.requires_layout and not kind.may_need_provider_work:
            self.fields["moves_equipment"] = forms.BooleanField(
                label=_("The layout change moves terminals or the line"),
                required=False,
                help_text=_(
                    "The service provider is then told of the change and may need to work."
                ),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        clean_addresses(self, ADDRESSES)
        return self.cleaned_data


def change_fields_form_class(kind: ChangeKind) -> type[ChangeFieldsForm]:
    names = editable_names(kind)
    return forms.modelform_factory(  # type: ignore[return-value]  # returns the form's subclass
        Application,
        form=ChangeFieldsForm,
        fields=names,
        widgets={n: w for n, w in WIDGETS.items() if n in names},
        field_classes={n: c for n, c in FIELD_CLASSES.items() if n in names},
    )


# The documents §4② names for a change, as the upload offers them.
CHANGE_DOCUMENT_KINDS: list[tuple[str, Any]] = [
    (DocumentKind.LAYOUT, _("Layout diagram (レイアウト図)")),
    (DocumentKind.AUDIT_RESULT, _("Audit-result notice (結果通知書), where needed")),
    (DocumentKind.APPLICATION, _("Application form (加入申請書の様式)")),
    (DocumentKind.OTHER, _("Document proving the change (変更内容を証する書類)")),
]


class ChangeDocumentForm(forms.Form):
    html_id = "change-upload-form"  # the <form>'s id: where the error summary links

    kind = forms.ChoiceField(label=_("Kind of document"), choices=CHANGE_DOCUMENT_KINDS)
    file = forms.FileField(
        label=_("File (PDF)"),
        help_text=_("PDF; the file's content decides, not its name."),
    )
    password = forms.CharField(
        label=_("Password of the PDF, if it has one"),
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    dated_on = dated_on_field()


def part_choices() -> list[tuple[str, Any]]:
    return [
        *GROUP_LABELS.items(),
        ("description", _("What changes and why")),
        ("documents", _("Documents")),
    ]


class CommentForm(forms.Form):
    html_id = "comment-form"  # the <form>'s id: where the error summary links

    part = forms.ChoiceField(label=_("Part of the change"))
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["part"]).choices = part_choices()


class DecisionForm(forms.Form):
    """補正, 却下, 取下げ, 受理, 「変更を反映する」: the comment (required where the service
    requires it), and for 受理 what the change still needs."""

    comment = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs_inspection = forms.BooleanField(
        label=_("The change needs a new on-site inspection (現地確認)"), required=False
    )
    provider_work = forms.MultipleChoiceField(
        label=_("The service provider's work the change needs"),
        required=False,
        choices=ProviderWork.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, action: str, kind: ChangeKind, comment_required: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = comment_required
        if comment_required:
            self.fields["comment"].help_text = _("Required: the company reads it to know why.")
        if action != "accept" or not kind.may_need_inspection:
            del self.fields["needs_inspection"]
        if action != "accept" or not kind.may_need_provider_work:
            del self.fields["provider_work"]
        if action == "complete":
            del self.fields["comment"]


class AskForm(forms.Form):
    html_id = "ask-form"  # the <form>'s id: where the error summary links

    text = forms.CharField(
        label=_("What is asked (action or document)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_on"].widget.attrs["min"] = timezone.localdate().isoformat()


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Store a requested document in the change's documents first, then answer."),
    )


class WorkDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class ChangeFilterForm(forms.Form):
    """The list's filters (GET): state and kind."""

    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(label=_("Kind of change"), required=False)

    def __init__(self, *args: Any, kinds: list[ChangeKind], **kwargs: Any) -> None:
        from .models import ChangeState

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", _("every state")),
            ("open", _("open (not ended)")),
            *ChangeState.choices,
        ]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("every kind")),
            *((k.code, k.name) for k in kinds),
        ]
