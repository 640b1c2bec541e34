"""What a change needs before it is submitted, and before it is applied — each rule with the
message a refused user reads and, where it helps, the details of what is missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import ChangeRequest


@dataclass(frozen=True)
class Rule:
    """A named condition: ``rule(change)`` is True when the transition may go ahead."""

    code: str
    message: Promise
    explain: Callable[[ChangeRequest], list[Any]]

    def __call__(self, change: ChangeRequest) -> bool:
        return not self.explain(change)

    def message_for(self, change: ChangeRequest) -> Any:
        details = self.explain(change)
        return format_lazy("{} {}", self.message, " / ".join(str(d) for d in details))

    @property
    def __name__(self) -> str:  # django-fsm and graph tools name conditions by __name__
        return self.code


def _missing(change: ChangeRequest) -> list[Any]:
    from .checks import change_missing  # the checks read documents and the registry

    return change_missing(change)


def _outstanding(change: ChangeRequest) -> list[Any]:
    from .checks import work_outstanding

    return work_outstanding(change)


CHANGE_COMPLETE = Rule(
    "change_incomplete",
    _("The change application is not complete."),
    _missing,
)
WORK_DONE = Rule(
    "work_outstanding",
    _("The change cannot be applied yet."),
    _outstanding,
)
