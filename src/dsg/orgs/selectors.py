"""Reads of organisations, people and sites that depend on who asks; who hears about a change."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from dsg.core.errors import NotVisible
from dsg.notifications.recipients import Recipient

from . import permissions
from .models import ROLES_OF_KIND, ApiToken, OrganizationKind, Role, Site, User


def site_list_for(*, user: User) -> QuerySet[Site]:
    return permissions.restrict(user, Site.objects.select_related("company"))


def site_get_for(*, user: User, pk: int) -> Site:
    site = site_list_for(user=user).filter(pk=pk).first()
    if site is None:
        raise NotVisible()
    return site


def api_token_get_for(*, user: User, pk: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise NotVisible()
    return token


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The person's own tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_of_raw(*, user: User, raw: str) -> ApiToken:
    """The person's token whose value is ``raw`` (just created: its value is never stored)."""
    return ApiToken.objects.get(user=user, digest=ApiToken.digest_of(raw))


def company_people_for(*, user: User) -> QuerySet[User]:
    """The active people of the user's company, by name: for its PSA and the person the PSA
    designates (to name account holders and custodians); anyone else is refused (403)."""
    permissions.require_permission(actor=user, action="company.people")
    if user.organization_id is None:  # a company role always has its company
        raise NotVisible()
    people = User.objects.filter(organization_id=user.organization_id, is_active=True)
    return people.order_by("full_name", "email", "pk")


def emails_of(*, roles: Iterable[str], company_id: int | None = None) -> list[str]:
    """The addresses of the active people with one of ``roles``: of one company when
    ``company_id`` is given (company roles), else of the office or the provider (their roles)."""
    roles = list(roles)
    people = User.objects.filter(is_active=True, role__in=roles)
    if company_id is not None:
        people = people.filter(organization_id=company_id)
    else:
        kinds = [kind for kind, own in ROLES_OF_KIND.items() if own & set(roles)]
        people = people.filter(organization__kind__in=kinds).exclude(
            organization__kind=OrganizationKind.COMPANY
        )
    return sorted(set(people.values_list("email", flat=True)))


def psa_emails(company_id: int) -> list[str]:
    """The company's 保護システム管理者: every notice to the company goes to them."""
    return emails_of(roles=[Role.PSA], company_id=company_id)


def recipients_of(addresses: list[str]) -> dict[str, Recipient]:
    """Who holds each address and the language they read their mail in (one query): registered
    with the mail composer (``dsg.notifications.recipients``) when Django starts."""
    people = User.objects.filter(email__in=addresses).values_list("email", "pk", "language")
    return {email: Recipient(email, pk, language) for email, pk, language in people}
