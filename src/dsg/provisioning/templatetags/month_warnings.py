"""The ④–⑦ month warnings' list (the provider's dashboard shows the first ten, its own page fifty
at a time), drawn in Python (#14): ``{% month_warning_items month_warnings %}`` writes, byte for
byte, what ``provisioning/_month_warning_items.html`` drew — an include with a ``{% url %}`` and
five variables a warning — each value escaped, the case page's URL reversed once a list
(``tests/provisioning/test_month_warning_items.py`` holds the two together)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from dsg.core.todos import url_maker

from .provider_tasks import _e

register = template.Library()


def _item(case: Any, warning: Any, url: str) -> str:
    number = _e(case.number)
    return (
        f'\n    <li class="notice notice--warning" data-warning="{number}">'
        f'<a href="{_e(url)}#appointments">{number}</a> — '
        f"{_e(case.site.company.name)} {_e(case.site.name)}:\n"
        f"      {_e(warning.message)}</li>\n  "
    )


@register.simple_tag
def month_warning_items(warnings: Iterable[tuple[Any, Any]]) -> SafeString:
    """``{% month_warning_items month_warnings %}``: the list of (case, warning) pairs, each
    case with its site and company."""
    url = url_maker("enrollment_detail")
    items = "".join(_item(case, warning, url(case.pk)) for case, warning in warnings)
    return mark_safe(f'\n  <ul class="warnings">\n  {items}\n  </ul>\n')  # noqa: S308 - escaped
