"""The forms of the 年次確認 pages: they check the shape of the input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConfirmationState
from .selectors import FILTERS, OVERDUE
from .services import STATEMENT_MAX, TITLE_MAX


class RoundForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("Such as 「2026年度 年次確認」; it is the subject of every mail of the round."),
    )
    due_on = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day on which the companies answer; the day after, they are overdue."),
    )


class ConfirmForm(forms.Form):
    statement = forms.CharField(
        label=_("Remarks (optional)"),
        required=False,
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ChangesFiledForm(forms.Form):
    statement = forms.CharField(
        label=_("What changed, and which change applications were filed"),
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    filed = forms.BooleanField(
        label=_("I have filed change applications for everything that changed."),
        help_text=_("Only then is the confirmation marked “changes filed”."),
    )


def state_choices() -> list[tuple[str, object]]:
    labels = dict(ConfirmationState.choices)
    labels[OVERDUE] = _("Overdue (期限超過)")
    return [("", _("All")), *((value, labels[value]) for value in FILTERS)]


class StateFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=state_choices)
