"""Reads of the site registry that depend on who asks (see policy.py); a miss is a 404."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet, Subquery

from dsg.core.errors import NotVisible
from dsg.orgs import permissions
from dsg.orgs.models import Site, User

from .models import Terminal, latest_test, latest_test_passed

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class LatestTest(TypedDict):
    """What ``terminals_of`` adds to each terminal: its latest connection test, if any."""

    latest_passed: bool | None
    latest_tested_on: dt.date | None
    latest_tester_id: int | None
    latest_tester_key: str | None


TestedTerminal: TypeAlias = "WithAnnotations[Terminal, LatestTest]"


def terminal_get_for(*, user: User, pk: int) -> Terminal:
    terminal = (
        permissions.restrict(user, Terminal.objects.select_related("site")).filter(pk=pk).first()
    )
    if terminal is None:
        raise NotVisible()
    return terminal


def terminals_of(site: Site) -> QuerySet[TestedTerminal]:
    """The site's terminals with their latest connection test: whether it passed, when, and by
    whom (portal user and account key; None when never tested)."""
    return (
        Terminal.objects.filter(site=site)
        .annotate(
            latest_passed=latest_test_passed(),
            latest_tested_on=Subquery(latest_test().values("tested_on")[:1]),
            latest_tester_id=Subquery(latest_test().values("person_id")[:1]),
            latest_tester_key=Subquery(latest_test().values("tester_key")[:1]),
        )
        .order_by("name", "pk")
    )


def untested(terminals: QuerySet[TestedTerminal]) -> QuerySet[TestedTerminal]:
    """Of terminals annotated by ``terminals_of``: those whose latest test did not pass."""
    return terminals.filter(Q(latest_passed=False) | Q(latest_passed__isnull=True))


def terminals_registered_by(origin: models.Model) -> QuerySet[Terminal]:
    """The terminals a case or request registered (whatever they count for now)."""
    return Terminal.objects.filter(
        origin_type=ContentType.objects.get_for_model(origin), origin_id=origin.pk
    )
