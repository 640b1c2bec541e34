"""Benchmark data: companies with sites, people of every role, cases spread over every state.

    python bench/generate.py --companies 100 --sites-per-company 50   # 5,000 cases

Everything that has a service goes through it (sites, cases, applications, every step of the
procedure, terminals, accounts, API tokens), so the audit ledger and the mail outbox fill as in
production. Organisations and people have no service: they are bulk-inserted with one shared
password hash. One case per site, its application filled in. A share of the cases (--walked,
default 0.3) is driven along tests/walk.py's path to one of the 15 states after draft, the states
taking turns; the rest stay drafts. A walked case costs ~90 ms, a draft ~20 ms (about 2 minutes
for 5,000 cases on 2 cores with SQLite).

Writes to $DSG_DATA_DIR (default bench/out/data) or $DATABASE_URL, which must be empty, and
leaves the logins, API tokens and a sample case id in $DSG_DATA_DIR/bench.json for bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ["DJANGO_SETTINGS_MODULE"] = "dsg.settings"
os.environ.setdefault("DSG_DATA_DIR", str(ROOT / "bench" / "out" / "data"))
sys.path.insert(0, str(ROOT))  # for tests.walk

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from tests.walk import Cast, new_case, walk_to  # noqa: E402

from dsg.audit.models import AuditEvent  # noqa: E402
from dsg.enrollment.models import Enrollment, State  # noqa: E402
from dsg.orgs.japan import PREFECTURES, corporate_number_check_digit  # noqa: E402
from dsg.orgs.models import Organization, OrganizationKind, Role, Site, User  # noqa: E402
from dsg.orgs.services import api_token_create, site_create  # noqa: E402

PASSWORD = "dsg-bench-2026!"
WALK_TO = [s for s in State.values if s != State.DRAFT]  # the 15 other states take turns


def corporate_number(n: int) -> str:
    base = f"{500000000000 + n:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def person(org: Organization, email: str, role: str, password: str) -> User:
    return User(
        email=email, full_name=f"{role} {org.pk}", organization=org, role=role, password=password
    )


def build_orgs(companies: int) -> list[Organization]:
    """The office, the provider and the companies, with people of every role (bulk)."""
    office = Organization.objects.create(kind=OrganizationKind.OFFICE, name="情報システム管理室")
    provider = Organization.objects.create(kind=OrganizationKind.PROVIDER, name="提供事業者")
    Organization.objects.bulk_create(
        Organization(
            kind=OrganizationKind.COMPANY,
            name=f"ベンチ工業{i:04d}株式会社",
            corporate_number=corporate_number(i),
            postal_code="100-0001",
            prefecture="13",
            address="千代田区千代田1-1",
        )
        for i in range(1, companies + 1)
    )
    firms = list(Organization.objects.filter(kind=OrganizationKind.COMPANY).order_by("pk"))
    hashed = make_password(PASSWORD)  # Argon2 once, not once per person
    people = [
        person(office, "reviewer@office.bench.example", Role.REVIEWER, hashed),
        person(office, "inspector@office.bench.example", Role.INSPECTOR, hashed),
        person(provider, "staff@provider.bench.example", Role.PROVIDER_STAFF, hashed),
    ]
    for i, firm in enumerate(firms, start=1):
        for role in (Role.PSA, Role.DELEGATE, Role.USER):
            people.append(person(firm, f"{role}@c{i:04d}.bench.example", role, hashed))
    User.objects.bulk_create(people, batch_size=500)
    return firms


def build_company(firm: Organization, index: int, sites: int, walked: float, office: dict) -> None:
    """The company's sites, each with a case; case number n is walked if its share says so."""
    psa = User.objects.get(organization=firm, role=Role.PSA)
    delegate = User.objects.get(organization=firm, role=Role.DELEGATE)
    cast = Cast(psa=psa, delegate=delegate, **office)
    for j in range(sites):
        code, name = PREFECTURES[(index + j) % len(PREFECTURES)]
        site = site_create(
            actor=psa,
            data={
                "name": f"第{j + 1:03d}拠点",
                "postal_code": "162-0845",
                "prefecture": code,
                "address": f"{name}ベンチ市{j + 1}-{index}",
                "facility": f"第{j + 1:03d}拠点 取扱施設",
            },
        )
        case = new_case(site, cast)
        n = index * sites + j
        if int((n + 1) * walked) > int(n * walked):  # spreads walked cases evenly over the run
            walk_to(case, WALK_TO[int(n * walked) % len(WALK_TO)], cast)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=10)
    parser.add_argument("--sites-per-company", type=int, default=50)
    parser.add_argument(
        "--walked",
        type=float,
        default=0.3,
        help="share of cases driven past draft, 0..1 (the rest stay drafts)",
    )
    args = parser.parse_args()
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    with scopes_disabled():
        if Organization.objects.exists():
            sys.exit("The database is not empty: point DSG_DATA_DIR or DATABASE_URL elsewhere.")
        with transaction.atomic():
            firms = build_orgs(args.companies)
        office = {
            "reviewer": User.objects.get(role=Role.REVIEWER),
            "inspector": User.objects.get(role=Role.INSPECTOR),
            "staff": User.objects.get(role=Role.PROVIDER_STAFF),
        }
        for index, firm in enumerate(firms):
            with transaction.atomic():  # one commit per company; each service nests inside
                build_company(firm, index, args.sites_per_company, args.walked, office)
            cases = (index + 1) * args.sites_per_company
            print(f"\r{cases} cases, {time.monotonic() - started:.0f} s", end="", flush=True)
        print()
        write_logins(firms[0])
        print(f"done in {time.monotonic() - started:.0f} s: {summary()}")


def write_logins(firm: Organization) -> None:
    """The people bench/run.py logs in as, their API tokens, and a case they all may see."""
    users = {
        "psa": User.objects.get(organization=firm, role=Role.PSA),
        "reviewer": User.objects.get(role=Role.REVIEWER),
        "provider": User.objects.get(role=Role.PROVIDER_STAFF),
    }
    # The company's case with the longest history (completed, if it has one) for the case pages.
    case = (
        Enrollment.objects.filter(site__company=firm)
        .annotate(steps=Count("records"))
        .order_by("-steps", "pk")
        .first()
    )
    info = {
        "password": PASSWORD,
        "logins": {role: user.email for role, user in users.items()},
        "tokens": {role: api_token_create(actor=u, name="bench") for role, u in users.items()},
        "case": case.pk,
        "counts": summary(),
    }
    path = Path(settings.DATA_DIR) / "bench.json"
    path.write_text(json.dumps(info, indent=2, ensure_ascii=False))
    print(f"logins and tokens: {path}")


def summary() -> dict[str, int]:
    return {
        "companies": Organization.objects.filter(kind=OrganizationKind.COMPANY).count(),
        "users": User.objects.count(),
        "sites": Site.objects.count(),
        "cases": Enrollment.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


if __name__ == "__main__":
    main()
