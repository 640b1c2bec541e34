"""The one place that decides who may see and do what.

Every page, API handler, selector and transition asks here. Reads are filtered in the query
(a miss is a 404); actions are checked against ``ACTION_ROLES`` and the object's company.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from .models import OrganizationKind, Role

if TYPE_CHECKING:
    from .models import Organization, User

COMPANY_ROLES = frozenset({Role.PSA, Role.DELEGATE, Role.USER})

# Which role may do what. Company roles act only on their own company's objects.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "site.create": frozenset({Role.PSA}),
    "enrollment.create": frozenset({Role.PSA}),
    "enrollment.edit_application": frozenset({Role.PSA}),
    "enrollment.submit": frozenset({Role.PSA}),
    "enrollment.withdraw": frozenset({Role.PSA}),
    "enrollment.return": frozenset({Role.REVIEWER}),
    "enrollment.accept": frozenset({Role.REVIEWER}),
    "enrollment.reject": frozenset({Role.REVIEWER}),
    "inspection.record": frozenset({Role.INSPECTOR}),
    "inspection.deem_by_audit": frozenset({Role.REVIEWER}),
    "remediation.report": frozenset({Role.PSA}),
    "remediation.decide": frozenset({Role.REVIEWER}),
    "survey.record": frozenset({Role.PROVIDER_STAFF}),
    "ancillary_work.add": frozenset({Role.PROVIDER_STAFF}),
    "ancillary_work.mark_done": frozenset({Role.PSA}),
    "construction.complete": frozenset({Role.PROVIDER_STAFF}),
    "router.install": frozenset({Role.PROVIDER_STAFF}),
    "terminal.register": frozenset({Role.PSA}),
    "account_holder.add": frozenset({Role.PSA}),
    "account.issue": frozenset({Role.PROVIDER_STAFF}),
    "vein_registration.record": frozenset({Role.PROVIDER_STAFF}),
    "connection_test.record": frozenset({Role.PSA, Role.DELEGATE}),
    "final_inspection.request": frozenset({Role.PSA}),
    "application.view": frozenset({Role.PSA, Role.DELEGATE, Role.REVIEWER, Role.INSPECTOR}),
    # 加入申請書 review (enrollment app): comments per part, opening a submitted version.
    "application.review": frozenset({Role.REVIEWER}),
    # inspections (② 現地確認, ⑦ 最終現地確認); the provider is never among these
    "inspection.view": frozenset({Role.PSA, Role.DELEGATE, Role.REVIEWER, Role.INSPECTOR}),
    "inspection.schedule": frozenset({Role.REVIEWER, Role.INSPECTOR}),
    "inspection.pick_slot": frozenset({Role.PSA}),
    "checklist.view": frozenset({Role.REVIEWER, Role.INSPECTOR}),
    "checklist.manage": frozenset({Role.REVIEWER}),
    # provisioning ③–⑥ (issue #4): appointments, setup media, account information, tasks
    "appointment.propose": frozenset({Role.PROVIDER_STAFF}),
    "appointment.respond": frozenset({Role.PSA}),
    "appointment.close": frozenset({Role.PROVIDER_STAFF}),
    "media.ship": frozenset({Role.PROVIDER_STAFF}),
    "media.receive": frozenset({Role.PSA}),
    "account_delivery.create": frozenset({Role.PROVIDER_STAFF}),
    "account_delivery.open": frozenset({Role.PSA}),
    "router.identify": frozenset({Role.PROVIDER_STAFF}),
    "provider.tasks": frozenset({Role.PROVIDER_STAFF}),
    "notice.issue": frozenset({Role.REVIEWER, Role.INSPECTOR}),
    # documents (issue #3): the folder (申請書等格納フォルダ); reads are filtered below
    "document.store": frozenset({Role.PSA, Role.REVIEWER, Role.INSPECTOR}),
    "document.read_password": frozenset({Role.REVIEWER, Role.INSPECTOR}),
    # schedule (スケジュール表)
    "schedule.change_durations": frozenset({Role.REVIEWER}),
}


def kind_of(user: User) -> str | None:
    if not user.is_authenticated or user.organization_id is None:
        return None
    return user.organization.kind


def is_company_member(user: User) -> bool:
    return kind_of(user) == OrganizationKind.COMPANY and user.role in COMPANY_ROLES


def is_office(user: User) -> bool:
    return kind_of(user) == OrganizationKind.OFFICE


def is_provider(user: User) -> bool:
    return kind_of(user) == OrganizationKind.PROVIDER


def company_of(obj: Any) -> Organization | None:
    """The company that owns ``obj`` (a site, an enrollment or anything hanging off one)."""
    for path in ("company", "site", "enrollment", "terminal", "holder"):
        target = getattr(obj, path, None)
        if target is not None:
            return target if path == "company" else company_of(target)
    return None


def may(user: User, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` on ``obj``? Unknown actions are never allowed."""
    roles = ACTION_ROLES.get(action)
    if roles is None or not user.is_authenticated or user.role not in roles:
        return False
    if user.role in COMPANY_ROLES:
        company = company_of(obj) if obj is not None else user.organization
        return (
            company is not None and company.pk == user.organization_id and is_company_member(user)
        )
    if user.role == Role.PROVIDER_STAFF:
        return is_provider(user) and (obj is None or provider_may_see(obj))
    return is_office(user)


def provider_may_see(obj: Any) -> bool:
    """The provider sees cases from the line survey (③) on, never inspection findings."""
    from dsg.enrollment.models import PROVIDER_VISIBLE_STATES

    enrollment = (
        obj
        if hasattr(obj, "state") and hasattr(obj, "site_id")
        else getattr(obj, "enrollment", None)
    )
    return enrollment is not None and enrollment.state in PROVIDER_VISIBLE_STATES


def restrict_enrollments(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The cases ``user`` may see, filtered in the query."""
    from dsg.enrollment.models import PROVIDER_VISIBLE_STATES

    if is_company_member(user):
        return queryset.filter(site__company_id=user.organization_id)
    if is_office(user):
        return queryset
    if is_provider(user):
        return queryset.filter(state__in=PROVIDER_VISIBLE_STATES)
    return queryset.none()


def restrict_sites(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The sites ``user`` may see: a company its own; the provider those it provisions."""
    from dsg.enrollment.models import PROVIDER_VISIBLE_STATES

    if is_company_member(user):
        return queryset.filter(company_id=user.organization_id)
    if is_office(user):
        return queryset
    if is_provider(user):
        return queryset.filter(
            pk__in=queryset.model.objects.filter(
                enrollments__state__in=PROVIDER_VISIBLE_STATES
            ).values("pk")
        )
    return queryset.none()


# documents (issue #3) ---------------------------------------------------------------------------
# The provider reads only the layout diagram (it plans the line's route to the room) and "other"
# documents of the cases it provisions; never audit results, inspection photos, remediation
# evidence or notices. The office stores any kind; a company never stores the office's kinds.
PROVIDER_DOCUMENT_KINDS = frozenset({"layout", "other"})
OFFICE_ONLY_DOCUMENT_KINDS = frozenset({"inspection_photo", "notice"})


def restrict_documents(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The documents ``user`` may see, filtered in the query."""
    from dsg.enrollment.models import PROVIDER_VISIBLE_STATES

    if is_company_member(user):
        return queryset.filter(company_id=user.organization_id)
    if is_office(user):
        return queryset
    if is_provider(user):
        return queryset.filter(
            kind__in=PROVIDER_DOCUMENT_KINDS, enrollment__state__in=PROVIDER_VISIBLE_STATES
        )
    return queryset.none()


def may_store_document(user: User, kind: str, company: Any) -> bool:
    """May ``user`` put a document of ``kind`` into ``company``'s folder?"""
    if not user.is_authenticated or user.role not in ACTION_ROLES["document.store"]:
        return False
    if user.role in COMPANY_ROLES:
        return (
            is_company_member(user)
            and company.pk == user.organization_id
            and kind not in OFFICE_ONLY_DOCUMENT_KINDS
        )
    return is_office(user)
