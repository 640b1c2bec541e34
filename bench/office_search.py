"""The office's search and overview over 5,000 cases (#12): bulk-inserted cases of 500 companies
in every state (a third submitted long ago, so behind their plan), then each page timed as the
reviewer opens it, with its number of queries.

    DSG_DATA_DIR=/tmp/bench-office python bench/office_search.py            # SQLite
    DSG_DATA_DIR=/tmp/bench-office scripts/with-postgres python bench/office_search.py

The database must be empty (it is migrated here). Prints one line per page: median of 5 runs.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dsg.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from dsg.enrollment.models import (  # noqa: E402
    STEP_OF_STATE,
    Application,
    ApplicationVersion,
    Enrollment,
    State,
    StepRecord,
)
from dsg.enrollment.month_rule import month_rule_keep_all  # noqa: E402
from dsg.orgs.models import Organization, OrganizationKind, Role, Site, User  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", "5000"))
COMPANIES = CASES // 10
PAGES = [
    "/office/cases/",
    "/office/cases/?sort=-company",
    "/office/cases/?sort=site&page=50",
    "/office/cases/?q=工業",
    "/office/cases/?q=DSG-2026-0421",
    "/office/cases/?q=RCPT-000123",
    "/office/cases/?overdue=1&sort=-since",
    "/office/cases/?step=3&prefecture=27&waiting=provider",
    "/office/cases/export.csv",
    "/office/cases/export.xlsx",
    "/office/overview/",
    "/api/v1/enrollments?q=工業&ordering=-company&limit=100",
]


def _corporate_number(n: int) -> str:
    base = f"{n:012d}"
    digits = [int(c) for c in base]
    total = sum(d * (1 if i % 2 else 2) for i, d in enumerate(reversed(digits)))
    return f"{9 - total % 9}{base}"


def populate() -> User:
    rng = random.Random(12)
    office = Organization.objects.create(kind=OrganizationKind.OFFICE, name="情報システム管理室")
    reviewer = User.objects.create_user(
        email="bench-reviewer@example.jp", password="x", full_name="審査 太郎"
    )
    reviewer.organization, reviewer.role = office, Role.REVIEWER
    reviewer.save()
    companies = Organization.objects.bulk_create(
        Organization(
            kind=OrganizationKind.COMPANY,
            name=f"{rng.choice(['ＡＢＣ', 'テスト', '防衛', '日本'])}工業{n}株式会社",
            corporate_number=_corporate_number(500000 + n),
            prefecture="13",
        )
        for n in range(COMPANIES)
    )
    psa = User.objects.create_user(email="bench-psa@example.jp", password="x", full_name="保護")
    psa.organization, psa.role = companies[0], Role.PSA
    psa.save()
    sites = Site.objects.bulk_create(
        Site(
            company=companies[n % COMPANIES],
            name=f"第{n}拠点",
            postal_code="100-0001",
            prefecture=f"{rng.randint(1, 47):02d}",
            address="千代田区1-1",
        )
        for n in range(CASES)
    )
    states = list(State.values)
    now = timezone.now()
    cases = Enrollment.objects.bulk_create(
        Enrollment(
            site=site,
            state=states[n % len(states)],
            created_by=psa,
            created_at=now - dt.timedelta(days=rng.randint(0, 400)),
            state_changed_at=now - dt.timedelta(days=rng.randint(0, 90)),
        )
        for n, site in enumerate(sites)
    )
    applications = Application.objects.bulk_create(
        Application(
            enrollment=case,
            company_name=case.site.company.name,
            planned_terminals=rng.choice([1, 5, 10, 25, 60]),
            receipt_number=f"RCPT-{n:06d}" if case.state != State.DRAFT else "",
            submitted_at=now - dt.timedelta(days=rng.randint(1, 300))
            if case.state != State.DRAFT
            else None,
        )
        for n, case in enumerate(cases)
    )
    ApplicationVersion.objects.bulk_create(
        ApplicationVersion(
            application=app,
            number=1,
            receipt_number=app.receipt_number,
            submitted_at=app.submitted_at,
            submitted_by=psa,
        )
        for app in applications
        if app.submitted_at
    )
    records = []
    for case, app in zip(cases, applications, strict=True):
        step = STEP_OF_STATE[case.state]
        if not app.submitted_at or step < 2:
            continue
        day = app.submitted_at
        for n in range(1, min(step, 8)):
            day += dt.timedelta(days=rng.randint(3, 30))
            records.append(
                StepRecord(
                    enrollment=case,
                    transition="bench",
                    step=n,
                    from_state=State.SUBMITTED,
                    to_state=next(s for s, k in STEP_OF_STATE.items() if k == n + 1),
                    actor=psa,
                    recorded_at=min(day, now),
                )
            )
    StepRecord.objects.bulk_create(records)
    month_rule_keep_all()  # the ④–⑦ rule kept on each case, as the services keep it (#14)
    return reviewer


def measure(client: Client, url: str) -> tuple[float, int, int]:
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
    assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(queries), len(response.content)


def main() -> None:
    call_command("migrate", verbosity=0)
    with scopes_disabled():
        if not Enrollment.objects.exists():
            start = time.perf_counter()
            populate()
            print(f"populated {CASES} cases in {time.perf_counter() - start:.1f} s")
        reviewer = User.objects.get(email="bench-reviewer@example.jp")
        client = Client(headers={"Host": "localhost"})
        client.force_login(reviewer)
        print(f"{connection.vendor}, {Enrollment.objects.count()} cases")
        for url in PAGES:
            seconds, queries, size = measure(client, url)
            print(f"{seconds * 1000:8.1f} ms {queries:3d} queries {size:9d} bytes  {url}")


if __name__ == "__main__":
    main()
