"""Who sees an appointment: whoever sees what it is for (its case, its inspection round)."""

from __future__ import annotations

from dsg.core import subjects
from dsg.orgs.permissions import ProviderView, Visibility, register

from .models import Appointment


def register_policy() -> None:
    subjects.register_attached(Appointment)
    register(
        models={
            Appointment: Visibility(
                company="company",
                provider=ProviderView(rows=lambda user, appointments: appointments),
                via_subject=True,
            )
        }
    )
