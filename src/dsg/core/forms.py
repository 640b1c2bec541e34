"""Forms every app's pages share: the comment of a confirmation page, a service's refusal on
the form that asked for it, and the error summary."""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import RuleViolation

CommentRule = Literal["none", "optional", "required"]

# The hidden field only the confirmation page (core/confirm.html) posts: an action is taken only
# when it comes from that page (#12: nothing irreversible by one click).
CONFIRMED = "confirmed"


def confirmed_field() -> forms.Field:
    """The confirmation page's hidden 「確認済み」 field (``CONFIRMED``)."""
    return forms.CharField(widget=forms.HiddenInput, initial="1", required=True)


class ConfirmForm(forms.Form):
    """The confirmation page's comment: none, optional, or required where the other side needs
    a reason (補正, 却下); and ``confirmed``, the hidden field that only the confirmation page
    posts (``core.views.confirm_action`` acts on nothing else)."""

    html_id = "confirm-form"

    confirmed = confirmed_field()
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


class ActionForm(forms.Form):
    """A form of one button and no input (a case opened, a round opened): a refusal is an error
    of the whole form, which the error summary links to by the ``<form>``'s id (``html_id``)."""

    def __init__(self, *args: Any, html_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.html_id = html_id


def form_id(form: Any) -> str:
    """The id of the ``<form>`` element that draws ``form``, where an error of no field (a
    refusal of the whole form) is linked from the error summary: the form's ``html_id`` when the
    view or the class gives one, else ``<prefix>-form`` for a prefixed form, else none."""
    given = getattr(form, "html_id", "")
    if given:
        return str(given)
    prefix = getattr(form, "prefix", None)
    return f"{prefix}-form" if prefix else ""


def form_refused(
    form: Any, refusal: RuleViolation, *others: Any, default_field: str | None = None
) -> None:
    """A service's refusal shown on the form that asked for it: beside the refusal's field when
    ``form`` (or else one of ``others``, the page's other forms) has it, else beside
    ``default_field`` of ``form`` when given (an upload's refusal beside its file field), else as
    an error of the whole ``form`` (the summary links to the form). 403 and 404 are raised again:
    the middleware answers them, a form never shows them."""
    if refusal.status in (403, 404):
        raise refusal
    form.errors  # noqa: B018 - checked first: an error is added to a cleaned form
    for candidate in (form, *others):
        if candidate is not None and refusal.field and refusal.field in candidate.fields:
            candidate.add_error(refusal.field, str(refusal.message))
            return
    field = default_field if default_field in form.fields else None
    form.add_error(field, str(refusal.message))


def error_summary(*forms_: Any, prefix: str = "") -> list[dict[str, str]]:
    """Every error of the page's forms (and formsets), each with a link to its field: GOV.UK's
    error summary. An error of no field links to the form itself when it has an id
    (``form_id``)."""
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
            anchor = _anchor_of(bound) if bound is not None else form_id(form)
            summary += [{"label": label, "message": str(e), "anchor": anchor} for e in errors]
    return summary


def _anchor_of(bound: Any) -> str:
    """The id a link to the field lands on: the input, or the first choice of a group."""
    widget = bound.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return str(bound.auto_id or "") and f"{bound.auto_id}_0"
    return str(bound.id_for_label or "")
