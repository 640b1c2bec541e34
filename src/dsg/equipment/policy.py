"""Who files, reviews and decides the requests of §5, and who sees them.

The PSA files, answers the office's 追加資料依頼 and withdraws; the delegate reads; a 利用者 files
nothing and reads no request (they see the registry: their terminals and media). The office's
reviewer takes a request up, asks for more and decides each line. The provider sees no request:
it reads what was approved in the registry, and answers the helpdesk requests of the sites it
provisions (whitelisted software it must enable).
"""

from __future__ import annotations

from dsg.orgs.models import Role, Site
from dsg.orgs.permissions import Visibility, register, through

from .models import (
    EquipmentRequest,
    HelpdeskRequest,
    InfoRequest,
    MediumLine,
    SoftwareLine,
    TerminalLine,
)

ACTIONS = {
    "equipment_request.file": {Role.PSA},
    "equipment_request.answer": {Role.PSA},
    "equipment_request.withdraw": {Role.PSA},
    "equipment_request.review": {Role.REVIEWER},
    "helpdesk.file": {Role.PSA},
    "helpdesk.answer": {Role.PROVIDER_STAFF},
}
APPLICANTS = frozenset({Role.PSA, Role.DELEGATE})


def register_policy() -> None:
    register(
        actions=ACTIONS,
        models={
            EquipmentRequest: Visibility(company="site__company", company_roles=APPLICANTS),
            TerminalLine: Visibility(company="request__site__company", company_roles=APPLICANTS),
            SoftwareLine: Visibility(company="request__site__company", company_roles=APPLICANTS),
            MediumLine: Visibility(company="request__site__company", company_roles=APPLICANTS),
            InfoRequest: Visibility(company="request__site__company", company_roles=APPLICANTS),
            HelpdeskRequest: Visibility(
                company="site__company",
                company_roles=APPLICANTS,
                provider=through("site", Site),
            ),
        },
    )
