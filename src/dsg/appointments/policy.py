"""Who sees an appointment: whoever sees what it is for (its case, its inspection round).

An appointment for one party within its subject (a vein registration is for one account holder)
is not shown to the company's 利用者 unless it names them: who holds the company's accounts is
the application's, which a 利用者 does not read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dsg.core import subjects
from dsg.orgs.models import Role
from dsg.orgs.permissions import ProviderView, Visibility, register

from .models import Appointment


def _for_the_role(user: Any, appointments: QuerySet[Any]) -> QuerySet[Any]:
    if user.role == Role.USER:
        return appointments.filter(Q(party="") | Q(person=user))
    return appointments


def register_policy() -> None:
    subjects.register_attached(Appointment)
    register(
        models={
            Appointment: Visibility(
                company="company",
                narrow=_for_the_role,
                provider=ProviderView(rows=lambda user, appointments: appointments),
                via_subject=True,
            )
        }
    )
