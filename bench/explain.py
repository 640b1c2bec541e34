"""The query plans of the hottest queries of the pages and the ledger, on the generated data.

    python bench/explain.py

PostgreSQL: EXPLAIN (ANALYZE, BUFFERS) of each — it runs the query. SQLite: EXPLAIN QUERY PLAN.
The queries are those the profiles of bench/pages.py and bench/ledger.py found hottest: the
office dashboard's count per state and its longest-waiting cases of the largest step, the office
case list API's page, and the verify's full read of the ledger. Written to bench/out/explain.txt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
os.environ["DJANGO_SETTINGS_MODULE"] = "dsg.settings"
os.environ.setdefault("DSG_DATA_DIR", str(OUT / "data"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from dsg.audit.models import AuditEvent  # noqa: E402
from dsg.enrollment import selectors  # noqa: E402
from dsg.enrollment.models import Enrollment  # noqa: E402
from dsg.orgs import permissions  # noqa: E402
from dsg.orgs.models import Role, User  # noqa: E402


def queries() -> list[tuple[str, object]]:
    reviewer = User.objects.filter(role=Role.REVIEWER).order_by("pk").first()
    if reviewer is None:
        sys.exit("no data: run bench/generate.py first")
    counts = (
        permissions.restrict(reviewer, Enrollment.objects.all())
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    columns = [field.attname for field in AuditEvent._meta.concrete_fields]
    return [
        ("office dashboard: cases per state", counts),
        (
            "office dashboard: the 20 longest-waiting drafts (step 1, the largest)",
            selectors.enrollments_at_step(user=reviewer, step=1)[:20],
        ),
        (
            "office case list API: the newest 50 (enrollment_list_for, sorted by created_at)",
            selectors.enrollment_list_for(user=reviewer).order_by("-created_at", "-pk")[:50],
        ),
        (
            "dsg audit verify: every event in sequence order",
            AuditEvent.objects.order_by("sequence").values_list(*columns),
        ),
    ]


def main() -> None:
    lines = [f"database: {connection.vendor}"]
    with scopes_disabled(), connection.cursor() as cursor:
        for title, queryset in queries():
            sql, params = queryset.query.sql_with_params()  # type: ignore[attr-defined]
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = [row[-1] for row in cursor.fetchall()]
            lines += ["", f"== {title}", *plan]
    text = "\n".join(lines)
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "explain.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
