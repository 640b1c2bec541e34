"""Reads of provisioning records through the visibility of their case; a miss is a 404."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from dsg.core.errors import NotVisible
from dsg.enrollment.models import Enrollment
from dsg.enrollment.selectors import enrollment_list_for
from dsg.orgs.models import User

from .models import AccountHolder, AncillaryWork, ConnectionTest, Terminal, latest_test_passed


def _visible(user: User, queryset: QuerySet, path: str) -> QuerySet:
    return queryset.filter(**{f"{path}__in": enrollment_list_for(user=user).values("pk")})


def terminal_get_for(*, user: User, pk: int) -> Terminal:
    return _get(
        _visible(user, Terminal.objects.select_related("site", "enrollment"), "enrollment"), pk
    )


def account_holder_get_for(*, user: User, pk: int) -> AccountHolder:
    return _get(
        _visible(user, AccountHolder.objects.select_related("person", "enrollment"), "enrollment"),
        pk,
    )


def ancillary_work_get_for(*, user: User, pk: int) -> AncillaryWork:
    return _get(
        _visible(user, AncillaryWork.objects.select_related("enrollment"), "enrollment"), pk
    )


def _get(queryset: QuerySet, pk: int):  # type: ignore[no-untyped-def]
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotVisible()
    return obj


def terminals_of(enrollment: Enrollment) -> QuerySet[Terminal]:
    """The case's terminals with their latest connection test: result and date (None if none)."""
    latest = ConnectionTest.objects.filter(terminal=OuterRef("pk")).order_by(
        "-tested_on", "-recorded_at", "-pk"
    )
    return Terminal.objects.filter(enrollment=enrollment).annotate(
        latest_passed=latest_test_passed(),
        latest_tested_on=Subquery(latest.values("tested_on")[:1]),
    )
