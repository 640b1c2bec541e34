"""Reads of the site registry that depend on who asks (see policy.py); a miss is a 404.

A terminal stands at its site until the office confirms its disposal (基準 第6第6項第3号・第4号):
``terminals_standing`` is what a site still holds (a site's closure waits on it), and every read
of the site's active registry (``terminals_of``) leaves disposed terminals out; their records stay
readable (``terminals_disposed``, ``terminal_get_for``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q, QuerySet, Subquery

from dsg.core.errors import NotVisible
from dsg.documents.models import Document
from dsg.documents.policy import OFFICE_ONLY_KINDS
from dsg.orgs import permissions
from dsg.orgs.models import Site, User

from .models import (
    DisposalState,
    Terminal,
    TerminalDisposal,
    latest_test,
    latest_test_passed,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class LatestTest(TypedDict):
    """What ``terminals_of`` adds to each terminal: its latest connection test, if any."""

    latest_passed: bool | None
    latest_tested_on: dt.date | None
    latest_tester_id: int | None
    latest_tester_key: str | None


TestedTerminal: TypeAlias = "WithAnnotations[Terminal, LatestTest]"


class RegistryRow(LatestTest):
    """What ``site_registry_for`` adds as well: the state of its disposal (None: none)."""

    disposal_state: str | None


RegistryTerminal: TypeAlias = "WithAnnotations[Terminal, RegistryRow]"


def terminal_get_for(*, user: User, pk: int) -> Terminal:
    terminal = (
        permissions.restrict(user, Terminal.objects.select_related("site")).filter(pk=pk).first()
    )
    if terminal is None:
        raise NotVisible()
    return terminal


STANDING = Q(disposal__isnull=True) | Q(disposal__state=DisposalState.RECORDED)


def terminals_standing(site: Site) -> QuerySet[Terminal]:
    """The terminals that still stand at ``site``: all but those whose disposal the office
    confirmed (one with a disposal recorded and not yet confirmed still stands). Each comes with
    its ``disposal`` (or none) in the same query, by name. No permission filter: for services
    (a site's closure waits until this is empty) and for pages that filtered the site."""
    return (
        Terminal.objects.filter(STANDING, site=site)
        .select_related("disposal")
        .order_by("name", "pk")
    )


def site_has_standing_terminals(site: Site) -> bool:
    """Does ``site`` still hold a terminal whose disposal the office has not confirmed?"""
    return Terminal.objects.filter(STANDING, site=site).exists()


def terminals_disposed(site: Site) -> QuerySet[Terminal]:
    """The terminals of ``site`` whose disposal the office confirmed (廃棄済), latest first."""
    return (
        Terminal.objects.filter(site=site, disposal__state=DisposalState.CONFIRMED)
        .select_related("disposal")
        .order_by("-disposal__confirmed_at", "-pk")
    )


def terminals_of(site: Site) -> QuerySet[TestedTerminal]:
    """The site's standing terminals with their latest connection test: whether it passed,
    when, and by whom (portal user and account key; None when never tested). A terminal whose
    disposal was confirmed is no longer in the registry."""
    return (
        Terminal.objects.filter(STANDING, site=site)
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


def site_registry_for(*, user: User, site: Site) -> QuerySet[RegistryTerminal]:
    """Every terminal of ``site`` that ``user`` sees, standing or disposed, with its latest
    connection test and its disposal (who recorded and confirmed it, its proof), by name: one
    query whatever their number."""
    terminals = permissions.restrict(user, Terminal.objects.filter(site=site))
    return (
        terminals.select_related(
            "disposal",
            "disposal__recorded_by",
            "disposal__confirmed_by",
            "disposal__certificate",
        )
        .annotate(
            latest_passed=latest_test_passed(),
            latest_tested_on=Subquery(latest_test().values("tested_on")[:1]),
            latest_tester_id=Subquery(latest_test().values("person_id")[:1]),
            latest_tester_key=Subquery(latest_test().values("tester_key")[:1]),
            disposal_state=F("disposal__state"),
        )
        .order_by("name", "pk")
    )


def disposal_of(terminal: Terminal) -> TerminalDisposal | None:
    """The terminal's disposal as loaded with it (``select_related``), or None."""
    try:
        return terminal.disposal
    except TerminalDisposal.DoesNotExist:
        return None


def disposal_get_for(*, user: User, pk: int) -> TerminalDisposal:
    disposal = (
        permissions.restrict(
            user,
            TerminalDisposal.objects.select_related(
                "terminal__site__company", "recorded_by", "confirmed_by", "certificate"
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if disposal is None:
        raise NotVisible()
    return disposal


def certificates_visible_to(user: User, disposals: list[TerminalDisposal]) -> set[int]:
    """Of the disposals' proof documents, the ids ``user`` may open (one query)."""
    ids = {d.certificate_id for d in disposals}
    if not ids:
        return set()
    visible = permissions.restrict(user, Document.objects.filter(pk__in=ids))
    return set(visible.values_list("pk", flat=True))


def certificate_choices(*, user: User, company_id: int) -> QuerySet[Document]:
    """The documents of the company's folder ``user`` may choose as a disposal's proof: PDFs
    the company stored (not the office's notices, photos or checklists), newest first."""
    documents = Document.objects.filter(company_id=company_id, content_type="application/pdf")
    return permissions.restrict(user, documents.exclude(kind__in=OFFICE_ONLY_KINDS))
