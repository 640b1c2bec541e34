"""Benchmark data: a national-scale installation, sized by --scale, deterministic from --seed.

    python bench/generate.py --scale 0.25     # a quarter of the full installation
    python bench/generate.py --scale 1        # 3,000 companies, 4,000 sites, 60,000 terminals,
                                              # 30,000 media, 10,000 software requests,
                                              # 50,000 documents, 500,000 ledger events

Two phases. **Through the services**: every site and its case (sites, cases, applications, every
step of the procedure, terminals, accounts, API tokens), so the ledger and the mail outbox fill as
in production; a share of the cases (--walked, default 0.3) is driven along tests/walk.py's path
to one of the 15 states after draft, the states taking turns, so there are sites at every step;
the rest stay filled-in drafts. The first company is the large one (up to 50 sites: its
dashboard is the one measured), the others have one or two. Organisations and people have no
service: they are bulk-inserted with one shared password hash. **In bulk** (bulk_create, seeded
random): the registry's terminals and removable media, software requests (dsg.equipment) in every
state with their lines, documents of the companies' folders (rows only: no file is stored, so
they list but do not download), and the ledger events for all of them — each bulk row's own
event, then documents read until the ledger holds its figure — chained exactly as audit_record
chains them, so `dsg audit verify` passes. Nothing in the bulk phase depends on the clock.

Writes to $DSG_DATA_DIR (default bench/out/data) or $DATABASE_URL, which must be empty, and
leaves the logins, API tokens and a sample case id in $DSG_DATA_DIR/bench.json for bench/run.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
os.environ["DJANGO_SETTINGS_MODULE"] = "dsg.settings"
os.environ.setdefault("DSG_DATA_DIR", str(ROOT / "bench" / "out" / "data"))
sys.path.insert(0, str(ROOT))  # for tests.walk

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from tests.walk import Cast, new_case, walk_to  # noqa: E402

from dsg.audit.models import AuditEvent, AuditHead  # noqa: E402
from dsg.audit.services import chain_hash  # noqa: E402
from dsg.audit.triggers import ledger_unlocked  # noqa: E402
from dsg.documents.models import Document  # noqa: E402
from dsg.enrollment.models import Enrollment, State  # noqa: E402
from dsg.equipment.models import (  # noqa: E402
    EquipmentRequest,
    LineDecision,
    Outcome,
    RequestKind,
    RequestState,
    SoftwareLine,
)
from dsg.notices.models import Notice  # noqa: E402
from dsg.notices.services import notice_render_pending  # noqa: E402
from dsg.orgs.japan import corporate_number_check_digit  # noqa: E402
from dsg.orgs.models import Organization, OrganizationKind, Role, Site, User  # noqa: E402
from dsg.orgs.services import api_token_create, site_create  # noqa: E402
from dsg.registry.models import MediumKind, RemovableMedium, Terminal  # noqa: E402

PASSWORD = "dsg-bench-2026!"
WALK_TO = [s for s in State.values if s != State.DRAFT]  # the 15 other states take turns

# The full installation of issue #14; --scale multiplies every figure.
FULL = {
    "companies": 3000,
    "sites": 4000,
    "terminals": 60000,
    "media": 30000,
    "software_requests": 10000,
    "documents": 50000,
    "ledger_events": 500000,
}
DEFAULT_SCALE = 0.25  # measured: see docs/operators/benchmarks.md
# Prefectures with a postal code of theirs (site_create checks the pair).
SITE_PLACES = [
    ("13", "162-0845", "東京都"),
    ("27", "530-0001", "大阪府"),
    ("23", "460-0001", "愛知県"),
    ("01", "060-0001", "北海道"),
    ("40", "812-0011", "福岡県"),
    ("04", "980-0811", "宮城県"),
    ("34", "730-0011", "広島県"),
    ("37", "760-0019", "香川県"),
]
WALK_SECONDS: list[float] = []  # what each walk took, for the summary
LEAD_SITES = 50  # the first company's sites, at most: the company dashboard that is measured
BATCH = 2000
# Bulk rows carry times from here on, one second apart: the bulk phase never reads the clock.
EPOCH = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def plan(scale: float) -> dict[str, int]:
    """Every figure of FULL times ``scale``, at least one of each, and a site per company."""
    figures = {key: max(1, round(value * scale)) for key, value in FULL.items()}
    figures["sites"] = max(figures["sites"], figures["companies"])
    return figures


def sites_per_company(companies: int, sites: int) -> list[int]:
    """The first company has up to LEAD_SITES sites; the others share the rest evenly."""
    if companies == 1:
        return [sites]
    lead = max(1, min(LEAD_SITES, sites - (companies - 1)))
    rest, extra = divmod(sites - lead, companies - 1)
    return [lead] + [rest + (1 if i < extra else 0) for i in range(companies - 1)]


class Progress:
    """A one-line progress bar on stderr (a count, a bar, the rate and the time left)."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.started = time.monotonic()
        self._shown = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._shown >= 0.5 or self.done >= self.total:
            self._shown = now
            self.show(now)

    def show(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        bar = "#" * int(share * 30)
        print(
            f"\r{self.label:<18}[{bar:<30}] {self.done:>7}/{self.total} "
            f"{rate:>8.0f}/s {elapsed:>5.0f} s, {left:>4.0f} s left",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        self.show(time.monotonic())
        print(file=sys.stderr, flush=True)


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


def build_company(
    firm: Organization, index: int, sites: int, first_case: int, walked: float, office: dict
) -> None:
    """The company's sites, each with a case; case number n is walked if its share says so."""
    psa = User.objects.get(organization=firm, role=Role.PSA)
    delegate = User.objects.get(organization=firm, role=Role.DELEGATE)
    cast = Cast(psa=psa, delegate=delegate, **office)
    for j in range(sites):
        code, postal, name = SITE_PLACES[(index + j) % len(SITE_PLACES)]
        site = site_create(
            actor=psa,
            data={
                "name": f"第{j + 1:03d}拠点",
                "postal_code": postal,
                "prefecture": code,
                "address": f"{name}ベンチ市{j + 1}-{index}",
                "facility": f"第{j + 1:03d}拠点 取扱施設",
            },
        )
        case = new_case(site, cast)
        n = first_case + j
        if int((n + 1) * walked) > int(n * walked):  # spreads walked cases evenly over the run
            started = time.monotonic()
            walk_to(case, WALK_TO[int(n * walked) % len(WALK_TO)], cast)
            WALK_SECONDS.append(time.monotonic() - started)


# The bulk phase ---------------------------------------------------------------------------------


def batched(items: Iterable, size: int = BATCH) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def at(n: int) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=n)


class Ledger:
    """Appends events in bulk, chained from the head exactly as audit_record chains them."""

    def __init__(self) -> None:
        head, _created = AuditHead.objects.get_or_create(id=1)
        self.sequence, self.hash = head.sequence, head.hash
        self.pending: list[AuditEvent] = []

    def add(
        self,
        *,
        actor: User,
        action: str,
        object_type: str,
        object_id: int,
        company_id: int,
        after: dict,
        n: int,
    ) -> None:
        event = AuditEvent(
            sequence=self.sequence + 1,
            occurred_at=at(n),
            actor_id=actor.pk,
            actor_label=actor.email,
            organization_id=actor.organization_id,
            company_id=company_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=None,
            after=json.loads(json.dumps(after)),
            previous_hash=self.hash,
        )
        event.hash = chain_hash(self.hash, event.canonical_payload())
        self.sequence, self.hash = event.sequence, event.hash
        self.pending.append(event)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending events and move the head onto the last (one step, not one per
        event: the head's trigger is let through for this transaction only)."""
        if not self.pending:
            return
        with transaction.atomic():
            AuditEvent.objects.bulk_create(self.pending)
            with ledger_unlocked(reason="bench/generate.py bulk ledger"):
                AuditHead.objects.filter(id=1).update(sequence=self.sequence, hash=self.hash)
        self.pending = []


class Bulk:
    """The registry, the requests, the documents and their ledger events, in bulk."""

    def __init__(self, figures: dict[str, int], seed: int) -> None:
        self.figures = figures
        self.rng = random.Random(seed)
        self.sites = list(Site.objects.order_by("pk").values_list("pk", "company_id"))
        self.psa = {u.organization_id: u for u in User.objects.filter(role=Role.PSA)}
        self.reviewer = User.objects.get(role=Role.REVIEWER)
        self.companies = sorted(self.psa)
        self.ledger = Ledger()
        self.clock = 0  # seconds after EPOCH of the next bulk row

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def site(self, k: int) -> tuple[int, int]:
        return self.sites[k % len(self.sites)]

    def run(self) -> None:
        self.terminals()
        self.media()
        self.software_requests()
        self.documents()
        self.reads()
        self.ledger.flush()

    def terminals(self) -> None:
        total = self.figures["terminals"]
        bar = Progress("terminals", total)
        models = ["DSG-T1", "DSG-T2", "Latitude 5450", "ThinkPad X13", "dynabook G83"]
        for batch in batched(range(total)):
            with transaction.atomic():
                rows = []
                for k in batch:
                    site_id, _company = self.site(k)
                    in_use = self.rng.random() < 0.7
                    rows.append(
                        Terminal(
                            site_id=site_id,
                            name=f"BT-{k + 1:06d}",
                            model_name=self.rng.choice(models),
                            serial_number=f"SN{self.rng.getrandbits(40):012X}{k:06d}",
                            registered_at=at(self.tick()),
                            set_up_on=EPOCH.date() if in_use else None,
                            in_use_since=EPOCH.date() if in_use else None,
                        )
                    )
                Terminal.objects.bulk_create(rows)
                self._ledger_rows(rows, "terminal.register", self._terminal_after)
            bar.advance(len(batch))
        bar.close()

    def _company_of_site(self) -> dict[int, int]:
        if not hasattr(self, "_site_company"):
            self._site_company = dict(self.sites)
        return self._site_company

    def _terminal_after(self, t: Terminal) -> dict:
        return {
            "site": t.site_id,
            "name": t.name,
            "model": t.model_name,
            "serial_number": t.serial_number,
            "origin": "bench",
        }

    def _ledger_rows(self, rows: list, action: str, after) -> None:
        companies = self._company_of_site()
        for row in rows:
            company = getattr(row, "company_id", None) or companies[row.site_id]
            self.ledger.add(
                actor=self.psa[company],
                action=action,
                object_type=row._meta.label_lower,
                object_id=row.pk,
                company_id=company,
                after=after(row),
                n=self.tick(),
            )

    def media(self) -> None:
        total = self.figures["media"]
        bar = Progress("removable media", total)
        first_terminal: dict[int, int] = {}  # each medium may be used on its site's first terminal
        for site_id, pk in Terminal.objects.order_by("pk").values_list("site_id", "pk"):
            first_terminal.setdefault(site_id, pk)
        kinds = list(MediumKind.values)
        through = RemovableMedium.terminals.through
        for batch in batched(range(total)):
            with transaction.atomic():
                rows = []
                for k in batch:
                    site_id, _company = self.site(k)
                    rows.append(
                        RemovableMedium(
                            site_id=site_id,
                            kind=kinds[k % len(kinds)],
                            vendor_id=f"{self.rng.randrange(0x10000):04x}",
                            product_id=f"{self.rng.randrange(0x10000):04x}",
                            serial_number=f"BM{k + 1:010d}",
                            capacity_gb=self.rng.choice([8, 16, 32, 64, 128]),
                            custodian=f"管理者{k % 97:02d}",
                            registered_at=at(self.tick()),
                        )
                    )
                RemovableMedium.objects.bulk_create(rows)
                through.objects.bulk_create(
                    through(removablemedium_id=m.pk, terminal_id=first_terminal[m.site_id])
                    for m in rows
                    if m.site_id in first_terminal
                )
                self._ledger_rows(
                    rows,
                    "medium.register",
                    lambda m: {
                        "site": m.site_id,
                        "ref": m.ref,
                        "kind": m.kind,
                        "vendor_id": m.vendor_id,
                        "product_id": m.product_id,
                        "serial_number": m.serial_number,
                    },
                )
            bar.advance(len(batch))
        bar.close()

    def software_requests(self) -> None:
        total = self.figures["software_requests"]
        bar = Progress("software requests", total)
        states = list(RequestState.values)
        for batch in batched(range(total), BATCH // 2):
            with transaction.atomic():
                requests = []
                for k in batch:
                    site_id, company = self.site(k)
                    state = states[k % len(states)]
                    filed = at(self.tick())
                    taken = state in (RequestState.UNDER_REVIEW, RequestState.INFO_REQUESTED)
                    decided = state == RequestState.DECIDED
                    requests.append(
                        EquipmentRequest(
                            site_id=site_id,
                            kind=RequestKind.SOFTWARE,
                            receipt_number=f"E{EPOCH:%Y}{90000000 + k:08d}",
                            state=state,
                            purpose="業務で使用するため",
                            channel="page",
                            filed_by=self.psa[company],
                            filed_at=filed,
                            reviewer=self.reviewer if taken or decided else None,
                            accepted_at=filed if taken or decided else None,
                            outcome=Outcome.APPROVED if decided else "",
                            decided_by=self.reviewer if decided else None,
                            decided_at=filed if decided else None,
                            withdrawn_at=filed if state == RequestState.WITHDRAWN else None,
                            withdraw_reason="不要となったため"
                            if state == RequestState.WITHDRAWN
                            else "",
                        )
                    )
                EquipmentRequest.objects.bulk_create(requests)
                SoftwareLine.objects.bulk_create(
                    SoftwareLine(
                        request=r,
                        position=1,
                        name=f"業務ソフト{k % 500:03d}",
                        vendor="ベンチソフト株式会社",
                        version=f"{k % 9 + 1}.{k % 7}",
                        install_method="オフラインのインストーラ",
                        update_method="オフラインの更新ファイル",
                        decision=LineDecision.APPROVED
                        if r.state == RequestState.DECIDED
                        else LineDecision.PENDING,
                        decided_by=r.decided_by,
                        decided_at=r.decided_at,
                    )
                    for k, r in zip(batch, requests, strict=True)
                )
                self._ledger_rows(
                    requests,
                    "equipment_request.file",
                    lambda r: {
                        "receipt_number": r.receipt_number,
                        "site": r.site_id,
                        "kind": r.kind,
                        "channel": r.channel,
                        "purpose": r.purpose,
                    },
                )
            bar.advance(len(batch))
        bar.close()

    def documents(self) -> None:
        total = self.figures["documents"]
        bar = Progress("documents", total)
        kinds = ["application", "layout", "contract_evidence", "requirement_evidence", "other"]
        for batch in batched(range(total)):
            with transaction.atomic():
                rows = []
                for k in batch:
                    company = self.companies[k % len(self.companies)]
                    kind = kinds[k % len(kinds)]
                    rows.append(
                        Document(
                            company_id=company,
                            kind=kind,
                            filename=f"{kind}-{k + 1:06d}.pdf",
                            content_type="application/pdf",
                            size=self.rng.randrange(20_000, 2_000_000),
                            sha256=hashlib.sha256(f"bench-{k}".encode()).hexdigest(),
                            storage_key=f"bench-{k + 1:08d}",
                            uploaded_by=self.psa[company],
                            uploaded_at=at(self.tick()),
                        )
                    )
                Document.objects.bulk_create(rows)
                self._ledger_rows(
                    rows,
                    "document.stored",
                    lambda d: {
                        "kind": d.kind,
                        "filename": d.filename,
                        "size": d.size,
                        "sha256": d.sha256,
                        "subject": "",
                        "password_protected": False,
                        "generated": False,
                    },
                )
            bar.advance(len(batch))
        bar.close()

    def reads(self) -> None:
        """Documents read (each read is ledgered) until the ledger holds its figure."""
        self.ledger.flush()
        total = self.figures["ledger_events"] - self.ledger.sequence
        if total <= 0:
            return
        bar = Progress("ledger events", total)
        documents = list(Document.objects.order_by("pk").values_list("pk", "company_id", "sha256"))
        for batch in batched(range(total)):
            for _k in batch:
                pk, company, sha256 = documents[self.rng.randrange(len(documents))]
                self.ledger.add(
                    actor=self.psa[company],
                    action="document.read",
                    object_type="documents.document",
                    object_id=pk,
                    company_id=company,
                    after={"sha256": sha256},
                    n=self.tick(),
                )
            bar.advance(len(batch))
        bar.close()


def _render_one(notice_id: int) -> bool:
    with scopes_disabled():
        return notice_render_pending(notice_id=notice_id) is not None


def render_notices(workers: int | None = None) -> tuple[int, float]:
    """Render and sign every pending notice, one process per core (forked: each opens its own
    database connection). Returns how many and the seconds it took."""
    pending = list(
        Notice.objects.filter(document__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    if not pending:
        return 0, 0.0
    started = time.monotonic()
    bar = Progress("notices (PDF)", len(pending))
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers or os.cpu_count() or 1, mp_context=context) as pool:
        for done in pool.map(_render_one, pending):
            if not done:
                sys.exit("a notice could not be rendered: see the log")
            bar.advance()
    bar.close()
    return len(pending), round(time.monotonic() - started, 1)


def generate(*, scale: float, seed: int = 14, walked: float = 0.3) -> dict[str, object]:
    """Fill the empty database; returns the figures planned and the time of each phase."""
    figures = plan(scale)
    timings: dict[str, float] = {}
    started = time.monotonic()
    with scopes_disabled():
        if Organization.objects.exists():
            sys.exit("The database is not empty: point DSG_DATA_DIR or DATABASE_URL elsewhere.")
        with transaction.atomic():
            firms = build_orgs(figures["companies"])
        office = {
            "reviewer": User.objects.get(role=Role.REVIEWER),
            "inspector": User.objects.get(role=Role.INSPECTOR),
            "staff": User.objects.get(role=Role.PROVIDER_STAFF),
        }
        counts = sites_per_company(figures["companies"], figures["sites"])
        bar = Progress("sites and cases", figures["sites"])
        first_case = 0
        # The notices' PDFs are left pending (as when the renderer fails) and rendered at the
        # end in one batch on every core, instead of one by one after each company's commit.
        with mock.patch("dsg.notices.services._render_after_commit", lambda notice_id: None):
            for index, (firm, sites) in enumerate(zip(firms, counts, strict=True)):
                with transaction.atomic():  # one commit per company; each service nests inside
                    build_company(firm, index, sites, first_case, walked, office)
                first_case += sites
                bar.advance(sites)
        bar.close()
        timings["notices"], timings["notices_s"] = render_notices()
        timings["services_s"] = round(time.monotonic() - started, 1)
        timings["walked_cases"] = len(WALK_SECONDS)
        timings["walks_s"] = round(sum(WALK_SECONDS), 1)
        bulk_started = time.monotonic()
        Bulk(figures, seed).run()
        timings["bulk_s"] = round(time.monotonic() - bulk_started, 1)
        write_logins(firms[0])
    timings["total_s"] = round(time.monotonic() - started, 1)
    return {"figures": figures, "timings": timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=DEFAULT_SCALE,
        help=f"share of the full installation (1 = {FULL['companies']:,} companies, "
        f"{FULL['ledger_events']:,} ledger events); default {DEFAULT_SCALE}",
    )
    parser.add_argument("--seed", type=int, default=14, help="of the bulk phase's random data")
    parser.add_argument(
        "--walked",
        type=float,
        default=0.3,
        help="share of cases driven past draft, 0..1 (the rest stay drafts)",
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    result = generate(scale=args.scale, seed=args.seed, walked=args.walked)
    info = json.loads((Path(settings.DATA_DIR) / "bench.json").read_text())
    print(f"done in {result['timings']['total_s']:.0f} s {result['timings']}: {info['counts']}")


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
        "terminals": Terminal.objects.count(),
        "media": RemovableMedium.objects.count(),
        "software_requests": EquipmentRequest.objects.filter(kind=RequestKind.SOFTWARE).count(),
        "documents": Document.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


if __name__ == "__main__":
    main()
