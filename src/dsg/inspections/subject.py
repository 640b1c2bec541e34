"""An inspection round as a subject of the shared apps (its proposed dates are appointments)."""

from __future__ import annotations

from dsg.core import subjects

from .models import Inspection
from .selectors import inspection_get_for


def _lock(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().get(pk=inspection.pk)


def _number(inspection: Inspection) -> str:
    return f"{inspection.subject_number} {inspection.get_kind_display()} 第{inspection.round}回"


def register_subject() -> None:
    subjects.register(
        subjects.SubjectType(
            key="inspection",
            model=Inspection,
            get_for=inspection_get_for,
            lock=_lock,
            company=lambda inspection: inspection.company,
            number=_number,
            label=_number,
            url=lambda inspection: f"/inspections/{inspection.pk}/",
            related=("company",),
            place=lambda inspection: subjects.subject_type_of(inspection.subject).place(
                inspection.subject
            ),
        )
    )
