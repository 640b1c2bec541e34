from __future__ import annotations

from dsg.documents.services import document_store
from dsg.requests import services
from dsg.requests.models import ChangeRequest

from ..walk import small_pdf


def attach(change: ChangeRequest, actor, kind: str = "layout") -> None:
    document_store(
        actor=actor,
        company=change.company,
        subject=change,
        kind=kind,
        filename=f"{kind}.pdf",
        data=small_pdf(),
    )


def submitted(site, cast, kind: str, data: dict, *, layout: bool = False) -> ChangeRequest:
    change = services.change_start(actor=cast.psa, site=site, kind=kind)
    change = services.change_update(change=change, actor=cast.psa, data=data)
    if layout:
        attach(change, cast.psa)
    services.change_submit(change=change, actor=cast.psa)
    change.refresh_from_db()
    return change
