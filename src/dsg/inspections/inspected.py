"""What an inspection needs of its subject, registered by the app that owns the subject.

The inspections app imports no procedure. The app whose subject is inspected (the enrollment
case at ② and ⑦, later a change application) registers here, when Django starts, which kind of
round its subject awaits now and in which phase (``stage``), what happens to the subject when a
round ends (``outcome``: passed, remediation required or deemed done by an audit result) and
when the office decides on a reported remediation (``decided``), how a notice names the parties
(``party``) and, where its procedure numbers the inspections, by which step (``steps``).

A finished round issues a 現地確認結果通知書, except a passed round of a kind the subject answers
with a notice of its own (``own_notice_on_pass``: a case's ⑦ issues the 加入完了通知書 only).
Where a round's outcome takes effect on a date the office sets (a case's 利用開始日 at ⑦),
``effective_on`` names the date by kind and ``effective_default`` proposes it; the office's date
reaches ``outcome`` and ``decided`` as ``effective_on``.

``outcome`` and ``decided`` run inside the inspection's transaction, with the subject locked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

# The phases of a subject's inspection of one kind.
INSPECTING = "inspecting"  # a round is held (opened, dated, recorded, finished)
REMEDIATING = "remediating"  # the company remedies the deficiencies and reports on each
DECIDING = "deciding"  # the office accepts the remediation or requires a re-inspection


@dataclass(frozen=True)
class Stage:
    kind: str  # InspectionKind
    phase: str


@dataclass(frozen=True)
class InspectedSubject:
    model: type[models.Model]
    stage: Callable[[Any], Stage | None]
    outcome: Callable[..., None]  # (inspection, actor, comment=..., effective_on=...)
    decided: Callable[..., None]  # (inspection, actor, effective_on=...)
    party: Callable[[Any], dict[str, Any]]
    steps: Mapping[str, int] = field(default_factory=dict)
    own_notice_on_pass: frozenset[str] = frozenset()
    effective_on: Mapping[str, Any] = field(default_factory=dict)  # kind -> the date's label
    effective_default: Callable[[Any], dt.date] | None = None


_REGISTERED: dict[type[models.Model], InspectedSubject] = {}


def register_inspected(subject: InspectedSubject) -> None:
    _REGISTERED[subject.model] = subject


def unregister_inspected(model: type[models.Model]) -> None:
    _REGISTERED.pop(model, None)


def inspected(subject: models.Model | type[models.Model]) -> InspectedSubject:
    model = subject if isinstance(subject, type) else type(subject)
    for known, registered in _REGISTERED.items():
        if issubclass(model, known):
            return registered
    raise ImproperlyConfigured(f"{model.__name__} is not registered as an inspected subject")


def stage_of(subject: models.Model) -> Stage | None:
    return inspected(subject).stage(subject)


def step_of(subject: models.Model, kind: str) -> int | None:
    """The step of the subject's procedure an inspection of ``kind`` is (② ⑦), if numbered."""
    return inspected(subject).steps.get(kind)


def effective_label(subject: models.Model, kind: str) -> Any:
    """The label of the date the office sets when a round of ``kind`` decides the subject's
    outcome (None when no date is asked)."""
    return inspected(subject).effective_on.get(kind)


def effective_default(subject: models.Model) -> dt.date | None:
    default = inspected(subject).effective_default
    return default(subject) if default else None
