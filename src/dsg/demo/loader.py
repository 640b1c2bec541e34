"""Demo data: one organisation of each kind, a user of each role, sites at different steps.

Everything is created through the services, so the demo also fills the audit ledger.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfWriter

from dsg.core.calendar import add_business_days
from dsg.enrollment.application_services import application_document_add
from dsg.enrollment.models import Enrollment
from dsg.enrollment.services import (
    TransitionInput,
    application_update,
    enrollment_create,
    enrollment_transition,
)
from dsg.orgs.japan import corporate_number_check_digit
from dsg.orgs.models import Organization, OrganizationKind, Role, Site, User
from dsg.orgs.services import site_create
from dsg.provisioning import services as prov

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

    def applied(actor: User, site: Site) -> Enrollment:
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

    today = timezone.localdate()
    # A draft, filled in but not yet submitted.
    applied(psa, new_site(psa, "本社 第1拠点", "100-0001", "13", "千代田区千代田1-1 本社ビル3階"))
    # At ③: survey recorded, one ancillary work item still open.
    at_survey = applied(psa, new_site(psa, "相模原工場", "252-0239", "14", "相模原市中央区1-2-3"))
    step(at_survey, "submit", psa)
    step(at_survey, "accept", reviewer)
    step(at_survey, "pass_inspection", inspector, performed_on=today)
    prov.survey_record(
        enrollment=at_survey,
        actor=staff,
        surveyed_on=today,
        route_notes="東側外壁から引込み、2階サーバ室まで配管",
    )
    prov.ancillary_work_add(
        enrollment=at_survey, actor=staff, description="2階サーバ室への配管用の壁貫通（会社負担）"
    )
    # provisioning (issue #4): the construction date proposed, waiting for the PSA.
    next_week = timezone.make_aware(  # dates are proposed on business days, 8:00–19:00
        dt.datetime.combine(add_business_days(today, 5), dt.time(10))
    )
    prov.appointment_propose(
        enrollment=at_survey, actor=staff, purpose="construction", starts_at=next_week
    )
    # At ⑥: router installed, one terminal waiting for its connection test.
    at_setup = applied(psa, new_site(psa, "名古屋事業所", "455-0001", "23", "名古屋市港区4-5-6"))
    for name, actor in (("submit", psa), ("accept", reviewer)):
        step(at_setup, name, actor)
    step(at_setup, "pass_inspection", inspector, performed_on=today)
    prov.survey_record(enrollment=at_setup, actor=staff, surveyed_on=today)
    step(at_setup, "complete_survey", staff)
    step(at_setup, "complete_construction", staff, performed_on=today)
    step(at_setup, "install_router", staff, performed_on=today, router_serial="RTR-DEMO-0001")
    prov.terminal_register(
        enrollment=at_setup,
        actor=psa,
        name="DSG-PC-01",
        model_name="指定仕様端末 A",
        serial_number="SN-DEMO-0001",
    )
    # The PSA, account holder of the application, received the account information.
    holder = at_setup.account_holders.order_by("pk")[0]
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=staff, username="dsg-demo-0001", password="Demo-Init-Pw-1"
    )
    prov.account_delivery_open(token=token, actor=psa)
    # provisioning (issue #4): setup media shipped; a remote vein registration date confirmed.
    prov.media_ship(
        enrollment=at_setup,
        actor=staff,
        carrier="日本郵便",
        tracking_number="EMS-DEMO-0001",
        shipped_on=today,
    )
    vein = prov.appointment_propose(
        enrollment=at_setup,
        actor=staff,
        purpose="vein_registration",
        holder=holder,
        vein_method="remote",
        starts_at=timezone.make_aware(
            dt.datetime.combine(add_business_days(today, 6), dt.time(10))
        ),
    )
    prov.appointment_confirm(appointment=vein, actor=psa)
    # The other company: submitted, waiting for the office.
    towa = applied(
        other_psa, new_site(other_psa, "本社", "460-0001", "23", "名古屋市中区三の丸1-1")
    )
    step(towa, "submit", other_psa)
