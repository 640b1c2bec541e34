"""Conditions of the procedure's transitions, each with the message a refused user reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation
from dsg.core.prepared import PreparedCache, PreparedQuery, int_sentinels
from dsg.inspections.models import Deficiency, InspectionKind, InspectionStatus, Outcome
from dsg.inspections.selectors import rounds_of
from dsg.orgs.models import Site
from dsg.registry.selectors import TestedTerminal, terminals_of, untested

if TYPE_CHECKING:
    from .models import Enrollment


def require_state(*, enrollment: Enrollment, states: Iterable[str]) -> None:
    """The guard of every change to a case's records: the case must be in one of ``states``."""
    if enrollment.state not in list(states):
        raise RuleViolation(
            _("This cannot be done while the case is in the state “{state}”.").format(
                state=enrollment.get_state_display()
            ),
            code="wrong_state",
        )


@dataclass(frozen=True)
class Rule:
    """A named condition: ``rule(enrollment)`` is True when the transition may go ahead."""

    code: str
    message: Promise
    check: Callable[[Enrollment], bool]
    # What exactly is missing, appended to the message when the rule refuses (optional).
    explain: Callable[[Enrollment], list[Any]] | None = None

    def __call__(self, enrollment: Enrollment) -> bool:
        return self.check(enrollment)

    def message_for(self, enrollment: Enrollment) -> Any:
        """The message, followed by the details of what is missing for this case."""
        details = self.explain(enrollment) if self.explain else []
        if not details:
            return self.message
        return format_lazy("{} {}", self.message, " / ".join(str(d) for d in details))

    @property
    def __name__(self) -> str:  # django-fsm and graph tools name conditions by __name__
        return self.code


class RegisteredRules:
    """The conditions of one transition that the apps above the enrollment register: their data,
    their code and message (the survey and the ancillary work of ③ are the provider's)."""

    def __init__(self, transition: str) -> None:
        self.transition = transition
        self.rules: list[Rule] = []

    def __call__(self, enrollment: Enrollment) -> bool:
        return all(rule(enrollment) for rule in self.rules)

    @property
    def __name__(self) -> str:
        return f"registered:{self.transition}"


REGISTERED: dict[str, RegisteredRules] = {}


def registered(transition: str) -> RegisteredRules:
    """The slot for the registered conditions of ``transition`` (in its declaration)."""
    return REGISTERED.setdefault(transition, RegisteredRules(transition))


def register_condition(transition: str, rule: Rule) -> None:
    if transition not in REGISTERED:
        raise ImproperlyConfigured(f"the transition {transition!r} takes no registered conditions")
    slot = REGISTERED[transition]
    slot.rules = [*(r for r in slot.rules if r.code != rule.code), rule]


def conditions_of(transition: Any) -> list[Rule]:
    """A transition's conditions, one rule each (registered ones in their place)."""
    found: list[Rule] = []
    for condition in transition.conditions:
        found += condition.rules if isinstance(condition, RegisteredRules) else [condition]
    return found


def _application_complete(enrollment: Enrollment) -> bool:
    application = getattr(enrollment, "application", None)
    return application is not None and not application.missing_parts()


def _application_missing(enrollment: Enrollment) -> list[Any]:
    from .parts import application_missing_messages

    application = getattr(enrollment, "application", None)
    return [] if application is None else application_missing_messages(application)


def site_terminals(enrollment: Enrollment) -> QuerySet[TestedTerminal]:
    """The terminals of the case's site that count, with their latest test (see the registry):
    all but those registered by a case of the site that was withdrawn or rejected (they were
    never put in use)."""
    ended = type(enrollment).objects.filter(
        site_id=enrollment.site_id, state__in=["withdrawn", "rejected"]
    )
    return terminals_of(enrollment.site).exclude(
        origin_type=ContentType.objects.get_for_model(enrollment),
        origin_id__in=ended.values("pk"),
    )


# ⑥ → ⑦'s two conditions ask whether the site has terminals and whether any has not passed:
# asked on every case page a PSA or delegate opens at ⑥ (the transition's options) and by the
# step's service. Each query is compiled once per model and content type (core.prepared), the
# site's id a parameter: building them took the case page ~15 ms, running them well under one
# (#14; tests/enrollment/test_terminal_rules_kept.py).
_TERMINAL_RULES: PreparedCache[PreparedQuery] = PreparedCache(size=16)
_SITE = int_sentinels(1)


def _any_site_terminal(
    enrollment: Enrollment, narrow: Callable[[QuerySet[Any]], QuerySet[Any]]
) -> bool:
    """Whether ``narrow(site_terminals(enrollment))`` has a row."""
    model = type(enrollment)

    def build() -> PreparedQuery:
        terminals = narrow(site_terminals(model(site=Site(pk=_SITE[0]))))
        return PreparedQuery(terminals.values("pk")[:1], _SITE)

    key = (narrow.__name__, model, ContentType.objects.get_for_model(model).pk)
    return bool(_TERMINAL_RULES.get(key, build).rows([enrollment.site_id]))


def _every(terminals: QuerySet[Any]) -> QuerySet[Any]:
    return terminals


def _has_terminals(enrollment: Enrollment) -> bool:
    return _any_site_terminal(enrollment, _every)


def _every_terminal_passed(enrollment: Enrollment) -> bool:
    """Every terminal's latest connection test passed (a later failure undoes an earlier pass)."""
    return not _any_site_terminal(enrollment, untested)


APPLICATION_COMPLETE = Rule(
    "application_incomplete",
    _(
        "The application is not complete: all four requirements "
        "(実績等, 設備, 機器, 拠点地域), the planned terminals, "
        "the desired start of use and the contract must be filled in."
    ),
    _application_complete,
    _application_missing,
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


# ② 現地確認 and ⑦ 最終現地確認 (the inspections app records them) ----------------------------
# Every outcome of ② and ⑦ is a round of the inspections app — one held on paper is recorded
# with its scanned checklist — and its notice is issued with it: the case moves only when a
# round of the current step is finished, and only to the outcome its findings give.
OPEN = "open"
KIND_OF_STEP = {2: InspectionKind.SITE, 7: InspectionKind.FINAL}


def portal_outcome(enrollment: Enrollment) -> str | None:
    """``open`` while a round of this step is not finished; the outcome of one finished since the
    case entered its state; None when the portal holds nothing for this round."""
    kind = KIND_OF_STEP.get(enrollment.step)
    if kind is None:
        return None
    rounds = rounds_of(enrollment, kind)
    if rounds.exclude(status=InspectionStatus.FINISHED).exists():
        return OPEN
    latest = rounds.filter(finished_at__gte=enrollment.state_changed_at).order_by("-round").first()
    return latest.outcome if latest else None


def _inspection_outcome_is(outcome: str) -> Callable[[Enrollment], bool]:
    def check(enrollment: Enrollment) -> bool:
        return portal_outcome(enrollment) == outcome

    return check


def _every_deficiency_reported(enrollment: Enrollment) -> bool:
    """No open deficiency of the current step's rounds lacks a remediation report."""
    kind = KIND_OF_STEP.get(enrollment.step)
    unreported = Deficiency.objects.filter(
        inspection__in=rounds_of(enrollment, kind).values("pk"),
        resolved_at__isnull=True,
        reports__isnull=True,
    )
    return kind is None or not unreported.exists()


def _audit_result_chosen(enrollment: Enrollment) -> bool:
    return portal_outcome(enrollment) == Outcome.DEEMED_BY_AUDIT


INSPECTION_PASSED = Rule(
    "inspection_not_passed",
    _(
        "No round of this inspection has passed: record the round on its page (a round held "
        "on paper with its scanned checklist), where the findings decide the outcome."
    ),
    _inspection_outcome_is("passed"),
)
INSPECTION_FOUND_DEFICIENCIES = Rule(
    "inspection_without_deficiency",
    _(
        "No round of this inspection found a deficiency (不適合) requiring remediation: record "
        "the round on its page, where the findings decide the outcome."
    ),
    _inspection_outcome_is("remediation_required"),
)
EVERY_DEFICIENCY_REPORTED = Rule(
    "deficiency_not_reported",
    _(
        "Every open deficiency (不適合) needs a remediation report (改善報告) with its evidence "
        "before the remediation can be reported."
    ),
    _every_deficiency_reported,
)
AUDIT_RESULT_CHOSEN = Rule(
    "audit_result_missing",
    _(
        "Choose the company's audit-result notice (監査結果通知書) that stands in for the visit: "
        "the inspection can be deemed done only on such a document."
    ),
    _audit_result_chosen,
)
