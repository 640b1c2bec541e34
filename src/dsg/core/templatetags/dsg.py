"""Template helpers: circled step numbers, step status on the tracker, 和暦 dates, a form's
values as read-only pages show them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django import template
from django.forms import BaseForm, BaseFormSet, BoundField
from django.utils.translation import gettext as _

from dsg.core.forms import error_summary
from dsg.core.forms import form_id as form_id_of
from dsg.core.wareki import iso_and_wareki, wareki

register = template.Library()

CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"


class OnStep(Protocol):
    """What the tracker reads of a case: the step it is at (0 once ended)."""

    @property
    def step(self) -> int: ...


@register.filter
def circled(number: int) -> str:
    return CIRCLED[number] if 0 <= number < len(CIRCLED) else str(number)


@register.simple_tag
def step_status(enrollment: OnStep, number: int) -> str:
    """done, current or todo for step ``number``; an ended case stops where it was."""
    current = enrollment.step
    if current == 0:
        reached = getattr(enrollment, "last_step", None) or 1
        return "done" if number < reached else ("ended" if number == reached else "todo")
    if number < current:
        return "done"
    return "current" if number == current else "todo"


@register.filter
def japanese_era(value: dt.date | dt.datetime | None) -> str:
    """令和8年11月30日: a moment's day in Asia/Tokyo (like ``|date``), a date as it is."""
    if value is None or value == "":
        return ""
    return wareki(value)


@register.filter
def iso_era(value: dt.date | dt.datetime | None) -> str:
    """2026-11-30 00:30 (令和8年11月30日): the ISO and the 和暦 part from one local value."""
    if value is None or value == "":
        return ""
    return iso_and_wareki(value)


@register.filter
def shown(field: BoundField) -> str:
    """A form field's value as a read-only page shows it: a choice by its label (a 都道府県 by
    its name, never its stored code), はい/いいえ for a yes-or-no, — for nothing."""
    value = field.value()
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    labels = dict(_flat_choices(getattr(field.field, "choices", None) or ()))
    return str(labels.get(str(value), value))


def _flat_choices(choices: Any) -> list[tuple[str, Any]]:
    flat: list[tuple[str, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):  # a group of choices
            flat += _flat_choices(label)
        else:
            flat.append((str(key), label))
    return flat


@register.filter
def form_id(form: Any) -> str:
    """The id of the ``<form>`` that draws ``form``: where the error summary links an error of
    the whole form (a refusal that names no field)."""
    return form_id_of(form)


@register.inclusion_tag("core/_error_summary.html", takes_context=True)
def page_error_summary(context: template.Context) -> dict[str, Any]:
    """The error summary at the top of every page with a form in error (base.html renders it
    once): the view's own list (``errors``) when it made one, else every bound form and formset
    of the page's context with errors, each error a link to its field."""
    flat = context.flatten()
    given = flat.get("errors")
    if isinstance(given, list):  # the view's own summary, even empty: it knows best
        return {"errors": given}
    seen: set[int] = set()
    found: list[Any] = []
    for value in flat.values():
        if id(value) in seen or not isinstance(value, BaseForm | BaseFormSet):
            continue
        seen.add(id(value))
        if value.is_bound and not value.is_valid():
            found.append(value)
    errors = error_summary(*found)
    return {"errors": errors}
