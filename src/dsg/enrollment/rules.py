"""Conditions of the procedure's transitions, each with the message a refused user reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Enrollment


@dataclass(frozen=True)
class Rule:
    """A named condition: ``rule(enrollment)`` is True when the transition may go ahead."""

    code: str
    message: Promise
    check: Callable[[Enrollment], bool]

    def __call__(self, enrollment: Enrollment) -> bool:
        return self.check(enrollment)

    @property
    def __name__(self) -> str:  # django-fsm and graph tools name conditions by __name__
        return self.code


def _application_complete(enrollment: Enrollment) -> bool:
    application = getattr(enrollment, "application", None)
    return application is not None and not application.missing_parts()


def _survey_recorded(enrollment: Enrollment) -> bool:
    provisioning = getattr(enrollment, "provisioning", None)
    return provisioning is not None and provisioning.surveyed_on is not None


def _ancillary_work_done(enrollment: Enrollment) -> bool:
    return not enrollment.ancillary_works.filter(done_on__isnull=True).exists()


def _site_terminals(enrollment: Enrollment) -> QuerySet[Any]:
    """The site's terminals, less those of a withdrawn or rejected case (never put in use)."""
    return enrollment.site.terminals.exclude(enrollment__state__in=["withdrawn", "rejected"])


def _has_terminals(enrollment: Enrollment) -> bool:
    return _site_terminals(enrollment).exists()


def _every_terminal_passed(enrollment: Enrollment) -> bool:
    """Every terminal's latest connection test passed (a later failure undoes an earlier pass)."""
    from dsg.provisioning.models import latest_test_passed

    terminals = _site_terminals(enrollment).annotate(latest_passed=latest_test_passed())
    return not terminals.filter(Q(latest_passed=False) | Q(latest_passed__isnull=True)).exists()


APPLICATION_COMPLETE = Rule(
    "application_incomplete",
    _(
        "The application is not complete: all four requirements "
        "(実績等, 設備, 機器, 拠点地域), the planned terminals, "
        "the desired start of use and the contract must be filled in."
    ),
    _application_complete,
)
SURVEY_RECORDED = Rule(
    "survey_not_recorded",
    _("The site survey (現場調査) has not been recorded yet."),
    _survey_recorded,
)
ANCILLARY_WORK_DONE = Rule(
    "ancillary_work_open",
    _(
        "Ancillary work (付帯工事) at the company's premises is not finished; line construction "
        "(回線敷設工事) cannot start until every item is done."
    ),
    _ancillary_work_done,
)
HAS_TERMINALS = Rule(
    "no_terminals",
    _("No terminal (利用端末) is registered for this site."),
    _has_terminals,
)
EVERY_TERMINAL_PASSED = Rule(
    "connection_test_open",
    _(
        "The final on-site inspection (最終現地確認) can be requested only after every terminal of "
        "the site has passed its connection test (接続テスト)."
    ),
    _every_terminal_passed,
)
