"""Issuing a notice against bare WeasyPrint rendering the same HTML, in one run.

    python bench/notices.py [--rounds 5] [--batch 1000] [--workers 2]

On the generated database (bench/generate.py): the office issues a notice of the kind and with
the snapshot of a notice already issued there (the longest one) — `notice_issue` (permission,
lock, number, ledger) then `notice_render_pending` (the template, WeasyPrint, the PAdES signature,
the encrypted store in the company's folder, the ledger, the mail), as the portal does right after
the commit. The baseline renders the same notice's HTML (prepared beforehand, not timed) with
WeasyPrint alone. Rounds interleave the two; medians are kept. Prints both and the ratio (issue ÷
bare; the goal is ≤ 1.2) with where the issue's time goes (render, sign, the rest). Results go to
bench/out/notices.json.

With --batch N: N notices are issued left pending (as the generator and an outage leave them; not
timed), then rendered in one batch — `notices_render_pending(workers=W)`, what `dsg notice
render-pending --workers W` runs: W forked processes make the PDFs, this one stores them — against
bare WeasyPrint rendering the same HTML N times on a pool of W processes. Prints both in notices/s
and the ratio (batch ÷ bare).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
os.environ["DJANGO_SETTINGS_MODULE"] = "dsg.settings"
os.environ.setdefault("DSG_DATA_DIR", str(OUT / "data"))

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.db.models.functions import Length  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils import translation  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from weasyprint import HTML  # noqa: E402

from dsg.core import subjects  # noqa: E402
from dsg.notices import render, services  # noqa: E402
from dsg.notices.models import Notice, NoticeKind  # noqa: E402
from dsg.orgs.models import Role, User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=0, help="also render N notices in a batch")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with scopes_disabled():
        model = (
            Notice.objects.filter(document__isnull=False)
            .annotate(size=Length("snapshot"))
            .order_by("-size", "pk")
            .first()
        )
        if model is None:
            sys.exit("no notice issued yet: generate with more cases (bench/generate.py)")
        subject = subjects.linked_subject(model)
        reviewer = User.objects.filter(role=Role.REVIEWER).order_by("pk").first()
        with translation.override("ja"):
            html = render_to_string(
                render.TEMPLATES[NoticeKind(model.kind)],
                render.notice_context(model.snapshot, model.number, model.issued_at),
            )
        parts: dict[str, list[float]] = {"render": [], "sign": []}

        def timed(name, function):
            def wrapper(*a, **k):
                started = time.perf_counter()
                try:
                    return function(*a, **k)
                finally:
                    parts[name].append(time.perf_counter() - started)

            return wrapper

        def issue() -> None:
            with mock.patch.object(services, "_render_after_commit", lambda notice_id: None):
                notice = services.notice_issue(
                    subject=subject, kind=model.kind, snapshot=model.snapshot, issued_by=reviewer
                )
            with (
                mock.patch.object(services, "notice_render", timed("render", render.notice_render)),
                mock.patch.object(services, "notice_sign", timed("sign", render.notice_sign)),
            ):
                done = services.notice_render_pending(notice_id=notice.pk)
            assert done is not None and done.document_id

        def issue_pending() -> None:
            with mock.patch.object(services, "_render_after_commit", lambda notice_id: None):
                services.notice_issue(
                    subject=subject, kind=model.kind, snapshot=model.snapshot, issued_by=reviewer
                )

        def bare() -> None:
            HTML(string=html).write_pdf()

        timings: dict[str, list[float]] = {"issue": [], "bare": []}
        for r in range(args.rounds + 1):  # the first round warms up and is not kept
            for name, work in (("issue", issue), ("bare", bare)):
                started = time.perf_counter()
                work()
                if r:
                    timings[name].append(time.perf_counter() - started)
        batch = _batch(args.batch, args.workers, issue_pending, html) if args.batch else None
    median = {k: statistics.median(v) for k, v in timings.items()}
    render_ms = statistics.median(parts["render"][1:]) * 1000
    sign_ms = statistics.median(parts["sign"][1:]) * 1000
    ratio = round(median["issue"] / median["bare"], 2)
    result = {
        "kind": model.kind,
        "rounds": args.rounds,
        "median_ms": {k: round(v * 1000) for k, v in median.items()},
        "issue_parts_ms": {
            "render": round(render_ms),
            "sign": round(sign_ms),
            "rest": round(median["issue"] * 1000 - render_ms - sign_ms),
        },
        "ratio": ratio,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print(f"notice ({model.kind}), median of {args.rounds}")
    print(f"  bare WeasyPrint, same HTML {result['median_ms']['bare']:>7} ms")
    print(
        f"  notice issue               {result['median_ms']['issue']:>7} ms  ratio {ratio} "
        f"({'goal met' if ratio <= 1.2 else 'goal NOT met'}: ≤ 1.2); of it: "
        + ", ".join(f"{k} {v} ms" for k, v in result["issue_parts_ms"].items())
    )
    if batch:
        result["batch"] = batch
        print(
            f"batch of {batch['notices']} on {batch['workers']} processes: bare WeasyPrint "
            f"{batch['bare_per_s']} notices/s ({batch['bare_s']} s), render-pending "
            f"{batch['batch_per_s']} notices/s ({batch['batch_s']} s), ratio {batch['ratio']}"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "notices.json").write_text(json.dumps(result, indent=2))


def _bare_render(html: str) -> int:
    return len(HTML(string=html).write_pdf())


def _batch(n: int, workers: int, issue_pending, html: str) -> dict[str, float | int]:
    """N pending notices rendered by the batch, against bare WeasyPrint N times on as many
    processes (forked like the batch's: both inherit the imported modules)."""
    before = Notice.objects.filter(document__isnull=True).count()
    for _ in range(n):
        issue_pending()
    connections.close_all()
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        assert all(pool.map(_bare_render, [html] * n))
    bare_s = time.perf_counter() - started
    started = time.perf_counter()
    rendered, failed = services.notices_render_pending(limit=None, workers=workers)
    batch_s = time.perf_counter() - started
    assert failed == 0 and rendered == n + before, (rendered, failed)
    return {
        "notices": n,
        "workers": workers,
        "bare_s": round(bare_s, 1),
        "batch_s": round(batch_s, 1),
        "bare_per_s": round(n / bare_s, 2),
        "batch_per_s": round(rendered / batch_s, 2),
        "ratio": round(batch_s / bare_s * n / rendered, 2),
    }


if __name__ == "__main__":
    main()
