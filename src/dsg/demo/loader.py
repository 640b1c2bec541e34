"""Demo data: one organisation of each kind, a user of each role, sites at different steps — a
draft, ② with a recorded round and an open finding, ③, ⑥ with an account holder at each
sub-step, and a completed case with its issued, signed notices and, after 加入, a change of its
contacts applied and a relocation waiting for the office. The provider's two software
catalogues (導入必須ソフトウェア, ホワイトリスト) are in force; the completed site has §5
requests: a USB memory approved, software refused for its online updates, preinstalled software
awaiting the office, and a helpdesk request for whitelisted software.

Everything is created through the services, so the demo also fills the audit ledger; the
notices' PDFs are rendered and signed when the demo's transaction commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfWriter

from dsg.core.calendar import add_business_days
from dsg.documents.services import document_store
from dsg.enrollment.application_services import application_document_add
from dsg.enrollment.models import Enrollment
from dsg.enrollment.services import (
    TransitionInput,
    application_update,
    enrollment_create,
    enrollment_transition,
)
from dsg.equipment import services as equipment
from dsg.inspections import services as insp
from dsg.inspections.models import Result
from dsg.orgs.japan import corporate_number_check_digit
from dsg.orgs.models import Organization, OrganizationKind, Role, Site, User
from dsg.orgs.services import site_create
from dsg.provisioning import services as prov
from dsg.registry.catalogues import EntryInput, catalogue_publish
from dsg.registry.models import CatalogueKind
from dsg.registry.selectors import terminals_standing
from dsg.requests import services as changes

DEMO_PASSWORD = "dsg-demo-2026!"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    organization: str


def _demo_pdf(title: str) -> bytes:
    """A small real PDF standing in for a layout diagram or an evidence document."""
    writer = PdfWriter()
    writer.add_blank_page(width=842, height=595)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _attach_demo_documents(enrollment: Enrollment, actor: User) -> None:
    """The 加入申請書's required documents (レイアウト図, 実績等の資料), uploaded like a PSA."""
    for kind, filename in (("layout", "レイアウト図.pdf"), ("contract_evidence", "契約実績.pdf")):
        application_document_add(
            enrollment=enrollment,
            actor=actor,
            kind=kind,
            filename=filename,
            data=_demo_pdf(filename),
        )


def _changes_after_enrollment(site: Site, psa: User, reviewer: User, today: dt.date) -> None:
    """After 加入 (§4): a change of the contacts, accepted and applied (the site's history shows
    it), and a relocation submitted with its new layout diagram, waiting for the office."""
    contacts = changes.change_start(actor=psa, site=site, kind="contacts")
    changes.change_update(
        change=contacts,
        actor=psa,
        data={
            "contacts": [
                {
                    "name": "連絡 四郎",
                    "department": "総務部",
                    "phone": "06-6941-0351",
                    "email": "contact@mihon.example.jp",
                }
            ],
            "description": "担当者の異動による連絡先の変更",
        },
    )
    changes.change_submit(change=contacts, actor=psa)
    changes.change_accept(change=contacts, actor=reviewer)
    relocation = changes.change_start(actor=psa, site=site, kind="relocation")
    changes.change_update(
        change=relocation,
        actor=psa,
        data={
            "site_postal_code": "530-0001",
            "site_prefecture": "27",
            "site_address": "大阪市北区梅田1-1",
            "description": "事業所の統合に伴い、梅田の新事務所へ移転します。",
            "effective_on": add_business_days(today, 40),
        },
    )
    document_store(
        actor=psa,
        company=site.company,
        subject=relocation,
        kind="layout",
        filename="移転先レイアウト図.pdf",
        data=_demo_pdf("移転先レイアウト図"),
    )
    changes.change_submit(change=relocation, actor=psa)


def _equipment_after_enrollment(site: Site, psa: User, reviewer: User) -> None:
    """After 加入 (§5): a USB memory registered on the site's terminal (filed, taken up,
    approved), software refused at once for its online updates (留意事項(2)), software
    preinstalled on the terminal awaiting the office (起動・使用禁止 meanwhile), and a helpdesk
    request for software on the whitelist."""
    terminal = terminals_standing(site).first()
    if terminal is None:  # the completed site has its terminal from ⑥
        return
    medium = equipment.request_file(
        site=site,
        actor=psa,
        kind="medium",
        purpose="設計データを協力会社へ受け渡すため、暗号化USBメモリを1本登録します。",
        lines=[
            {
                "action": "add",
                "kind": "usb_memory",
                "vendor_id": "0781",
                "product_id": "5581",
                "serial_number": "4C530001231122115172",
                "capacity_gb": "32",
                "custodian": "管理 一郎",
                "usbguard_hash": "kGUsBd1VbkPMzvCDCfJv0gHrOKsCcUDa2Iqb6zjK3SA=",
                "terminals": [terminal.pk],
            }
        ],
    ).request
    if medium is not None:
        equipment.request_take_up(request=medium, actor=reviewer)
        equipment.request_decide(
            request=medium,
            actor=reviewer,
            verdicts=[equipment.LineVerdict(line=1, approve=True)],
            comment="一意の機器であることを確認しました。",
        )

    def software(name: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "vendor": "デモソフトウェア株式会社",
            "version": "5.2",
            "sha256": _demo_sha256(name),
            "install_method": "インストーラをDVD-ROMで持ち込み、管理者権限で実行",
            "update_method": "年1回、更新版をDVD-ROMで持ち込み適用",
            "terminals": [terminal.pk],
            **extra,
        }

    equipment.request_file(
        site=site,
        actor=psa,
        kind="software",
        purpose="図面の閲覧に必要なため。",
        lines=[software("クラウド図面ビューア", updates_online=True)],
    )
    equipment.request_file(
        site=site,
        actor=psa,
        kind="software",
        purpose="端末にプレインストールされていたソフトウェアの申告（留意事項(3)）。",
        lines=[software("端末診断ユーティリティ", preinstalled=True)],
    )
    equipment.helpdesk_file(
        site=site,
        actor=psa,
        name="7-Zip",
        vendor="Igor Pavlov",
        version="23.01",
        terminals=[terminal.pk],
        message="受領した圧縮ファイルの展開に使用します。",
    )


def _demo_sha256(text: str) -> str:
    """A stand-in SHA-256 for a demo file (the real ones come with the setup media)."""
    return hashlib.sha256(f"dsg-demo:{text}".encode()).hexdigest()


def _catalogues(staff: User) -> None:
    """The provider's two software catalogues (§5②), as shipped on the setup media: the
    mandatory software, and a whitelist published twice (its second version shows a change)."""
    mandatory = [
        (
            "ウイルス対策ソフト（指定品）",
            "指定ウイルス対策ベンダー",
            ">=12.0",
            "Demo AV Vendor Inc.",
        ),
        ("DSG接続クライアント", "DSGサービス提供事業者", "3.2", "DSG Service Provider"),
        ("静脈認証ドライバ", "静脈認証装置メーカー", "2.1 – 2.4", "Demo Vein Auth Co., Ltd."),
    ]
    catalogue_publish(
        kind=CatalogueKind.MANDATORY,
        entries=[
            EntryInput(name=n, vendor=v, version=ver, authenticode_sha256=_demo_sha256(n), signer=s)
            for n, v, ver, s in mandatory
        ],
        note="初版（セットアップ媒体 第1版に収録）",
        actor=staff,
    )
    office = [
        ("Microsoft 365 Apps for enterprise", "Microsoft", "16.0", True),
        ("Adobe Acrobat Reader", "Adobe", ">=24.0", True),
        ("7-Zip", "Igor Pavlov", "23.01", True),
        ("LibreOffice", "The Document Foundation", "24.2 – 24.8", False),
        ("サクラエディタ", "sakura-editor", "2.4.2", False),
    ]
    entries = [
        EntryInput(name=n, vendor=v, version=ver, sha256=_demo_sha256(f"{n} {ver}") if h else "")
        for n, v, ver, h in office
    ]
    catalogue_publish(kind=CatalogueKind.WHITELIST, entries=entries[:4], note="初版", actor=staff)
    catalogue_publish(
        kind=CatalogueKind.WHITELIST,
        entries=entries,
        note="サクラエディタを追加",
        actor=staff,
    )


def _corporate_number(base: str) -> str:
    return f"{corporate_number_check_digit(base)}{base}"


def _user(org: Organization, email: str, name: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, full_name=name, organization=org, role=role
        )
    return user


def demo_load() -> list[DemoLogin]:
    with scopes_disabled(), transaction.atomic():
        if not Organization.objects.filter(kind=OrganizationKind.OFFICE).exists():
            _build()
        return [
            _login(u)
            for u in User.objects.filter(email__endswith=".example.jp")
            .select_related("organization")
            .order_by("organization__kind", "role")
        ]


def _login(user: User) -> DemoLogin:
    role = str(Role(user.role).label)
    if user.organization is None:  # every demo person belongs to one (see _user)
        raise ImproperlyConfigured(f"{user.email} belongs to no organization")
    return DemoLogin(role, user.email, user.organization.name)


def _build() -> None:
    office = Organization.objects.create(
        kind=OrganizationKind.OFFICE, name="防衛装備庁 長官官房総務官付 情報システム管理室"
    )
    provider = Organization.objects.create(
        kind=OrganizationKind.PROVIDER, name="DSGサービス提供事業者（デモ）"
    )
    company = Organization.objects.create(
        kind=OrganizationKind.COMPANY,
        name="見本防衛工業株式会社",
        corporate_number=_corporate_number("010401234567"),
        postal_code="100-0001",
        prefecture="13",
        address="千代田区千代田1-1",
    )
    other = Organization.objects.create(
        kind=OrganizationKind.COMPANY,
        name="東和精機株式会社",
        corporate_number=_corporate_number("120001234567"),
        postal_code="460-0001",
        prefecture="23",
        address="名古屋市中区三の丸1-1",
    )
    reviewer = _user(office, "reviewer@office.example.jp", "審査 花子", Role.REVIEWER)
    inspector = _user(office, "inspector@office.example.jp", "確認 太郎", Role.INSPECTOR)
    staff = _user(provider, "staff@provider.example.jp", "提供 次郎", Role.PROVIDER_STAFF)
    psa = _user(company, "psa@mihon.example.jp", "管理 一郎", Role.PSA)
    delegate = _user(company, "delegate@mihon.example.jp", "指定 二郎", Role.DELEGATE)
    _user(company, "user@mihon.example.jp", "利用 三郎", Role.USER)
    other_psa = _user(other, "psa@towa.example.jp", "東和 管理者", Role.PSA)
    _catalogues(staff)

    def new_site(actor: User, name: str, postal: str, pref: str, address: str) -> Site:
        return site_create(
            actor=actor,
            data={
                "name": name,
                "postal_code": postal,  # of the prefecture: site_create checks the pair
                "prefecture": pref,
                "address": address,
                "facility": f"{name} 取扱施設",
            },
        )

    def applied(
        actor: User, site: Site, extra_holders: list[dict[str, str]] | None = None
    ) -> Enrollment:
        enrollment = enrollment_create(site=site, actor=actor)
        application_update(
            enrollment=enrollment,
            actor=actor,
            data={
                "track_record": "防衛装備品の部品製造契約（令和8年度）に従事中",
                "facility_basis": "standard",
                "equipment_confirmed": True,
                "planned_terminals": 2,
                "desired_start": timezone.localdate() + dt.timedelta(days=100),
                "contract_name": "○○用部品の製造請負契約",
                "contract_expected_on": timezone.localdate() + dt.timedelta(days=120),
                "psa_department": "情報セキュリティ管理部",
                "psa_phone": "03-3268-3111",
                "terminal_models": "防衛装備庁指定仕様の端末（デモ）",
                # アカウント利用者: the PSA and, in the demo company, the designated person.
                "account_holders": [
                    {
                        "name": str(actor),
                        "department": "情報セキュリティ管理部",
                        "email": actor.email,
                    },
                    *(
                        [{"name": str(delegate), "email": delegate.email}]
                        if actor.organization_id == delegate.organization_id
                        else []
                    ),
                    *(extra_holders or []),
                ],
            },
        )
        _attach_demo_documents(enrollment, actor)
        return enrollment

    def step(
        enrollment: Enrollment,
        name: str,
        actor: User,
        *,
        performed_on: dt.date | None = None,
        router_serial: str = "",
    ) -> None:
        data = TransitionInput(performed_on=performed_on, router_serial=router_serial)
        enrollment_transition(enrollment=enrollment, name=name, actor=actor, data=data)

    def accepted(site: Site) -> Enrollment:
        enrollment = applied(psa, site)
        step(enrollment, "submit", psa)
        step(enrollment, "accept", reviewer)
        return enrollment

    def inspect(
        enrollment: Enrollment, findings: dict[str, str] | None = None, **finish: Any
    ) -> None:
        """The inspector records a round of ② or ⑦ on the tablet and finishes it: its notice is
        issued and the case moves with the outcome (a listed item is 不適合, with its note)."""
        enrollment.refresh_from_db()
        inspection = insp.inspection_open(subject=enrollment, actor=inspector)
        findings = findings or {}
        entries = [
            insp.FindingInput(
                finding_id=f.pk,
                result=Result.NONCONFORMING if f.item.code in findings else Result.CONFORMING,
                note=findings.get(f.item.code, ""),
            )
            for f in inspection.findings.select_related("item")
        ]
        insp.inspection_record(inspection=inspection, actor=inspector, entries=entries)
        insp.inspection_finish(inspection=inspection, actor=inspector, performed_on=today, **finish)
        enrollment.refresh_from_db()

    def lines_up_to_setup(enrollment: Enrollment, serial: str) -> None:
        """③–⑤ done by the provider: survey, construction, router."""
        enrollment.refresh_from_db()
        prov.survey_record(enrollment=enrollment, actor=staff, surveyed_on=today)
        step(enrollment, "complete_survey", staff)
        step(enrollment, "complete_construction", staff, performed_on=today)
        step(enrollment, "install_router", staff, performed_on=today, router_serial=serial)

    def received(holder: Any, username: str) -> None:
        """The provider sends the holder's account information; the PSA opens the link."""
        _delivery, token = prov.account_delivery_create(
            holder=holder, actor=staff, username=username, password="Demo-Init-Pw-1"
        )
        prov.account_delivery_open(token=token, actor=psa)

    def at_business_day(days: int, hour: int = 10) -> dt.datetime:
        """A date ``days`` business days ahead (dates go on business days, 8:00–19:00)."""
        day = add_business_days(today, days)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    today = timezone.localdate()
    # ① A draft, filled in but not yet submitted.
    applied(psa, new_site(psa, "本社 第1拠点", "100-0001", "13", "千代田区千代田1-1 本社ビル3階"))

    # ② A round recorded with a 不適合: the 現地確認結果通知書 names it, the PSA has to remedy it.
    at_remediation = accepted(new_site(psa, "横須賀事業所", "238-0041", "14", "横須賀市本町2-1"))
    inspect(at_remediation, {"F-05": "入退室記録が保存されていない（紙の記録簿が未整備）"})

    # ③ ② passed; survey recorded, one ancillary work item still open, a construction date
    # proposed and waiting for the PSA.
    at_survey = accepted(new_site(psa, "相模原工場", "252-0239", "14", "相模原市中央区1-2-3"))
    inspect(at_survey)
    prov.survey_record(
        enrollment=at_survey,
        actor=staff,
        surveyed_on=today,
        route_notes="東側外壁から引込み、2階サーバ室まで配管",
    )
    prov.ancillary_work_add(
        enrollment=at_survey, actor=staff, description="2階サーバ室への配管用の壁貫通（会社負担）"
    )
    prov.appointment_propose(
        enrollment=at_survey, actor=staff, purpose="construction", starts_at=at_business_day(5)
    )

    # ⑥ Router installed; the application's account holders stand one at each sub-step of
    # ⑥'s order: the information not yet received → received → veins registered → tested.
    at_setup = applied(
        psa,
        new_site(psa, "名古屋事業所", "455-0001", "23", "名古屋市港区4-5-6"),
        extra_holders=[
            {"name": "端末 四郎", "department": "設計部", "email": "shiro@mihon.example.jp"},
            {"name": "運用 五郎", "department": "製造部", "email": "goro@mihon.example.jp"},
        ],
    )
    step(at_setup, "submit", psa)
    step(at_setup, "accept", reviewer)
    inspect(at_setup)
    lines_up_to_setup(at_setup, "RTR-DEMO-0001")
    terminal = prov.terminal_register(
        enrollment=at_setup,
        actor=psa,
        name="DSG-PC-01",
        model_name="指定仕様端末 A",
        serial_number="SN-DEMO-0001",
    )
    prov.terminal_register(
        enrollment=at_setup,
        actor=psa,
        name="DSG-PC-02",
        model_name="指定仕様端末 A",
        serial_number="SN-DEMO-0002",
    )
    prov.media_ship(
        enrollment=at_setup,
        actor=staff,
        carrier="日本郵便",
        tracking_number="EMS-DEMO-0001",
        shipped_on=today,
    )
    tested, registered, receiving, waiting = at_setup.account_holders.order_by("pk")[:4]
    for n, holder in enumerate((tested, registered, receiving), 1):
        received(holder, f"dsg-demo-000{n}")
    for holder in (tested, registered):
        prov.vein_registration_record(
            holder=holder, actor=staff, registered_on=today, method="shinjuku"
        )
    prov.connection_test_record(
        terminal=terminal, holder=tested, actor=psa, tested_on=today, passed=True
    )
    vein = prov.appointment_propose(  # the third holder's remote vein registration, confirmed
        enrollment=at_setup,
        actor=staff,
        purpose="vein_registration",
        holder=receiving,
        vein_method="remote",
        starts_at=at_business_day(6),
    )
    prov.appointment_confirm(appointment=vein, actor=psa)
    prov.account_delivery_create(  # the fourth: sent, the PSA has not opened the link yet
        holder=waiting, actor=staff, username="dsg-demo-0004", password="Demo-Init-Pw-1"
    )

    # 加入完了: every step done; the 現地確認結果通知書 of ② and the 加入完了通知書, issued and
    # signed, can be downloaded and verified.
    completed = accepted(new_site(psa, "大阪事業所", "540-0008", "27", "大阪市中央区大手前1-1"))
    inspect(completed)
    lines_up_to_setup(completed, "RTR-DEMO-0002")
    pc = prov.terminal_register(
        enrollment=completed,
        actor=psa,
        name="DSG-PC-11",
        model_name="指定仕様端末 A",
        serial_number="SN-DEMO-0011",
    )
    for n, holder in enumerate(completed.account_holders.order_by("pk"), 11):
        received(holder, f"dsg-demo-00{n}")
        prov.vein_registration_record(
            holder=holder, actor=staff, registered_on=today, method="remote"
        )
    first = completed.account_holders.order_by("pk")[0]
    prov.connection_test_record(terminal=pc, holder=first, actor=psa, tested_on=today, passed=True)
    step(completed, "request_final_inspection", psa)
    inspect(completed, effective_on=add_business_days(today, 1))
    _changes_after_enrollment(completed.site, psa, reviewer, today)
    _equipment_after_enrollment(completed.site, psa, reviewer)

    # The other company: submitted, waiting for the office.
    towa = applied(
        other_psa, new_site(other_psa, "本社", "460-0001", "23", "名古屋市中区三の丸1-1")
    )
    step(towa, "submit", other_psa)
