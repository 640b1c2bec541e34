"""The tenancy matrix: a company never sees or touches another company's data, on any page or API.

Nothing here is hand-listed. The page cases come from walking the URL resolver, the API cases from
``/api/v1/openapi.json``; every path parameter is filled with an object of company B through
``OBJECTS_OF``, and a parameter name missing from that map fails the test, so a new URL cannot slip
by. Company A's people (PSA, delegate, user) then GET and POST each URL, with a session and with
a personal API token, and must get a 404 (or 403) that names nothing of B, with nothing changed.

Both companies' worlds are built once per module inside an outer transaction; each test runs in
a savepoint that is rolled back, so the cases stay independent and cheap.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django_scopes import scopes_disabled

from dsg.audit.models import AuditEvent, AuditHead
from dsg.documents.selectors import documents_of
from dsg.enrollment.models import STEP_OF_STATE, Enrollment, State
from dsg.enrollment.services import TRANSITION_NAMES
from dsg.inspections.models import Inspection
from dsg.inspections.services import remediation_decide
from dsg.notifications.models import Notification, OutboxMessage
from dsg.orgs.models import ApiToken, Organization, Role, User
from dsg.orgs.permissions import API_ROLES, may_use_api
from dsg.orgs.services import api_token_create
from dsg.orgs.sessions import idle_limit
from dsg.provisioning import services as prov
from dsg.registry.selectors import terminals_registered_by

from .appointments.dates import business_day_at
from .db_rows import table_rows
from .factories import (
    CompanyFactory,
    OfficeFactory,
    ProviderFactory,
    SiteFactory,
    UserFactory,
    token_made_before_the_rule,
)
from .walk import (
    DESIRED_START,
    Cast,
    act,
    after_commit,
    new_case,
    setup_terminal_passed,
    today,
    walk_to,
)

# --------------------------------------------------------------------------------------------
# What is probed, generated from the project itself
# --------------------------------------------------------------------------------------------

SKIPPED_PREFIXES = ("admin/", "accounts/", "i18n/", "api/")
API_PREFIX = "/api/v1"

# Path parameter (URL converter or OpenAPI parameter) -> which of B's objects fill it. A list
# expands into one case per object, so each view is probed in the states where it acts.
OBJECTS_OF: dict[str, list[str]] = {
    "site_id": ["site_setup"],
    "enrollment_id": ["case_setup", "case_survey", "case_draft"],
    "work_id": ["work_open"],
    "holder_id": ["holder"],
    "terminal_id": ["terminal"],
    "token_id": ["token"],
    # provisioning ③–⑥ (issue #4)
    "appointment_id": ["appointment"],
    "shipment_id": ["shipment"],
    "delivery_token": ["delivery"],
    "document_id": ["document"],  # documents (issue #3)
    "notice_id": ["notice"],  # notices (issue #4): B's 現地確認結果通知書
    "name": sorted(TRANSITION_NAMES),  # transition names: literal values, not objects
    # inspections (② ⑦): a round, its deficiency, the office's checklist template
    "inspection_id": ["inspection"],
    "deficiency_id": ["deficiency"],
    "template_id": ["checklist"],
    "version_id": ["version"],  # 加入申請書 (enrollment): a submitted version of B's case
    "disposal_id": ["disposal"],  # registry: a terminal's disposal, awaiting the office
    "medium_id": ["medium"],  # registry: a removable medium (可搬記憶媒体)
    "medium_disposal_id": ["medium_disposal"],  # registry: a medium's disposal, awaiting the office
    # the company's folder (申請書等格納フォルダ, #10): B itself, the office's queue item
    "company_id": ["company"],
    "report_id": ["storage_report"],
    # 加入申請内容の変更 (requests): an accepted relocation, its 依頼 and the provider's work
    "change_id": ["change"],
    "action_request_id": ["action_request"],
    "provider_work_id": ["provider_work"],
    # 利用端末等の申請 (equipment, §5): an open medium request, a helpdesk request
    "equipment_request_id": ["equipment_request"],
    "helpdesk_request_id": ["helpdesk_request"],
    # 年次確認 (annual): the round that asked B (and A), and B's pending confirmation in it
    "round_id": ["annual_round"],
    "confirmation_id": ["annual_confirmation"],
    # the inbox (#12): a notification of B's PSA (a person's own: nobody else opens it)
    "notification_id": ["notification"],
}
# Ids that a request body may carry; filled with B's objects as well.
BODY_OBJECTS: dict[str, str] = {
    "site_id": "site_free",
    "holder_id": "holder",
    "person_id": "delegate",
    # inspections (② ⑦)
    "finding_id": "finding",
    "slot_id": "slot",
    "audit_document_id": "audit_result",
    "certificate_id": "document",  # registry: the proof of a terminal's disposal
    "message_id": "mail",  # the office's resend of an undelivered mail (#13)
    "notification_id": "notification",  # marking a notification read (#12): one's own only
}
# Query parameters that name an object (the folder's filters, the ZIP's choice): probed on A's
# own pages and operations with B's objects in them.
QUERY_OBJECTS: dict[str, str] = {
    "subject_id": "case_setup",
    "document": "document",
    "site_id": "site_enrolled",  # requests: the changes of a site
}
# Path parameters that name the provider's software catalogues (§5②), the same for every company:
# filled with a literal value, never with B's objects. A route or operation whose parameters are
# all of these holds reference data; it is probed by test_the_software_catalogues_answer_every_
# company_alike instead of as B's object. The help pages (help/<page>/: docs/workflows) are the
# same for everyone and hold nothing of a company: probed with the office's page.
REFERENCE_PARAMS: dict[str, str] = {"kind": "whitelist", "version": "1", "page": "office"}
_CONVERTER = re.compile(r"<(?:(?P<type>\w+):)?(?P<name>\w+)>")
_API_PARAM = re.compile(r"{(?P<name>\w+)}")


@dataclass(frozen=True)
class Route:
    route: str  # "enrollments/<int:enrollment_id>/"
    name: str | None
    params: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern):
            # re_path() patterns have no named converters to fill: extend this walker first.
            raise AssertionError(f"unsupported URL pattern {prefix}{entry.pattern}")
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            names = tuple(m["name"] for m in _CONVERTER.finditer(route))
            yield Route(route, entry.name, names)


def page_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) from the OpenAPI document the running site serves.

    Read at collection, before pytest-django's test environment (hence a real host name); a
    test below checks that the document served in the test environment is the same.
    """
    response = Client(headers={"Host": "localhost"}).get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200, response.status_code
    schema = response.json()
    api_operations.schema = schema  # type: ignore[attr-defined]
    return [
        (method.upper(), path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _expand(params: tuple[str, ...]) -> list[dict[str, str | None]]:
    """Every combination of B's objects for ``params``; an unknown name maps to None (fails)."""
    combos: list[dict[str, str | None]] = [{}]
    for name in params:
        keys: list[str | None] = list(OBJECTS_OF.get(name, [None]))
        combos = [{**c, name: key} for c in combos for key in keys]
    return combos


def _case_id(label: str, combo: dict[str, str | None]) -> str:
    return label + ("[" + ",".join(f"{k}={v}" for k, v in combo.items()) + "]" if combo else "")


# Pages of a case that only the service provider opens (the confirmation pages of ③–⑥'s records,
# #12): probed on the cases the provider sees (from ③), not on the draft, which it never sees.
PROVIDER_CASE_PAGES = {
    f"enrollments/<int:enrollment_id>/{slug}/"
    for slug in ("complete-survey", "complete-construction", "install-router", "media-shipments")
}
PAGE_ROUTES = page_routes()
PAGE_CASES = [
    pytest.param(route, combo, id=_case_id(route.route, combo))
    for route in PAGE_ROUTES
    if route.params and not set(route.params) <= set(REFERENCE_PARAMS)
    for combo in _expand(route.params)
    if not (route.route in PROVIDER_CASE_PAGES and combo.get("enrollment_id") == "case_draft")
]
API_OPERATIONS = api_operations()
API_SCHEMA: dict[str, Any] = api_operations.schema  # type: ignore[attr-defined]
API_CASES = [
    pytest.param(method, path, op, combo, id=_case_id(f"{method} {path}", combo))
    for method, path, op in API_OPERATIONS
    if _API_PARAM.search(path)
    and not {m["name"] for m in _API_PARAM.finditer(path)} <= set(REFERENCE_PARAMS)
    for combo in _expand(tuple(m["name"] for m in _API_PARAM.finditer(path)))
]


# --------------------------------------------------------------------------------------------
# Two companies' worlds
# --------------------------------------------------------------------------------------------


@dataclass
class World:
    company: Organization
    psa: User
    delegate: User
    user: User
    objects: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # role -> raw bearer token
    secrets: list[str] = field(default_factory=list)  # strings that must never reach others

    def id_of(self, key: str) -> Any:
        if key in TRANSITION_NAMES:
            return key
        return self.objects[key].pk


@dataclass
class Worlds:
    a: World
    b: World
    reviewer: User
    inspector: User
    staff: User


def build_world(tag: str, ascii_tag: str, office: dict[str, User]) -> World:
    """A company with a case of every kind of object: ancillary work, terminal, holder, token."""
    company = CompanyFactory(name=f"{tag}株式会社")
    people = {
        role: UserFactory(
            organization=company,
            role=role,
            email=f"{ascii_tag}-{role}@{ascii_tag}.example.jp",
            full_name=f"{tag} {label}",
        )
        for role, label in ((Role.PSA, "管理者"), (Role.DELEGATE, "指定者"), (Role.USER, "利用者"))
    }
    world = World(company, people[Role.PSA], people[Role.DELEGATE], people[Role.USER])
    cast = Cast(
        psa=world.psa,
        delegate=world.delegate,
        reviewer=office["reviewer"],
        inspector=office["inspector"],
        staff=office["staff"],
    )
    sites = {
        key: SiteFactory(company=company, name=f"{tag} {suffix}")
        for key, suffix in (
            ("site_setup", "第一工場"),
            ("site_survey", "研究所"),
            ("site_draft", "支社"),
            ("site_free", "倉庫"),
        )
    }

    # ⑥ terminal setup, having passed ③ with a finished ancillary work.
    case = walk_to(new_case(sites["site_setup"], cast), State.SURVEY, cast)
    prov.survey_record(enrollment=case, actor=cast.staff, surveyed_on=today())
    work_done = prov.ancillary_work_add(
        enrollment=case, actor=cast.staff, description=f"{tag} 配管工事(完了)"
    )
    prov.ancillary_work_mark_done(work=work_done, actor=cast.psa, done_on=today())
    case = act(case, "complete_survey", cast.staff)
    case = act(case, "complete_construction", cast.staff, performed_on=today())
    case = act(case, "install_router", cast.staff, performed_on=today(), router_serial="RTR-9")
    setup_terminal_passed(case, cast, name=f"{ascii_tag}-PC-01")
    terminal = terminals_registered_by(case).get()
    holder = case.account_holders.get()
    # provisioning ③–⑥ (issue #4): an appointment, a media shipment, an account delivery link.
    from types import SimpleNamespace

    appointment = prov.appointment_propose(
        enrollment=case,
        actor=cast.staff,
        purpose="vein_registration",
        holder=holder,
        vein_method="remote",
        starts_at=business_day_at(3),  # dates go on business days, 8:00–19:00
        notes=f"{tag} 日程メモ",
    )
    shipment = prov.media_ship(
        enrollment=case,
        actor=cast.staff,
        carrier="配送業者",
        tracking_number=f"{ascii_tag}-TRK-1",
        shipped_on=today(),
    )
    _delivery, delivery_token = prov.account_delivery_create(
        holder=holder,
        actor=cast.staff,
        username=f"{ascii_tag}-dsg-user",
        password=f"{ascii_tag}-pw",
    )
    # a link is named by its token, not by a primary key
    delivery = SimpleNamespace(pk=delivery_token)

    # ③ survey with an open ancillary work, and a complete draft.
    case_survey = walk_to(new_case(sites["site_survey"], cast), State.SURVEY, cast)
    prov.survey_record(enrollment=case_survey, actor=cast.staff, surveyed_on=today())
    work_open = prov.ancillary_work_add(
        enrollment=case_survey, actor=cast.staff, description=f"{tag} 配線工事(未了)"
    )
    case_draft = new_case(sites["site_draft"], cast)

    for role, person in people.items():
        name = f"{ascii_tag} {role}"
        world.tokens[role] = (  # the 利用者 uses no API: theirs is a token from before (#13)
            api_token_create(actor=person, name=name)
            if may_use_api(person)
            else token_made_before_the_rule(person, name=name)
        )
    world.objects.update(
        sites,
        case_setup=case,
        case_survey=case_survey,
        case_draft=case_draft,
        work_done=work_done,
        work_open=work_open,
        terminal=terminal,
        holder=holder,
        token=ApiToken.objects.get(user=world.psa),
        # 加入申請書 (enrollment): the version submitted on the way to ⑥.
        version=case.application.versions.get(number=1),
        appointment=appointment,
        shipment=shipment,
        delivery=delivery,
        document=_documents_of_world(case, world.psa, tag),  # documents (issue #3)
        notice=_notice_of_world(case, office["reviewer"]),  # notices (issue #4)
        psa=world.psa,
        delegate=world.delegate,
    )
    world.secrets = [
        company.name,
        company.corporate_number,
        *(site.name for site in sites.values()),
        *(p.full_name for p in people.values()),
        *(p.email for p in people.values()),
        terminal.name,
        terminal.serial_number,
        work_done.description,
        work_open.description,
        appointment.notes,
        shipment.tracking_number,
        f"{ascii_tag}-dsg-user",
        f"{ascii_tag}-pw",
        world.objects["document"].filename,  # documents (issue #3)
        world.objects["document"].sha256,
        world.objects["notice"].number,  # notices (issue #4)
    ]
    _inspections_of_world(world, cast, tag)  # inspections (② ⑦)
    _disposal_of_world(world, tag, ascii_tag)  # registry: a terminal's disposal
    _folder_of_world(world, tag)  # the company's folder (#10)
    _changes_of_world(world, cast, tag, ascii_tag)  # requests: 加入申請内容の変更
    _equipment_of_world(world, cast, tag, ascii_tag)  # equipment: 利用端末等の申請 (§5)
    _policy_of_world(world, tag, ascii_tag)  # registry: what the policy export writes
    # notifications: a mail about B (the office's undelivered-mail page and API resend it)
    world.objects["mail"] = OutboxMessage.objects.filter(company_id=company.pk).latest("pk")
    # the inbox (#12): the PSA's latest notification, which only the PSA opens
    world.objects["notification"] = Notification.objects.filter(user=world.psa).latest("pk")
    _annual_of_world(world, cast, ascii_tag)  # 年次確認 (annual)
    return world


def _disposal_of_world(world: World, tag: str, ascii_tag: str) -> None:
    """registry: a terminal of the free site whose disposal the PSA recorded (the office has not
    confirmed it yet), with the case's document as its proof."""
    from dsg.registry import services as registry

    terminal = registry.terminal_register(
        site=world.objects["site_free"],
        actor=world.psa,
        name=f"{ascii_tag}-PC-99",
        model_name="指定端末",
        serial_number=f"{ascii_tag}-SN-99",
    )
    disposal = registry.terminal_disposal_record(
        terminal=terminal,
        actor=world.psa,
        method="contractor",
        disposed_on=today(),
        performed_by=f"{tag} 廃棄担当",
        performed_by_company=f"{tag} 廃棄業者",
        certificate=world.objects["document"],
    )
    world.objects.update(disposal=disposal)
    world.secrets += [terminal.name, terminal.serial_number, f"{tag} 廃棄担当", f"{tag} 廃棄業者"]
    # and two removable media of the free site: one standing, one whose disposal is recorded.
    from dsg.registry.models import RemovableMedium

    media = [
        RemovableMedium.objects.create(
            site=world.objects["site_free"],
            kind="usb_memory",
            vendor_id="0930",
            product_id="6545",
            serial_number=f"{ascii_tag}-USB-{n}",
            capacity_gb=16,
            custodian=f"{tag} 媒体担当{n}",
        )
        for n in (8, 9)
    ]
    media[0].terminals.set([terminal])
    medium_disposal = registry.medium_disposal_record(
        medium=media[1],
        actor=world.psa,
        method="physical_destruction",
        disposed_on=today(),
        performed_by=f"{tag} 媒体廃棄担当",
        performed_by_company=f"{tag} 廃棄業者",
        certificate=world.objects["document"],
    )
    world.objects.update(medium=media[0], medium_disposal=medium_disposal)
    world.secrets += [
        *(f"{ascii_tag}-USB-{n}" for n in (8, 9)),
        *(f"{tag} 媒体担当{n}" for n in (8, 9)),
        f"{tag} 媒体廃棄担当",
    ]


def _policy_of_world(world: World, tag: str, ascii_tag: str) -> None:
    """registry: a removable medium and approved software at the ⑥ site, which the site's
    policy export (sites/<id>/policy/<format>/) writes into its files."""
    from dsg.registry.models import RemovableMedium, TerminalSoftware

    medium = RemovableMedium.objects.create(
        site=world.objects["site_setup"],
        kind="usb_memory",
        vendor_id="0781",
        product_id="5567",
        serial_number=f"{ascii_tag}-USB-1",
        capacity_gb=32,
        custodian=f"{tag} 媒体管理者",
    )
    medium.terminals.set([world.objects["terminal"]])
    TerminalSoftware.objects.create(
        terminal=world.objects["terminal"],
        state="approved",
        name=f"{tag} 承認ソフト",
        vendor=f"{tag} ベンダー",
        version="1.0",
        sha256=f"{ascii_tag.encode().hex():0<64}",  # a SHA-256 of its own
    )
    world.secrets += [f"{ascii_tag}-USB-1", f"{tag} 媒体管理者", f"{tag} 承認ソフト"]


def _catalogues_of_worlds(staff: User) -> None:
    """registry: the provider's two software catalogues (§5②), no company's: version 1 of each."""
    from dsg.registry.catalogues import EntryInput, catalogue_publish

    for kind in ("mandatory", "whitelist"):
        entry = EntryInput(name="DSG接続クライアント", vendor="提供事業者", version="1.0")
        catalogue_publish(kind=kind, entries=[entry], note="初版", actor=staff)


def _inspections_of_world(world: World, cast: Cast, tag: str) -> None:
    """inspections (② ⑦): a round of ② with a chosen date, finished with a deficiency; the
    company's audit-result notice; the office's checklist template (not the company's)."""
    from dsg.inspections import services as insp
    from dsg.inspections.models import ChecklistTemplate, Result

    from .walk import attach_documents

    site = SiteFactory(company=world.company, name=f"{tag} 検査拠点")
    case = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = insp.inspection_open(subject=case, actor=cast.inspector)
    starts = business_day_at(2)
    slot = insp.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[starts]
    )
    entry_notes = f"{tag} 正門で受付"
    insp.inspection_pick_slot(
        inspection=inspection, actor=world.psa, slot_id=slot[0].pk, entry_notes=entry_notes
    )
    findings = list(inspection.findings.select_related("item"))
    note = f"{tag} 入退室記録簿なし"
    insp.inspection_record(
        inspection=inspection,
        actor=cast.inspector,
        entries=[
            insp.FindingInput(
                finding_id=f.pk,
                result=Result.NONCONFORMING if f.item.code == "F-05" else Result.CONFORMING,
                note=note if f.item.code == "F-05" else "",
            )
            for f in findings
        ],
    )
    insp.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
    attach_documents(case, world.psa, kinds=("audit_result",))
    world.objects.update(
        site_inspection=site,
        inspection=inspection,
        deficiency=inspection.deficiencies.get(),
        finding=findings[0],
        slot=slot[0],
        audit_result=documents_of(case, "audit_result").get(),
        checklist=ChecklistTemplate.objects.get(is_sample=True, kind="site"),
    )
    world.secrets += [site.name, entry_notes, note]


def _changes_of_world(world: World, cast: Cast, tag: str, ascii_tag: str) -> None:
    """requests: a site that completed 加入, with a relocation accepted and waiting on the
    provider's survey, and the office's request for a document (依頼) on it."""
    from dsg.documents.services import document_store
    from dsg.requests import services as changes
    from tests.documents.files import pdf

    site = SiteFactory(company=world.company, name=f"{tag} 本社工場")
    with after_commit():
        walk_to(new_case(site, cast), State.COMPLETED, cast)
    change = changes.change_start(actor=world.psa, site=site, kind="relocation")
    changes.change_update(
        change=change,
        actor=world.psa,
        data={
            "site_postal_code": "231-0023",
            "site_prefecture": "14",
            "site_address": f"横浜市中区{tag}1",
            "description": f"{tag} 移転の理由",
            "effective_on": DESIRED_START,
        },
    )
    document_store(
        actor=world.psa,
        company=world.company,
        subject=change,
        kind="layout",
        filename=f"{ascii_tag}-新レイアウト.pdf",
        data=pdf(1, text=f"{ascii_tag} layout"),  # bytes of its own: a digest no other world has
    )
    changes.change_submit(change=change, actor=world.psa)
    changes.change_accept(change=change, actor=cast.reviewer, provider_work=["survey"])
    asked = changes.action_request_ask(
        change=change, actor=cast.reviewer, text=f"{tag} 依頼の内容", due_on=DESIRED_START
    )
    world.objects.update(
        site_enrolled=site,
        change=change,
        action_request=asked,
        provider_work=change.provider_work.get(),
    )
    world.secrets += [site.name, f"横浜市中区{tag}1", f"{tag} 移転の理由", f"{tag} 依頼の内容"]


def _annual_of_world(world: World, cast: Cast, ascii_tag: str) -> None:
    """年次確認 (annual): a round opened now asks every company through 加入 so far (B's round
    asks A too); B's confirmation in it stays pending."""
    from dsg.annual.services import annual_round_open

    annual_round = annual_round_open(
        actor=cast.reviewer, title=f"年次確認 {ascii_tag}", due_on=DESIRED_START
    )
    confirmation = annual_round.confirmations.get(company=world.company)
    world.objects.update(annual_round=annual_round, annual_confirmation=confirmation)


def _equipment_of_world(world: World, cast: Cast, tag: str, ascii_tag: str) -> None:
    """equipment (§5): at the enrolled site, a medium request filed and not yet taken up, with a
    document, and a helpdesk request for software on the whitelist (each world publishes its
    own: the catalogues are the provider's, read by every company)."""
    from dsg.documents.services import document_store
    from dsg.equipment import services as equipment
    from dsg.registry.catalogues import EntryInput, catalogue_publish
    from dsg.registry.models import Terminal
    from tests.documents.files import pdf

    site = world.objects["site_enrolled"]
    terminal = Terminal.objects.filter(site=site).order_by("pk").first()
    request = equipment.request_file(
        site=site,
        actor=world.psa,
        kind="medium",
        purpose=f"{tag} 媒体申請の理由",
        lines=[
            {
                "action": "add",
                "kind": "usb_memory",
                "vendor_id": "0781",
                "product_id": "5581",
                "serial_number": f"{ascii_tag}-REQ-USB",
                "capacity_gb": "64",
                "custodian": f"{tag} 申請媒体管理者",
                "terminals": [terminal.pk],
            }
        ],
    ).request
    document_store(
        actor=world.psa,
        company=world.company,
        subject=request,
        kind="other",
        filename=f"{ascii_tag}-媒体仕様書.pdf",
        data=pdf(1, text=f"{ascii_tag} medium"),  # bytes of its own: a digest no other world has
    )
    catalogue_publish(
        kind="whitelist",
        entries=[EntryInput(name=f"{ascii_tag} Viewer", vendor="Example KK", version="1.0")],
        note="",
        actor=cast.staff,
    )
    ticket = equipment.helpdesk_file(
        site=site,
        actor=world.psa,
        name=f"{ascii_tag} Viewer",
        vendor="Example KK",
        version="1.0",
        terminals=[terminal.pk],
        message=f"{tag} ヘルプデスクへの連絡事項",
    )
    world.objects.update(equipment_request=request, helpdesk_request=ticket)
    world.secrets += [
        f"{tag} 媒体申請の理由",
        f"{ascii_tag}-REQ-USB",
        f"{tag} 申請媒体管理者",
        f"{ascii_tag}-媒体仕様書.pdf",
        request.receipt_number,
        f"{tag} ヘルプデスクへの連絡事項",
        ticket.number,
    ]


def _folder_of_world(world: World, tag: str) -> None:
    """the company's folder (#10): a workbook B's PSA stored for no case, which left a storage
    report in the office's queue."""
    from dsg.documents.folder import folder_document_store
    from tests.documents.files import xlsx

    document = folder_document_store(
        actor=world.psa,
        company=world.company,
        kind="request_form",
        filename=f"{tag}-端末申請.xlsx",
        data=xlsx([["端末名"], [f"{tag}-PC"]]),  # its own bytes: the SHA-256 is B's alone
    )
    world.objects.update(company=world.company, storage_report=document.storage_report)
    world.secrets += [document.filename, document.sha256]


def _notice_of_world(case: Enrollment, reviewer: User) -> Any:
    """notices (issue #4): a 現地確認結果通知書 with findings, issued by the office."""
    from dsg.notices.services import notice_issue

    snapshot = {
        "company": {"name": case.site.company.name},
        "site": {"name": case.site.name},
        "case_number": case.number,
        "inspection": {
            "kind": 2,
            "outcome": "passed",
            "items": [{"theme": "設備", "text": "施錠", "result": "conforming", "note": ""}],
        },
    }
    with after_commit():
        notice = notice_issue(
            subject=case, kind="inspection_result", snapshot=snapshot, issued_by=reviewer
        )
    notice.refresh_from_db()
    return notice


def _documents_of_world(case: Enrollment, psa: User, tag: str) -> Any:
    """documents (issue #3): a small real PDF in the case's folder, named after the company."""
    from dsg.documents.services import document_store
    from tests.documents.files import pdf

    return document_store(
        actor=psa,
        company=case.site.company,
        subject=case,
        kind="application",
        filename=f"{tag}-申請書.pdf",
        data=pdf(1),
    )


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker) -> Iterator[Worlds]:
    """A's and B's worlds, built once; rolled back when the module is done."""
    with django_db_blocker.unblock(), scopes_disabled(), transaction.atomic():
        office_org, provider_org = OfficeFactory(), ProviderFactory()
        office = {
            "reviewer": UserFactory(organization=office_org, role=Role.REVIEWER),
            "inspector": UserFactory(organization=office_org, role=Role.INSPECTOR),
            "staff": UserFactory(organization=provider_org, role=Role.PROVIDER_STAFF),
        }
        worlds = Worlds(
            a=build_world("青葉電機", "aoba", office),
            b=build_world("紅葉重工", "momiji", office),
            **office,
        )
        _catalogues_of_worlds(office["staff"])
        _log_in_once(worlds)
        yield worlds
        _LOGINS.clear()
        transaction.set_rollback(True)


@pytest.fixture
def w(worlds: Worlds, db) -> Worlds:  # noqa: ARG001 - db: each test in its own savepoint
    return worlds


# --------------------------------------------------------------------------------------------
# Helpers: state snapshot, request bodies, leak check
# --------------------------------------------------------------------------------------------

# Fields that a refused request may legitimately touch (logging in, using one's own token).
VOLATILE_FIELDS = {"last_login", "last_used_at"}


def snapshot() -> dict[str, Any]:
    """Every row of the project's own models and the task queue (mail outbox), plus the ledger
    (read as stored: tests/db_rows.py)."""
    state: dict[str, Any] = table_rows(
        skip=frozenset({AuditEvent._meta.label}), volatile=frozenset(VOLATILE_FIELDS)
    )
    head = AuditHead.objects.filter(id=1).values_list("sequence", "hash").first()
    state["audit"] = (AuditEvent.objects.count(), head)
    return state


def page_form(b: World) -> dict[str, Any]:
    """One POST body for every page form: valid-looking values, B's ids where ids go."""
    day = today().isoformat()
    return {
        "comment": "確認しました",
        "performed_on": day,
        "router_serial": "RTR-X",
        "surveyed_on": day,
        "route_notes": "",
        "description": "追加工事",
        "done_on": day,
        "name": "PC-X",
        "model_name": "指定端末",
        "serial_number": "SN-X",
        "person_id": b.delegate.pk,
        "holder_id": b.objects["holder"].pk,
        "issued_on": day,
        "registered_on": day,
        "method": "remote",
        "tested_on": day,
        "passed": "1",
        "note": "",
        "site_id": b.objects["site_free"].pk,
        "track_record": "実績",
        "facility_basis": "standard",
        "equipment_confirmed": "on",
        "planned_terminals": "1",
        "desired_start": DESIRED_START.isoformat(),
        "contract_name": "契約",
        "postal_code": "100-0001",
        "prefecture": "13",
        "address": "千代田区1-1",
    }


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = API_SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        return _resolve(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if "allOf" in schema:
        return _resolve(schema["allOf"][0])
    return schema


def dummy_value(name: str, schema: dict[str, Any], ids: dict[str, Any]) -> Any:
    """A value of the declared type: B's object for id fields, today for dates."""
    if name in ids:
        return ids[name]
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date":
            return today().isoformat()
        if schema.get("format") == "date-time":
            return dt.datetime.now(dt.UTC).isoformat()
        return "x"[: schema.get("maxLength", 1)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {
            key: dummy_value(key, sub, ids) for key, sub in schema.get("properties", {}).items()
        }
    raise AssertionError(f"no dummy value for {name}: {schema}")


def request_body(op: dict[str, Any], b: World) -> dict[str, Any] | None:
    """A body built from the operation's requestBody schema (every field, typed)."""
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    ids = {name: b.id_of(key) for name, key in BODY_OBJECTS.items()}
    return dummy_value("body", content["schema"], ids)


def visible_text(response: Any) -> str:
    text = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json") and response.content:
        text += json.dumps(response.json(), ensure_ascii=False)  # JSON escapes non-ASCII
    return text


def assert_no_leak(response: Any, secrets: list[str], what: str) -> None:
    text = visible_text(response)
    leaked = [s for s in secrets if s and s in text]
    assert not leaked, f"{what} shows {leaked}"


_HANDLERS: dict[bool, Any] = {}


def new_client(**kwargs: Any) -> Client:
    """A test client sharing one request handler: each handler loads the middleware again, and
    WhiteNoise then scans every static file (~0.1 s a client, most of this module's time)."""
    client = Client(**kwargs)
    client.handler = _HANDLERS.setdefault(client.handler.enforce_csrf_checks, client.handler)
    return client


# The worlds' people logged in once, with the worlds (their sessions are rows of the module's
# transaction, as they were at login in every test): user pk -> (when, the session's cookies).
_LOGINS: dict[int, tuple[float, SimpleCookie]] = {}


def _log_in_once(worlds: Worlds) -> None:
    """Log the worlds' people in once: a login is a session created, its key cycled, the user's
    last_login written (~15 ms), and the matrices log in four to seven times a test."""
    people = [getattr(world, role) for world in (worlds.a, worlds.b) for role in A_ROLES]
    for person in (*people, worlds.reviewer, worlds.inspector, worlds.staff):
        client = new_client()
        client.force_login(person)
        _LOGINS[person.pk] = (time.monotonic(), client.cookies)


def session_client(user: User) -> Client:
    """A client logged in as ``user``: a person of the worlds with their session of the module
    (each test's changes to it are rolled back with the test's), anyone else logged in now. A
    session older than half the idle limit is not used: logged in again, as anyone else."""
    client = new_client()
    login = _LOGINS.get(user.pk)
    if login is not None and time.monotonic() - login[0] < idle_limit() / 2:
        client.cookies = copy.deepcopy(login[1])
    else:
        client.force_login(user)
    return client


def token_client(raw: str) -> Client:
    return new_client(headers={"Authorization": f"Bearer {raw}"})


def api_client_of(world: World, role: str) -> Client:
    """The API as the role reaches it: its token, or the 利用者's browser session — the 利用者
    uses no API: its token and its session are both refused (403 ``api_not_for_role``, #12)."""
    if role == Role.USER:
        return session_client(getattr(world, role))
    return token_client(world.tokens[role])


def fill(template: str, pattern: re.Pattern[str], combo: dict[str, str | None], b: World) -> str:
    def value(match: re.Match[str]) -> str:
        if match["name"] in REFERENCE_PARAMS:
            return REFERENCE_PARAMS[match["name"]]
        key = combo[match["name"]]
        if key is None:
            pytest.fail(
                f"{template}: no object of company B for parameter {match['name']!r}; "
                f"add it to OBJECTS_OF in {__name__}"
            )
        return str(b.id_of(key))

    return pattern.sub(value, template)


A_ROLES = (Role.PSA, Role.DELEGATE, Role.USER)
# The roles of A that use the API, by token or session: every role but the 利用者 (#12), whose
# calls are refused before any object is read (test_role_matrix.py holds every operation to it).
A_API_ROLES = tuple(role for role in A_ROLES if role in API_ROLES)


# --------------------------------------------------------------------------------------------
# Coverage of the generators themselves
# --------------------------------------------------------------------------------------------


def test_every_path_parameter_has_an_object_of_company_b():
    page_params = {p for route in PAGE_ROUTES for p in route.params}
    api_params = {m["name"] for _, path, _ in API_OPERATIONS for m in _API_PARAM.finditer(path)}
    unknown = (page_params | api_params) - set(OBJECTS_OF) - set(REFERENCE_PARAMS)
    assert not unknown, f"add these parameters to OBJECTS_OF: {sorted(unknown)}"
    # The generators found something: a broken walk must not pass vacuously.
    assert len(PAGE_CASES) >= 10 and len(API_CASES) >= 10


def test_the_collected_openapi_document_is_the_one_served(client):
    assert client.get(f"{API_PREFIX}/openapi.json").json() == API_SCHEMA


def test_every_body_id_field_is_filled_with_company_b_objects():
    """A request body field that names an object (``*_id``) must be probed too."""
    inputs = {
        _resolve(op["requestBody"]["content"]["application/json"]["schema"])["title"]
        for _, _, op in API_OPERATIONS
        if "application/json" in op.get("requestBody", {}).get("content", {})
    }
    body_ids = {
        name
        for title in inputs
        for name in API_SCHEMA["components"]["schemas"][title].get("properties", {})
        if name.endswith("_id")
    }
    assert body_ids <= set(BODY_OBJECTS), sorted(body_ids - set(BODY_OBJECTS))


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


# Pages of a company's object that only the office opens (no company role may): whether B's
# object is real is asked of the office role that works on it.
OFFICE_PAGES = {
    "inspections/<int:inspection_id>/paper/": "inspector",
    "folder/reports/<int:report_id>/seen/": "reviewer",  # the office's queue (#10)
    # 加入申請内容の変更: the office's decisions, each through a page stating its consequence
    "changes/<int:change_id>/return/": "reviewer",
    "changes/<int:change_id>/accept/": "reviewer",
    "changes/<int:change_id>/reject/": "reviewer",
    "changes/<int:change_id>/complete/": "reviewer",
    # 却下 and 補正 of a case, each through its confirmation page (#12)
    "enrollments/<int:enrollment_id>/reject/": "reviewer",
    "enrollments/<int:enrollment_id>/return/": "reviewer",
    # finishing a round (at ⑦ it completes the case), through its confirmation page (#12)
    "inspections/<int:inspection_id>/finish/": "inspector",
    # the office confirms a disposal (the item leaves the registry) through its page (#12)
    "disposals/<int:disposal_id>/confirm/": "reviewer",
    "media/disposals/<int:medium_disposal_id>/confirm/": "reviewer",
    # the provider cancels a date through its confirmation page (#12)
    "appointments/<int:appointment_id>/cancel/": "staff",
    # the provider's 作業完了 of a change and the helpdesk's answer, through their pages (#12)
    "provider-work/<int:provider_work_id>/done/": "staff",
    "helpdesk/<int:helpdesk_request_id>/answer/": "staff",
    # the office's decision on a round's remediation (at ⑦ it completes the case), likewise
    "inspections/<int:inspection_id>/decide/": "reviewer",
    "enrollments/<int:enrollment_id>/accept/": "reviewer",  # 受理, through its page (#12)
    "enrollments/<int:enrollment_id>/deem-by-audit/": "reviewer",  # ② deemed, likewise
    # the provider's records of ③–⑤ that move the case on, through their pages (#12)
    **{route: "staff" for route in PROVIDER_CASE_PAGES},
    "account-holders/<int:holder_id>/account-deliveries/": "staff",
    "appointments/<int:appointment_id>/done/": "staff",
    # 利用端末等の申請 (§5): the office's decision on the lines, through its confirmation page
    "equipment-requests/<int:equipment_request_id>/decide/": "reviewer",
    # ... and its 受理 (take-up), through the same confirmation page (#12)
    "equipment-requests/<int:equipment_request_id>/take-up/": "reviewer",
    # 年次確認: a round and its export are the office's
    "annual/rounds/<int:round_id>/": "reviewer",
    "annual/rounds/<int:round_id>/export.csv": "reviewer",
}


@pytest.mark.parametrize(("route", "combo"), PAGE_CASES)
def test_page_of_company_b_is_invisible_to_company_a(w: Worlds, route: Route, combo):
    url = "/" + fill(route.route, _CONVERTER, combo, w.b)
    # Is a GET refused whatever the object (a POST-only view)? Then 405 tells nothing.
    owner = getattr(w, OFFICE_PAGES[route.route]) if route.route in OFFICE_PAGES else w.b.psa
    owner_get = session_client(owner).get(url)
    assert owner_get.status_code in (200, 405), (
        f"{url}: {owner} cannot GET it ({owner_get.status_code}); B's object is not real"
    )
    if route.route in OFFICE_PAGES:
        assert session_client(w.b.psa).get(url).status_code == 403, "an office page"
    before = snapshot()
    form = page_form(w.b)
    for role in A_ROLES:
        person = getattr(w.a, role)
        client = session_client(person)
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else client.post(url, form)
            allowed = {403, 404} | (
                {405} if method == "GET" and owner_get.status_code == 405 else set()
            )
            assert response.status_code in allowed, (
                f"{method} {url} as A's {role}: {response.status_code}"
            )
            assert_no_leak(response, w.b.secrets, f"{method} {url} as A's {role}")
    assert snapshot() == before, f"{url}: a refused request of company A changed data"


# Pages that answer a query about public reference data, not about a company (the postal code
# lookup behind static/dsg/postal.js: Japan Post's data): probed with a sample query; they answer
# every logged-in person alike and hold nothing of any company.
REFERENCE_QUERIES = {"postal-codes/": "?code=100-0001"}


def test_a_reference_lookup_answers_every_company_alike(w: Worlds):
    assert set(REFERENCE_QUERIES) <= {route.route for route in PAGE_ROUTES if not route.params}
    for route, query in REFERENCE_QUERIES.items():
        url = "/" + route + query
        answers = {
            (response.status_code, response.content)
            for person in (w.a.psa, w.a.user, w.b.psa, w.reviewer, w.staff)
            for response in [session_client(person).get(url)]
        }
        assert len(answers) == 1 and answers.pop()[0] == 200, url


def test_company_a_pages_without_ids_never_show_company_b(w: Worlds):
    urls = [
        "/" + route.route + REFERENCE_QUERIES.get(route.route, "")
        for route in PAGE_ROUTES
        if not route.params
    ]
    assert "/" in urls and "/sites/" in urls
    for role in A_ROLES:
        client = session_client(getattr(w.a, role))
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403, 405), (url, role, response.status_code)
            assert_no_leak(response, w.b.secrets, f"GET {url} as A's {role}")
    # Control: the same pages do show B's names to B, so the check above can fail.
    own = session_client(w.b.psa).get("/sites/").content.decode()
    assert w.b.objects["site_setup"].name in own


REFERENCE_ROUTES = [r for r in PAGE_ROUTES if r.params and set(r.params) <= set(REFERENCE_PARAMS)]
REFERENCE_OPERATIONS = [
    (method, path, op)
    for method, path, op in API_OPERATIONS
    if _API_PARAM.search(path)
    and {m["name"] for m in _API_PARAM.finditer(path)} <= set(REFERENCE_PARAMS)
]


def test_the_software_catalogues_answer_every_company_alike(w: Worlds):
    """The provider's catalogues (§5②) belong to no company: A's and B's people read the same
    pages and answers, with nothing of the other company in them; none of them publishes."""
    assert len(REFERENCE_ROUTES) >= 4 and len(REFERENCE_OPERATIONS) >= 5
    before = snapshot()
    people = [(w.a, w.b, getattr(w.a, role)) for role in A_ROLES] + [(w.b, w.a, w.b.psa)]
    api_people = [(own, other, person) for own, other, person in people if may_use_api(person)]
    for route in REFERENCE_ROUTES:
        url = "/" + fill(route.route, _CONVERTER, {}, w.b)
        for _own, other, person in people:
            client = session_client(person)
            expected = 403 if route.name == "catalogue_publish" else 200
            response = client.get(url)
            assert response.status_code == expected, (url, person, response.status_code)
            assert_no_leak(response, other.secrets, f"GET {url} as {person}")
            assert client.post(url, page_form(other)).status_code in (403, 405), url
    for method, path, op in REFERENCE_OPERATIONS:
        url = fill(path, _API_PARAM, {}, w.b)
        answers = set()
        for own, other, person in api_people:
            response = _call(api_client_of(own, person.role), method, url, request_body(op, other))
            what = f"{method} {url} as {person}"
            if method == "GET":
                assert response.status_code == 200, (what, response.status_code)
                answers.add(response.content)
            else:
                _assert_refused_json(response, what, before)
            assert_no_leak(response, other.secrets, what)
        assert len(answers) <= 1, f"{url}: the companies read different answers"
    assert snapshot() == before


def test_company_a_cannot_point_its_own_forms_at_company_b_objects(w: Worlds):
    """A's own case and terminal, with B's site, person or account holder in the form."""
    a, b = w.a, w.b
    before = snapshot()
    posts = [
        ("/enrollments/new/", {"site_id": b.objects["site_free"].pk}),
        (
            f"/enrollments/{a.objects['case_setup'].pk}/account-holders/",
            {"person_id": b.delegate.pk, "confirmed": "1"},  # confirmed on its page (#12)
        ),
        (
            f"/terminals/{a.objects['terminal'].pk}/connection-tests/",
            {**page_form(b), "holder_id": b.objects["holder"].pk},
        ),
    ]
    for url, form in posts:
        for person in (a.psa, a.delegate):
            client = session_client(person)
            response = client.post(url, form)
            # 422: refused on A's own page drawn again, the error beside the field (#12)
            assert response.status_code in (303, 403, 404, 422), (url, response.status_code)
            assert_no_leak(response, b.secrets, f"POST {url}")
            if response.status_code == 303:  # refused with a message on A's own page
                page = client.get(response["Location"])
                assert_no_leak(page, b.secrets, f"POST {url} then its page")
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------


def _call(client: Client, method: str, url: str, body: Any) -> Any:
    if body is None:
        return getattr(client, method.lower())(url)
    return getattr(client, method.lower())(url, data=body, content_type="application/json")


def _assert_refused_json(response: Any, what: str, before: dict[str, Any]) -> None:
    status = response.status_code
    # 422 may only answer first when nothing changed.
    assert status in (403, 404) or (status == 422 and snapshot() == before), f"{what}: {status}"
    assert response["Content-Type"].startswith("application/json"), what
    body = response.json()
    assert {"detail", "code"} <= set(body), f"{what}: {body}"


@pytest.mark.parametrize(("method", "path", "op", "combo"), API_CASES)
def test_api_of_company_b_is_invisible_to_company_a(w: Worlds, method, path, op, combo):
    url = fill(path, _API_PARAM, combo, w.b)
    body = request_body(op, w.b)
    if method == "GET":  # control: the object is real and the office reads it
        assert session_client(w.reviewer).get(url).status_code == 200, url
    before = snapshot()
    for role in A_ROLES:
        person = getattr(w.a, role)
        for auth, client in (
            ("session", session_client(person)),
            ("token", token_client(w.a.tokens[role])),
        ):
            what = f"{method} {url} as A's {role} ({auth})"
            response = _call(client, method, url, body)
            _assert_refused_json(response, what, before)
            assert_no_leak(response, w.b.secrets, what)
    assert snapshot() == before, f"{method} {url}: a refused call of company A changed data"


def test_api_cross_references_from_company_a_objects_to_company_b(w: Worlds):
    """Every operation whose body names an object, on A's own objects with B's ids inside."""
    checked = 0
    before = snapshot()
    for method, path, op in API_OPERATIONS:
        body = request_body(op, w.b)
        if not body or not set(body) & set(BODY_OBJECTS):
            continue
        own = {name: OBJECTS_OF[name][0] for name in (m["name"] for m in _API_PARAM.finditer(path))}
        if "enrollment_id" in own:
            own["enrollment_id"] = "case_setup"
        url = fill(path, _API_PARAM, own, w.a)
        for auth, client in (
            ("session", session_client(w.a.psa)),
            ("token", token_client(w.a.tokens[Role.PSA])),
        ):
            what = f"{method} {url} {body} as A's PSA ({auth})"
            response = _call(client, method, url, body)
            _assert_refused_json(response, what, before)
            assert_no_leak(response, w.b.secrets, what)
            checked += 1
    assert snapshot() == before
    assert checked >= 6  # enrollments (site_id), account-holders (person_id), tests (holder_id)


def test_every_query_parameter_that_names_an_object_is_probed():
    """A query parameter of the API that names an object (``*_id``, ``document``) must be in
    QUERY_OBJECTS, so that the test below fills it with company B's objects."""
    named = {
        parameter["name"]
        for _, _, op in API_OPERATIONS
        for parameter in op.get("parameters", [])
        if parameter["in"] == "query"
        and (parameter["name"].endswith("_id") or parameter["name"] == "document")
    }
    assert named <= set(QUERY_OBJECTS), sorted(named - set(QUERY_OBJECTS))
    assert named, "the folder's filters name objects: the generator found none"


def test_company_a_queries_naming_company_b_objects_show_nothing_of_b(w: Worlds):
    """Every API GET with an object in its query, on A's own objects with B's ids in the query;
    and the folder's pages alike: no B data, no read ledgered, nothing changed."""
    checked = 0
    before = snapshot()
    for method, path, op in API_OPERATIONS:
        names = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        probe = names & set(QUERY_OBJECTS)
        if method != "GET" or not probe:
            continue
        own = {m["name"]: OBJECTS_OF[m["name"]][0] for m in _API_PARAM.finditer(path)}
        url = fill(path, _API_PARAM, own, w.a)
        query = "&".join(f"{name}={w.b.id_of(QUERY_OBJECTS[name])}" for name in sorted(probe))
        if "subject_id" in probe:
            query += "&subject_type=enrollment"
        for role in A_API_ROLES:
            response = api_client_of(w.a, role).get(f"{url}?{query}")
            assert response.status_code in (200, 404), (url, query, response.status_code)
            assert_no_leak(response, w.b.secrets, f"GET {url}?{query} as A's {role}")
            if response.status_code == 200 and not response.streaming:
                assert response.json().get("count", 0) == 0, (url, query)
            checked += 1
    case_b, document_b = w.b.objects["case_setup"].pk, w.b.objects["document"].pk
    pages = [
        f"/companies/{w.a.company.pk}/folder/zip/?document={document_b}",
        f"/folder/?subject=enrollment:{case_b}",
        f"/companies/{w.a.company.pk}/folder/?subject=enrollment:{case_b}",
    ]
    for url in pages:
        for role in A_ROLES:
            response = session_client(getattr(w.a, role)).get(url)
            assert response.status_code in (200, 404), (url, response.status_code)
            assert_no_leak(response, w.b.secrets, f"GET {url} as A's {role}")
            checked += 1
    assert snapshot() == before
    assert checked >= 12


@pytest.mark.parametrize("role", A_API_ROLES)
def test_api_lists_of_company_a_never_include_company_b(w: Worlds, role):
    person = getattr(w.a, role)
    b_sites = {o.pk for k, o in w.b.objects.items() if k.startswith("site_")}
    b_cases = {o.pk for k, o in w.b.objects.items() if k.startswith("case_")}
    for client in (session_client(person), api_client_of(w.a, role)):
        sites = client.get(f"{API_PREFIX}/sites")
        cases = client.get(f"{API_PREFIX}/enrollments")
        assert sites.status_code == cases.status_code == 200
        site_items, case_items = sites.json()["items"], cases.json()["items"]
        assert sites.json()["count"] == len(site_items)
        assert {s["id"] for s in site_items} == {
            o.pk for k, o in w.a.objects.items() if k.startswith("site_")
        }
        assert not {s["id"] for s in site_items} & b_sites
        assert not {c["id"] for c in case_items} & b_cases
        assert {c["company_id"] for c in case_items} == {w.a.company.pk}
        for response in (sites, cases):
            assert_no_leak(response, w.b.secrets, f"list as A's {role}")


# --------------------------------------------------------------------------------------------
# The provider before step ③, and anonymous callers
# --------------------------------------------------------------------------------------------

EARLY_STATES = [s for s, step in STEP_OF_STATE.items() if 1 <= step < 3]
ENROLLMENT_PAGES = [r for r in PAGE_ROUTES if r.params and r.params[0] == "enrollment_id"]
ENROLLMENT_OPS = [
    (method, path, op) for method, path, op in API_OPERATIONS if "{enrollment_id}" in path
]


def _enrollment_urls(enrollment: Enrollment) -> list[tuple[str, str, Any]]:
    """(method, url, body) for every page and operation about one case."""
    values = {"enrollment_id": str(enrollment.pk), "name": "reject"}
    urls: list[tuple[str, str, Any]] = []
    for route in ENROLLMENT_PAGES:
        url = "/" + _CONVERTER.sub(lambda m: values[m["name"]], route.route)
        urls += [("GET", url, None), ("POST", url, {"comment": "x", "performed_on": today()})]
    for method, path, op in ENROLLMENT_OPS:
        url = _API_PARAM.sub(lambda m: values[m["name"]], path)
        body = (
            dummy_value("body", op["requestBody"]["content"]["application/json"]["schema"], {})
            if "application/json" in op.get("requestBody", {}).get("content", {})
            else None
        )
        urls.append((method, url, body))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("state", EARLY_STATES)
def test_provider_does_not_see_cases_before_the_survey(site, cast, state):
    enrollment = walk_to(new_case(site, cast), state, cast)
    before = snapshot()
    staff = session_client(cast.staff)
    for method, url, body in _enrollment_urls(enrollment):
        if url.startswith("/api/"):
            response = _call(staff, method, url, body)
            assert response.status_code == 404, (method, url, response.status_code)
            assert response.json()["code"] == "not_found"
        else:
            response = staff.get(url) if method == "GET" else staff.post(url, body)
            assert response.status_code in (404, 405), (method, url, response.status_code)
        assert_no_leak(response, [site.name, site.company.name], f"{method} {url}")
    assert session_client(cast.staff).get(f"/sites/{site.pk}/").status_code == 404
    assert staff.get(f"{API_PREFIX}/sites/{site.pk}").status_code == 404
    cases = staff.get(f"{API_PREFIX}/enrollments").json()["items"]
    assert enrollment.pk not in {c["id"] for c in cases}
    assert site.pk not in {s["id"] for s in staff.get(f"{API_PREFIX}/sites").json()["items"]}
    assert snapshot() == before
    # The office sees every case at every step.
    for person in (cast.reviewer, cast.inspector):
        office = session_client(person)
        assert office.get(f"/enrollments/{enrollment.pk}/").status_code == 200
        assert office.get(f"{API_PREFIX}/enrollments/{enrollment.pk}").status_code == 200


@pytest.mark.django_db
def test_provider_sees_the_case_from_the_survey_on(site, cast):
    """The control for the test above: at ③ the same reads answer 200."""
    enrollment = walk_to(new_case(site, cast), State.SURVEY, cast)
    staff = session_client(cast.staff)
    assert staff.get(f"/enrollments/{enrollment.pk}/").status_code == 200
    assert staff.get(f"{API_PREFIX}/enrollments/{enrollment.pk}").status_code == 200
    cases = staff.get(f"{API_PREFIX}/enrollments").json()["items"]
    assert enrollment.pk in {c["id"] for c in cases}


@pytest.mark.django_db
def test_provider_does_not_read_the_review_or_the_inspection_findings(site, cast):
    """The provider reads the case from ③ on, but not the comments of ①, ② (or ⑦'s inspection)."""
    enrollment = walk_to(new_case(site, cast), State.INSPECTION_REMEDIATION_REPORTED, cast)
    inspection = Inspection.objects.get(subject_id=enrollment.pk, kind="site")
    remediation_decide(inspection=inspection, actor=cast.reviewer, decision="accepted")
    enrollment.refresh_from_db()
    prov.survey_record(enrollment=enrollment, actor=cast.staff, surveyed_on=today())
    act(enrollment, "complete_survey", cast.staff)
    url = f"{API_PREFIX}/enrollments/{enrollment.pk}"
    records = session_client(cast.staff).get(url).json()["records"]
    assert [r["transition"] for r in records] == ["complete_survey"]
    assert "入退室記録なし" not in json.dumps(records, ensure_ascii=False)
    office = session_client(cast.reviewer).get(url).json()["records"]
    assert any("入退室記録なし" in r["comment"] for r in office)


# Pages anyone may read without logging in: the 問い合わせ先 (§6), public like the guideline
# that prints it, so that whoever cannot log in finds whom to ask. Nothing else is public.
# readyz, healthz: the health checks (counts only); metrics: Prometheus figures without any
# company's data, answered to loopback without a proxy or a token (tests/core/test_health.py),
# as the test client is.
PUBLIC_ROUTES = {"contacts/", "readyz", "healthz", "metrics"}
# A one-time link's form: its code arrives in the link's #fragment, which a login would lose, so
# anyone sees the empty form; what it posts waits for the login (dsg.provisioning).
LINK_FORMS = {"account-deliveries/open/"}


def test_the_public_pages_are_pages():
    assert PUBLIC_ROUTES <= {route.route for route in PAGE_ROUTES}


@pytest.mark.parametrize(
    "route",
    [pytest.param(r, id=r.route) for r in PAGE_ROUTES if r.route in PUBLIC_ROUTES],
)
def test_a_public_page_shows_no_company_and_changes_nothing(w: Worlds, route: Route):
    url = "/" + route.route
    before = snapshot()
    client = new_client()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert_no_leak(response, w.a.secrets + w.b.secrets, f"GET {url} anonymous")
    assert client.post(url, page_form(w.b)).status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize(
    "route",
    [pytest.param(r, id=r.route or "/") for r in PAGE_ROUTES if r.route not in PUBLIC_ROUTES],
)
def test_anonymous_is_sent_to_login_from_every_page(w: Worlds, route: Route):
    combo = {name: OBJECTS_OF.get(name, [None])[0] for name in route.params}
    url = "/" + fill(route.route, _CONVERTER, combo, w.b)
    before = snapshot()
    for method in ("GET", "POST"):
        client = new_client()
        response = client.get(url) if method == "GET" else client.post(url, page_form(w.b))
        if method == "GET" and route.route in LINK_FORMS:
            assert response.status_code == 200, (url, response.status_code)
            assert_no_leak(response, w.a.secrets + w.b.secrets, f"GET {url} anonymous")
            continue
        assert response.status_code == 302, (method, url, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), response["Location"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "op"),
    [pytest.param(m, p, o, id=f"{m} {p}") for m, p, o in API_OPERATIONS],
)
def test_anonymous_gets_401_json_from_every_api_operation(w: Worlds, method, path, op):
    combo = {m["name"]: OBJECTS_OF.get(m["name"], [None])[0] for m in _API_PARAM.finditer(path)}
    url = fill(path, _API_PARAM, combo, w.b)
    before = snapshot()
    for client in (new_client(), token_client("dsg_not-a-real-token")):
        response = _call(client, method, url, request_body(op, w.b))
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.json()["code"] == "unauthenticated"
        assert response.json()["detail"]
        assert_no_leak(response, w.b.secrets, f"{method} {url} anonymous")
    assert snapshot() == before
