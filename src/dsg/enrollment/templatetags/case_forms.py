"""{% transition_form option as form %}: the fields a transition of the case page asks for (its
date, comment or router serial), each drawn by ``core/_field.html``. The form sends them to the
step's confirmation page, where they are checked and a refusal is said beside its field (#12)."""

from __future__ import annotations

from typing import Any

from django import template

from ..forms import TransitionForm, transition_form_for

register = template.Library()


@register.simple_tag
def transition_form(option: Any) -> TransitionForm:
    return transition_form_for(option.payload, auto_id=f"{option.name}-%s")
