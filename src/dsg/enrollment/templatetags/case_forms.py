"""{% transition_form option failed as form %}: the fields a transition of the case page asks
for (its date, comment or router serial), each drawn by ``core/_field.html`` — the form sent back
in error when it is this transition's (#12), else an empty one."""

from __future__ import annotations

from typing import Any

from django import template

from ..forms import TransitionForm

register = template.Library()


@register.simple_tag
def transition_form(option: Any, failed: Any = None) -> TransitionForm:
    key = f"transition:{option.name}"
    if failed is not None and failed.key == key:
        form: TransitionForm = failed.form
    else:
        form = TransitionForm(auto_id=f"{option.name}-%s")
    for name in list(form.fields):
        if name not in option.payload:
            del form.fields[name]
        else:
            form.fields[name].required = option.payload[name]
    return form
