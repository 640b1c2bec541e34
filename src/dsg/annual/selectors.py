"""Reads of the 年次確認 that depend on who asks (see policy.py); a miss is a 404.

``holdings_of`` is what the portal holds of a company for the confirmation, read in a fixed
number of queries whatever the number of sites: each site that completed 加入 and is not closed,
with its address and handling facility (kept current by applied change applications), the
contacts of its accepted 加入申請書, its standing terminals and removable media, and the software
the office knows on those terminals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dsg.core.errors import NotVisible
from dsg.enrollment.inspection import address_line
from dsg.enrollment.models import ApplicationVersion, ReviewDecision, State
from dsg.enrollment.selectors import enrolled_sites as enrolled_sites_of_all
from dsg.orgs import permissions
from dsg.orgs.models import Organization, OrganizationKind, Role, Site, User
from dsg.registry.models import (
    DisposalState,
    RemovableMedium,
    SoftwareState,
    Terminal,
    TerminalSoftware,
)
from dsg.registry.selectors import STANDING

from .models import AnnualConfirmation, AnnualRound, ConfirmationState

# The office's filter: the states, and "overdue" (pending after the due date).
OVERDUE = "overdue"
FILTERS = (*ConfirmationState.values, OVERDUE)


# Which companies and sites a round asks about ---------------------------------------------------


def enrolled_sites(company_id: int) -> QuerySet[Site]:
    """The company's sites that completed 加入 and are not closed, by name."""
    return enrolled_sites_of_all().filter(company_id=company_id).order_by("name", "pk")


def eligible_companies() -> QuerySet[Organization]:
    """Every company with at least one site that completed 加入 and is not closed."""
    return Organization.objects.filter(
        kind=OrganizationKind.COMPANY, pk__in=enrolled_sites_of_all().values("company_id")
    ).order_by("name", "pk")


# Confirmations ----------------------------------------------------------------------------------


def confirmation_list_for(*, user: User) -> QuerySet[AnnualConfirmation]:
    """The confirmations ``user`` sees: the company's own (PSA, delegate), every one (office)."""
    rows = AnnualConfirmation.objects.select_related("round", "company", "answered_by")
    return permissions.restrict(user, rows).order_by("-round__opened_at", "company__name", "pk")


def confirmation_get_for(*, user: User, pk: int) -> AnnualConfirmation:
    confirmation = confirmation_list_for(user=user).filter(pk=pk).first()
    if confirmation is None:
        raise NotVisible()
    return confirmation


def with_state(
    rows: QuerySet[AnnualConfirmation], state: str | None, *, today: dt.date | None = None
) -> QuerySet[AnnualConfirmation]:
    """Narrow to one state of ``FILTERS`` ("overdue": pending after the round's due date)."""
    if not state:
        return rows
    if state == OVERDUE:
        today = today or timezone.localdate()
        return rows.filter(state=ConfirmationState.PENDING, round__due_on__lt=today)
    return rows.filter(state=state)


def pending_due_by(user: User, day: dt.date) -> QuerySet[AnnualConfirmation]:
    """The pending confirmations ``user`` sees whose due date is ``day`` or earlier, the
    earliest first (the dashboards)."""
    rows = confirmation_list_for(user=user).filter(
        state=ConfirmationState.PENDING, round__due_on__lte=day
    )
    return rows.order_by("round__due_on", "company__name", "pk")


# Rounds -----------------------------------------------------------------------------------------


def _counts(today: dt.date) -> dict[str, Count]:
    pending = Q(confirmations__state=ConfirmationState.PENDING)
    return {
        "total": Count("confirmations"),
        "pending": Count("confirmations", filter=pending),
        "confirmed": Count(
            "confirmations", filter=Q(confirmations__state=ConfirmationState.CONFIRMED)
        ),
        "changes_filed": Count(
            "confirmations", filter=Q(confirmations__state=ConfirmationState.CHANGES_FILED)
        ),
        "overdue": Count("confirmations", filter=pending & Q(due_on__lt=today)),
    }


def round_list_for(*, user: User) -> QuerySet[AnnualRound]:
    """The office: every round with its counts per state. A company's PSA and delegate: the
    rounds that asked their company (no counts of other companies). Anyone else: none."""
    rounds = AnnualRound.objects.order_by("-opened_at", "-pk")
    if permissions.is_office(user):
        return rounds.annotate(**_counts(timezone.localdate()))
    own = permissions.restrict(user, AnnualConfirmation.objects.all()).values("round_id")
    return rounds.filter(pk__in=own)


def round_get_for(*, user: User, pk: int) -> AnnualRound:
    annual_round = round_list_for(user=user).filter(pk=pk).first()
    if annual_round is None:
        raise NotVisible()
    return annual_round


def round_confirmations(
    *, user: User, annual_round: AnnualRound, state: str | None = None
) -> QuerySet[AnnualConfirmation]:
    """The confirmations of one round ``user`` sees, by company, with their reminders: a fixed
    number of queries whatever the number of companies."""
    rows = confirmation_list_for(user=user).filter(round=annual_round)
    rows = with_state(rows, state).prefetch_related("reminders")
    return rows.order_by("company__name", "pk")


# What the portal holds of a company ---------------------------------------------------------------


@dataclass
class SiteHoldings:
    site: Site
    contacts: list[dict[str, str]] = field(default_factory=list)
    terminals: list[Terminal] = field(default_factory=list)
    media: list[RemovableMedium] = field(default_factory=list)
    software: list[TerminalSoftware] = field(default_factory=list)


@dataclass
class Holdings:
    company: Organization
    administrators: list[User]
    sites: list[SiteHoldings]


def _contacts_by_site(site_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """The contacts (連絡先) of each site's latest accepted 加入申請書 of a completed case."""
    versions = (
        ApplicationVersion.objects.filter(
            application__enrollment__site_id__in=site_ids,
            application__enrollment__state=State.COMPLETED,
            decision=ReviewDecision.ACCEPTED,
        )
        .order_by("application__enrollment__created_at", "number")
        .values_list("application__enrollment__site_id", "snapshot")
    )
    contacts: dict[int, list[dict[str, str]]] = {}
    for site_id, snapshot in versions:  # the latest wins
        contacts[site_id] = [
            {key: str(row.get(key, "")) for key in ("name", "department", "phone", "email")}
            for row in (snapshot or {}).get("contacts", [])
        ]
    return contacts


def _media_by_site(site_ids: list[int]) -> dict[int, list[RemovableMedium]]:
    """The removable media (可搬記憶媒体) of the sites, less those whose disposal the office
    confirmed (as the registry counts a terminal), in one query."""
    rows = RemovableMedium.objects.filter(site_id__in=site_ids).exclude(
        disposal__state=DisposalState.CONFIRMED
    )
    found: dict[int, list[RemovableMedium]] = {}
    for medium in rows.order_by("pk"):
        found.setdefault(medium.site_id, []).append(medium)
    return found


def _software_by_site(terminals: list[Terminal]) -> dict[int, list[TerminalSoftware]]:
    """The software the office knows on the sites' standing terminals, less what was removed
    (declared, approved, refused: each with its state), in one query."""
    site_of = {t.pk: t.site_id for t in terminals}
    rows = (
        TerminalSoftware.objects.filter(terminal_id__in=list(site_of))
        .exclude(state=SoftwareState.REMOVED)
        .select_related("terminal")
    )
    found: dict[int, list[TerminalSoftware]] = {}
    for software in rows.order_by("terminal__name", "name", "pk"):
        found.setdefault(site_of[software.terminal_id], []).append(software)
    return found


def holdings_of(company: Organization) -> Holdings:
    """What the portal holds of ``company`` for its 年次確認 (no permission filter: for pages
    and services that found the confirmation through its selector)."""
    sites = list(enrolled_sites(company.pk))
    ids = [site.pk for site in sites]
    terminals = list(
        Terminal.objects.filter(STANDING, site_id__in=ids).order_by("site_id", "name", "pk")
    )
    contacts = _contacts_by_site(ids)
    media = _media_by_site(ids)
    software = _software_by_site(terminals)
    rows = []
    for site in sites:
        rows.append(
            SiteHoldings(
                site=site,
                contacts=contacts.get(site.pk, []),
                terminals=[t for t in terminals if t.site_id == site.pk],
                media=media.get(site.pk, []),
                software=software.get(site.pk, []),
            )
        )
    administrators = list(
        User.objects.filter(organization=company, role=Role.PSA, is_active=True).order_by(
            "full_name", "pk"
        )
    )
    return Holdings(company=company, administrators=administrators, sites=rows)


def holdings_snapshot(holdings: Holdings) -> dict[str, Any]:
    """What the company looked at, as kept with its answer: per site, the values shown."""
    company = holdings.company
    return {
        "company": {
            "name": company.name,
            "address": address_line(company.postal_code, company.prefecture, company.address),
        },
        "administrators": [
            {"name": person.full_name, "email": person.email} for person in holdings.administrators
        ],
        "sites": [
            {
                "id": row.site.pk,
                "ref": row.site.ref,
                "name": row.site.name,
                "address": row.site.full_address,
                "facility": row.site.facility,
                "contacts": row.contacts,
                "terminals": [
                    {
                        "id": t.pk,
                        "ref": t.ref,
                        "name": t.name,
                        "model_name": t.model_name,
                        "serial_number": t.serial_number,
                    }
                    for t in row.terminals
                ],
                "media": [
                    {
                        "id": m.pk,
                        "ref": m.ref,
                        "kind": str(m.get_kind_display()),
                        "vendor_id": m.vendor_id,
                        "product_id": m.product_id,
                        "serial_number": m.serial_number,
                        "custodian": m.custodian,
                    }
                    for m in row.media
                ],
                "software": [
                    {
                        "id": s.pk,
                        "terminal": s.terminal.name,
                        "name": s.name,
                        "vendor": s.vendor,
                        "version": s.version,
                        "state": s.state,
                        "state_label": str(s.get_state_display()),
                    }
                    for s in row.software
                ],
            }
            for row in holdings.sites
        ],
    }
