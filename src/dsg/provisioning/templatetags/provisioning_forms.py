"""{% inline_form form "account-issued" h.pk as f %}: the form of one place of the ③–⑥ panel —
the one sent back in error when it is this one (#12: its errors beside its fields), else the
empty ``form``. The name is the form's ``data-form``, the row the record it acts on."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def form_key(name: str, row: Any = None) -> str:
    """The key of a form on the case page (``FailedForm.key``): its name, and its row if any."""
    return name if row is None else f"{name}:{row}"


@register.simple_tag(takes_context=True)
def inline_form(context: Any, form: Any, name: str, row: Any = None) -> Any:
    failed = context.get("failed")
    if failed is not None and failed.key == form_key(name, row):
        return failed.form
    return form
