"""Who may do what with a change application, and who sees it.

The PSA files and answers; the delegate reads; a 利用者 files nothing and reads no application
(the site's history of registered data is theirs to read). The office reviews, decides and asks.
The provider sees only the changes that concern it — relocations, closures and layout changes
that move terminals or the line — once submitted, and of them only the change itself, the
requests it made and its own work: never the review, its comments or the submitted versions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dsg.orgs.models import Role
from dsg.orgs.permissions import ProviderView, Visibility, register, through

from .models import (
    ActionRequest,
    ChangeComment,
    ChangeRecord,
    ChangeRequest,
    ChangeState,
    ChangeVersion,
    ProviderWork,
    RegisteredChange,
)

ACTIONS = {
    "change.file": {Role.PSA},
    "change.submit": {Role.PSA},
    "change.answer": {Role.PSA},
    "change.review": {Role.REVIEWER},
    "change.ask": {Role.REVIEWER, Role.PROVIDER_STAFF},
    "change.provider_work": {Role.PROVIDER_STAFF},
    "change.open_provider_work": {Role.REVIEWER},
}
APPLICANTS = frozenset({Role.PSA, Role.DELEGATE})
PROVIDER_CONCERNED = Q(kind__concerns_provider=True) & (
    Q(kind__requires_layout=False) | Q(moves_equipment=True) | Q(kind__may_need_provider_work=True)
)


def _provider_changes(user: Any, changes: QuerySet[Any]) -> QuerySet[Any]:
    return changes.filter(PROVIDER_CONCERNED).exclude(state=ChangeState.DRAFT)


def _provider_sees(user: Any, change: ChangeRequest) -> bool:
    kind = change.kind
    concerned = kind.concerns_provider and (
        not kind.requires_layout or change.moves_equipment or kind.may_need_provider_work
    )
    return concerned and change.state != ChangeState.DRAFT


def register_policy() -> None:
    register(
        actions=ACTIONS,
        models={
            ChangeRequest: Visibility(
                company="company",
                company_roles=APPLICANTS,
                provider=ProviderView(rows=_provider_changes, sees=_provider_sees),
            ),
            ChangeVersion: Visibility(company="change__company", company_roles=APPLICANTS),
            ChangeComment: Visibility(company="version__change__company", company_roles=APPLICANTS),
            ChangeRecord: Visibility(company="change__company", company_roles=APPLICANTS),
            ActionRequest: Visibility(
                company="change__company",
                company_roles=APPLICANTS,
                provider=through("change", ChangeRequest),
            ),
            ProviderWork: Visibility(
                company="change__company",
                company_roles=APPLICANTS,
                provider=through("change", ChangeRequest),
            ),
            RegisteredChange: Visibility(company="company"),
        },
    )
