"""Reads of change applications, always through the permission engine."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dsg.core.errors import NotVisible
from dsg.orgs.permissions import restrict

from .models import ActionRequest, ChangeKind, ChangeRequest, ProviderWork, RegisteredChange


def change_list_for(user: Any) -> QuerySet[ChangeRequest]:
    return restrict(user, ChangeRequest.objects.all()).select_related("site", "kind", "company")


def change_get_for(user: Any, pk: Any) -> ChangeRequest:
    try:
        return change_list_for(user).get(pk=int(pk))
    except (ChangeRequest.DoesNotExist, TypeError, ValueError) as error:
        raise NotVisible() from error


def changes_of_site(user: Any, site: Any) -> QuerySet[ChangeRequest]:
    return change_list_for(user).filter(site=site)


def action_request_get_for(user: Any, pk: Any) -> ActionRequest:
    try:
        return (
            restrict(user, ActionRequest.objects.all())
            .select_related("change", "change__site", "change__kind", "change__company")
            .get(pk=int(pk))
        )
    except (ActionRequest.DoesNotExist, TypeError, ValueError) as error:
        raise NotVisible() from error


def provider_work_get_for(user: Any, pk: Any) -> ProviderWork:
    try:
        return (
            restrict(user, ProviderWork.objects.all())
            .select_related("change", "change__site", "change__kind", "change__company")
            .get(pk=int(pk))
        )
    except (ProviderWork.DoesNotExist, TypeError, ValueError) as error:
        raise NotVisible() from error


def site_history_for(user: Any, site: Any) -> QuerySet[RegisteredChange]:
    """Each value of the site's registered data changed by an applied change, newest first."""
    return (
        restrict(user, RegisteredChange.objects.filter(site=site))
        .select_related("change", "change__kind", "applied_by")
        .order_by("-applied_at", "pk")
    )


def kinds_offered() -> QuerySet[ChangeKind]:
    return ChangeKind.objects.filter(active=True)
