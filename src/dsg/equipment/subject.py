"""A §5 request as a subject of the shared apps: the documents the PSA stores with it (the
request's specifications, the answer to a 追加資料依頼) go to the company's folder with the
request as their subject."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dsg.core import subjects
from dsg.core.errors import RuleViolation

from .models import EquipmentRequest
from .selectors import request_get_for
from .services import request_lock

SUBJECT_KEY = "equipment_request"


def _check_open(request: EquipmentRequest) -> None:
    if not request.is_open:
        raise RuleViolation(
            _("The request is closed; no documents can be added."), code="wrong_state"
        )


def register_subject() -> None:
    subjects.register(
        subjects.SubjectType(
            key=SUBJECT_KEY,
            model=EquipmentRequest,
            get_for=request_get_for,
            lock=request_lock,
            company=lambda request: request.site.company,
            number=lambda request: request.receipt_number,
            label=lambda request: (
                f"{request.receipt_number} ({request.get_kind_display()}, {request.site.name})"
            ),
            url=lambda request: f"/equipment-requests/{request.pk}/",
            check_open=_check_open,
            related=("site__company",),
            place=lambda request: f"{request.site.name} {request.site.full_address}",
        )
    )
