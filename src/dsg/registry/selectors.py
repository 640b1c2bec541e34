"""Reads of the site registry that depend on who asks (see policy.py); a miss is a 404.

A terminal stands at its site until the office confirms its disposal (基準 第6第6項第3号・第4号):
``terminals_standing`` is what a site still holds (a site's closure waits on it), and every read
of the site's active registry (``terminals_of``) leaves disposed terminals out; their records stay
readable (``terminals_disposed``, ``terminal_get_for``). A removable medium alike
(``media_standing``, ``media_of``).

A terminal's life stage (``LifeStage``: 登録済 → セットアップ済 → 接続テスト合格 → 利用中 →
削除申請中 → 廃棄済) is computed in the query from what is stored (``life_stage``), never kept in a
column of its own; 申請中 is a line of a request before any terminal exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, F, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import NotVisible
from dsg.core.prepared import PreparedCache, PreparedQuery, int_sentinels, person_key
from dsg.documents.models import Document
from dsg.documents.policy import OFFICE_ONLY_KINDS
from dsg.orgs import permissions
from dsg.orgs.models import Site, User

from .models import (
    Disposal,
    DisposalState,
    MediumDisposal,
    RemovableMedium,
    Terminal,
    TerminalDisposal,
    TerminalSoftware,
    latest_test,
    latest_test_passed,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class LifeStage(models.TextChoices):
    """Where a terminal is in its life (the issue's 申請中 → … → 廃棄済), in that order."""

    APPLIED = "applied", _("Applied for (申請中)")
    REGISTERED = "registered", _("Registered (登録済)")
    SET_UP = "set_up", _("Set up (セットアップ済)")
    TESTED = "tested", _("Connection test passed (接続テスト合格)")
    IN_USE = "in_use", _("In use (利用中)")
    REMOVAL_REQUESTED = "removal_requested", _("Removal requested (削除申請中)")
    DISPOSED = "disposed", _("Disposed (廃棄済)")


# Which terminals of a site an app above has a removal (削除申請) pending for: the ids, as a
# queryset of one column (a subquery: no query of its own) or a collection. The equipment app
# registers its own in its AppConfig.ready; the registry knows no request.
RemovalPending = Callable[[Site], "QuerySet[Any] | Collection[int]"]
_REMOVAL_PENDING: list[RemovalPending] = []


def register_removal_pending(rule: RemovalPending) -> None:
    """An app above tells which of a site's terminals await their removal (削除申請中)."""
    if rule not in _REMOVAL_PENDING:
        _REMOVAL_PENDING.append(rule)


def removal_pending_q(site: Site) -> Q:
    """Terminals of ``site`` with a removal pending, by the registered rules (none: no row)."""
    condition = Q(pk__in=[])
    for rule in _REMOVAL_PENDING:
        condition |= Q(pk__in=rule(site))
    return condition


def life_stage(site: Site) -> Case:
    """The life stage of each terminal of ``site``, computed in the query from its disposal, the
    removals pending, its latest connection test (``latest_passed``, annotated before), its
    in-use and its set-up dates."""
    return Case(
        When(disposal__state=DisposalState.CONFIRMED, then=Value(LifeStage.DISPOSED)),
        When(
            Q(disposal__state=DisposalState.RECORDED) | removal_pending_q(site),
            then=Value(LifeStage.REMOVAL_REQUESTED),
        ),
        When(latest_passed=True, in_use_since__isnull=False, then=Value(LifeStage.IN_USE)),
        When(latest_passed=True, then=Value(LifeStage.TESTED)),
        When(set_up_on__isnull=False, then=Value(LifeStage.SET_UP)),
        default=Value(LifeStage.REGISTERED),
        output_field=models.CharField(),
    )


class LatestTest(TypedDict):
    """What ``terminals_of`` adds to each terminal: its latest connection test, if any, and its
    life stage."""

    latest_passed: bool | None
    latest_tested_on: dt.date | None
    latest_tester_id: int | None
    latest_tester_key: str | None
    life_stage: str


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


# Equipment (terminals, media) that stands: no disposal, or one the office has not confirmed.
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


def site_has_standing_equipment(site: Site) -> bool:
    """Does ``site`` still hold a terminal or a removable medium not confirmed disposed of?"""
    return site_has_standing_terminals(site) or media_standing(site).exists()


def site_in_use_since(site: Site) -> dt.date | None:
    """Since when ``site`` is in use: the earliest 利用開始日 of its standing terminals (None:
    no terminal of the site is in use yet, as before 加入)."""
    first: dt.date | None = Terminal.objects.filter(STANDING, site=site).aggregate(
        first=models.Min("in_use_since")
    )["first"]
    return first


def terminals_disposed(site: Site) -> QuerySet[Terminal]:
    """The terminals of ``site`` whose disposal the office confirmed (廃棄済), latest first."""
    return (
        Terminal.objects.filter(site=site, disposal__state=DisposalState.CONFIRMED)
        .select_related("disposal")
        .order_by("-disposal__confirmed_at", "-pk")
    )


def _with_latest_test(terminals: QuerySet[Terminal], site: Site) -> QuerySet[Any]:
    return terminals.annotate(
        latest_passed=latest_test_passed(),
        latest_tested_on=Subquery(latest_test().values("tested_on")[:1]),
        latest_tester_id=Subquery(latest_test().values("person_id")[:1]),
        latest_tester_key=Subquery(latest_test().values("tester_key")[:1]),
    ).annotate(life_stage=life_stage(site))


def terminals_of(site: Site) -> QuerySet[TestedTerminal]:
    """The site's standing terminals with their latest connection test: whether it passed,
    when, and by whom (portal user and account key; None when never tested), and their life
    stage. A terminal whose disposal was confirmed is no longer in the registry."""
    return _with_latest_test(Terminal.objects.filter(STANDING, site=site), site).order_by(
        "name", "pk"
    )


def untested(terminals: QuerySet[TestedTerminal]) -> QuerySet[TestedTerminal]:
    """Of terminals annotated by ``terminals_of``: those whose latest test did not pass."""
    return terminals.filter(Q(latest_passed=False) | Q(latest_passed__isnull=True))


def terminal_life_stage(terminal: Terminal) -> str:
    """The life stage of one terminal (one query; lists annotate it with ``terminals_of``)."""
    site = terminal.site
    stage = (
        _with_latest_test(Terminal.objects.filter(pk=terminal.pk), site)
        .values_list("life_stage", flat=True)
        .first()
    )
    return stage or LifeStage.REGISTERED


def terminals_registered_by(origin: models.Model) -> QuerySet[Terminal]:
    """The terminals a case or request registered (whatever they count for now)."""
    return Terminal.objects.filter(
        origin_type=ContentType.objects.get_for_model(origin), origin_id=origin.pk
    )


def site_registry_for(*, user: User, site: Site) -> QuerySet[RegistryTerminal]:
    """Every terminal of ``site`` that ``user`` sees, standing or disposed, with its latest
    connection test, its life stage and its disposal (who recorded and confirmed it, its proof),
    by name: one query whatever their number."""
    terminals = permissions.restrict(user, Terminal.objects.filter(site=site))
    return (
        _with_latest_test(
            terminals.select_related(
                "disposal",
                "disposal__recorded_by",
                "disposal__confirmed_by",
                "disposal__certificate",
            ),
            site,
        )
        .annotate(disposal_state=F("disposal__state"))
        .order_by("name", "pk")
    )


# The site's registry as the API reads it, compiled once per person (their role and organisation:
# the tenancy filters) with the site as a parameter: building its four latest-test subqueries
# and the life stage cost more than running them (docs/performance.md). The building reads no
# row (tests/registry/test_registry_prepared.py).
_SITE = int_sentinels(1)
_REGISTRY: PreparedCache[PreparedQuery] = PreparedCache(size=256)


def site_registry_list(*, user: User, site: Site) -> list[RegistryTerminal]:
    """``site_registry_for``'s terminals, read by a query kept for ``user``."""
    query = _REGISTRY.get(
        person_key(user),
        lambda: PreparedQuery(site_registry_for(user=user, site=Site(pk=_SITE[0])), _SITE),
    )
    return cast(list[RegistryTerminal], query.objects([site.pk]))


def disposal_of(item: Terminal | RemovableMedium) -> Any:
    """The terminal's or medium's disposal as loaded with it (``select_related``), or None."""
    try:
        return item.disposal
    except (TerminalDisposal.DoesNotExist, MediumDisposal.DoesNotExist):
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


# Removable media (可搬記憶媒体) -----------------------------------------------------------------


def media_standing(site: Site) -> QuerySet[RemovableMedium]:
    """The media that still stand at ``site`` (their disposal not confirmed by the office), with
    their ``disposal`` (or none). No permission filter: for services and filtered pages."""
    return (
        RemovableMedium.objects.filter(STANDING, site=site)
        .select_related("disposal")
        .order_by("pk")
    )


def media_of(site: Site) -> QuerySet[RemovableMedium]:
    """The site's registered media: those standing, with the terminals each may be used on (one
    more query whatever their number)."""
    return media_standing(site).prefetch_related(
        Prefetch("terminals", queryset=Terminal.objects.order_by("name", "pk"))
    )


def site_media_for(*, user: User, site: Site) -> QuerySet[RemovableMedium]:
    """Every medium of ``site`` that ``user`` sees, standing or disposed, with its disposal (who
    recorded and confirmed it, its proof) and its terminals: two queries whatever their number."""
    media = permissions.restrict(user, RemovableMedium.objects.filter(site=site))
    return (
        media.select_related(
            "disposal", "disposal__recorded_by", "disposal__confirmed_by", "disposal__certificate"
        )
        .prefetch_related(Prefetch("terminals", queryset=Terminal.objects.order_by("name", "pk")))
        .annotate(disposal_state=F("disposal__state"))
        .order_by("pk")
    )


def medium_get_for(*, user: User, pk: int) -> RemovableMedium:
    medium = (
        permissions.restrict(user, RemovableMedium.objects.select_related("site__company"))
        .filter(pk=pk)
        .first()
    )
    if medium is None:
        raise NotVisible()
    return medium


def medium_disposal_get_for(*, user: User, pk: int) -> MediumDisposal:
    disposal = (
        permissions.restrict(
            user,
            MediumDisposal.objects.select_related(
                "medium__site__company", "recorded_by", "confirmed_by", "certificate"
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if disposal is None:
        raise NotVisible()
    return disposal


# Software (ソフトウェア) ----------------------------------------------------------------------
def site_software_for(*, user: User, site: Site) -> QuerySet[TerminalSoftware]:
    """The software the office knows on the standing terminals of ``site`` that ``user`` sees,
    by terminal and name: one query whatever their number."""
    software = TerminalSoftware.objects.filter(terminal__site=site).filter(
        Q(terminal__disposal__isnull=True) | Q(terminal__disposal__state=DisposalState.RECORDED)
    )
    return (
        permissions.restrict(user, software)
        .select_related("terminal")
        .order_by("terminal__name", "terminal_id", "name", "pk")
    )


@dataclass(frozen=True)
class SiteRegistry:
    """What ``user`` sees of a site's registry, read once for its page, its API and its export:
    every terminal (with its latest test, life stage and disposal), every medium (with its
    terminals and disposal), the software on the standing terminals."""

    terminals: list[RegistryTerminal]
    media: list[Any]  # RemovableMedium with ``disposal_state``
    software: list[TerminalSoftware]


def site_registry_read(*, user: User, site: Site) -> SiteRegistry:
    """The site's whole registry as ``user`` sees it: four queries whatever its size."""
    return SiteRegistry(
        terminals=list(site_registry_for(user=user, site=site)),
        media=list(site_media_for(user=user, site=site)),
        software=list(site_software_for(user=user, site=site)),
    )


def stage_label(stage: str) -> str:
    """The life stage as shown (its label in the language of the request)."""
    return str(LifeStage(stage).label)


# Proofs of a disposal --------------------------------------------------------------------------
def certificates_visible_to(user: User, disposals: Iterable[Disposal]) -> set[int]:
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
