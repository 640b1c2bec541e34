"""Forms every app's pages share: the comment of a confirmation page, and the error summary."""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.utils.translation import gettext_lazy as _

CommentRule = Literal["none", "optional", "required"]


class ConfirmForm(forms.Form):
    """The confirmation page's comment: none, optional, or required where the other side needs
    a reason (補正, 却下)."""

    comment = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        comment: CommentRule = "optional",
        comment_label: Any = None,
        comment_help: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if comment == "none":
            del self.fields["comment"]
            return
        field = self.fields["comment"]
        field.required = comment == "required"
        field.error_messages["required"] = _("Enter the reason: the other side is told it.")
        if comment_label:
            field.label = comment_label
        if comment_help:
            field.help_text = comment_help


def error_summary(*forms_: Any, prefix: str = "") -> list[dict[str, str]]:
    """Every error of the page's forms (and formsets), each with a link to its field: GOV.UK's
    error summary. An error of no field links to the form itself when it has an id."""
    summary: list[dict[str, str]] = []
    for form in forms_:
        if form is None:
            continue
        if hasattr(form, "forms"):  # a formset: its own errors, then each form's
            summary += [
                {"label": prefix, "message": str(e), "anchor": ""} for e in form.non_form_errors()
            ]
            for sub in form.forms:
                summary += error_summary(sub, prefix=prefix)
            continue
        for name, errors in form.errors.items():
            bound = form[name] if name in form.fields else None
            label = str(bound.label) if bound is not None else ""
            if prefix:
                label = f"{prefix}: {label}" if label else prefix
            anchor = _anchor_of(bound) if bound is not None else ""
            summary += [{"label": label, "message": str(e), "anchor": anchor} for e in errors]
    return summary


def _anchor_of(bound: Any) -> str:
    """The id a link to the field lands on: the input, or the first choice of a group."""
    widget = bound.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return str(bound.auto_id or "") and f"{bound.auto_id}_0"
    return str(bound.id_for_label or "")
