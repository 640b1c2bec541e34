"""What an inspection needs of its subject, registered by the app that owns the subject.

The inspections app imports no procedure. The app whose subject is inspected (the enrollment
case at ② and ⑦, later a change application) registers here, when Django starts, which kind of
round its subject awaits now and in which phase (``stage``), what happens to the subject when a
round ends (``outcome``: passed, remediation required or deemed done by an audit result) and
when the office decides on a reported remediation (``decided``), how a notice names the parties
(``party``) and, where its procedure numbers the inspections, by which step (``steps``).

``outcome`` and ``decided`` run inside the inspection's transaction, with the subject locked.
"""

from __future__ import annotations

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
    outcome: Callable[..., None]  # (inspection, actor, comment=...)
    decided: Callable[..., None]  # (inspection, actor)
    party: Callable[[Any], dict[str, Any]]
    steps: Mapping[str, int] = field(default_factory=dict)


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
