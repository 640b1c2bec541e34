"""Reads of the §5 requests and the helpdesk requests, always through the permission engine: a
request another party may not see is a 404 (``NotVisible``), never a 403."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from dsg.core.errors import NotVisible
from dsg.orgs.permissions import restrict

from .models import (
    OPEN_STATES,
    EquipmentRequest,
    HelpdeskRequest,
    InfoRequest,
    MediumLine,
    RequestKind,
    SoftwareLine,
    TerminalLine,
)


def request_list_for(user: Any) -> QuerySet[EquipmentRequest]:
    """The requests ``user`` sees (the company's applicants: their own; the office: all)."""
    return restrict(user, EquipmentRequest.objects.all()).select_related("site__company")


def request_get_for(user: Any, pk: Any) -> EquipmentRequest:
    try:
        return (
            request_list_for(user)
            .select_related("filed_by", "reviewer", "decided_by")
            .get(pk=int(pk))
        )
    except (EquipmentRequest.DoesNotExist, TypeError, ValueError) as error:
        raise NotVisible() from error


def request_queue_for(user: Any) -> QuerySet[EquipmentRequest]:
    """The open requests, the oldest first (the office's queue)."""
    return request_list_for(user).filter(state__in=OPEN_STATES).order_by("filed_at", "pk")


def request_counts_for(user: Any) -> dict[str, int]:
    """How many visible requests are in each open state (one query)."""
    return {row["state"]: row["n"] for row in request_counts_query(user)}


def request_counts_query(user: Any) -> QuerySet[Any]:
    """``request_counts_for``'s query: a row of ``state`` and ``n`` per open state."""
    return (
        restrict(user, EquipmentRequest.objects.filter(state__in=OPEN_STATES))
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    )


def lines_of(user: Any, request: EquipmentRequest) -> list[Any]:
    """The request's lines in order, each with what it names (two queries whatever the count)."""
    if request.kind == RequestKind.TERMINAL:
        terminals = TerminalLine.objects.filter(request=request).select_related("terminal")
        return list(restrict(user, terminals).select_related("decided_by").order_by("position"))
    if request.kind == RequestKind.MEDIUM:
        media = MediumLine.objects.filter(request=request).select_related("medium")
        rows: QuerySet[Any] = restrict(user, media)
    else:
        rows = restrict(user, SoftwareLine.objects.filter(request=request))
    return list(
        rows.select_related("decided_by").prefetch_related("terminals").order_by("position")
    )


def info_requests_of(user: Any, request: EquipmentRequest) -> list[InfoRequest]:
    """The office's 追加資料依頼 on the request with their answers, the oldest first."""
    return list(
        restrict(user, InfoRequest.objects.filter(request=request))
        .select_related("asked_by", "answered_by")
        .order_by("asked_at", "pk")
    )


def helpdesk_list_for(user: Any) -> QuerySet[HelpdeskRequest]:
    """The helpdesk requests ``user`` sees (the provider: of the sites it provisions)."""
    return restrict(user, HelpdeskRequest.objects.all()).select_related(
        "site__company", "filed_by", "answered_by"
    )


def helpdesk_get_for(user: Any, pk: Any) -> HelpdeskRequest:
    try:
        return helpdesk_list_for(user).select_related("catalogue_entry").get(pk=int(pk))
    except (HelpdeskRequest.DoesNotExist, TypeError, ValueError) as error:
        raise NotVisible() from error
