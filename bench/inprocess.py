"""The pages of bench/pages.py against their admin changelists, in process (no server).

    python bench/inprocess.py [--runs 5] [--only provider] [--profile provider] [--html DIR]
                              [--nodes company]

Django's test client, each page and its admin changelist interleaved (page, admin, page, admin
…) so both meet the same machine; prints the median of --runs of each, the ratio and the page's
SQL queries. --profile NAME runs that page under cProfile and prints where the time went;
--nodes NAME times that page's template nodes (each tag, variable and include: its own time,
without its children's, summed per node over --runs requests; the template's own parts);
--html DIR writes each page's body, its CSRF token and nonces blanked (to compare the rendered
content before and after a change). The process starts as a gunicorn worker does (dsg.wsgi).
Same data as bench/pages.py ($DSG_DATA_DIR with its bench.json).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import logging
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pages import ensure_admin, pairs  # noqa: E402

from dsg.orgs.models import User  # noqa: E402


def client_for(email: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=email))
    return client


def timed(client: Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def node_times(page: Client, path: str, runs: int) -> None:
    """Each template node's own time on ``path`` (Node.render_annotated wrapped: a node's time
    less its children's), the 25 largest, per request."""
    from collections import defaultdict

    from django.template import base

    own: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    children = [0.0]
    render = base.Node.render_annotated

    def timed_node(node, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        children.append(0.0)
        try:
            return render(node, context)
        finally:
            spent = time.perf_counter() - started
            inner = children.pop()
            children[-1] += spent
            token = getattr(node, "token", None)
            origin = getattr(node, "origin", None)
            key = f"{type(node).__name__} {token.contents[:60] if token else ''}"
            key += f" @{origin.template_name if origin else ''}"
            own[key] += spent - inner
            calls[key] += 1

    base.Node.render_annotated = timed_node  # type: ignore[method-assign]
    try:
        for _ in range(runs):
            page.get(path)
    finally:
        base.Node.render_annotated = render  # type: ignore[method-assign]
    for key, spent in sorted(own.items(), key=lambda kv: -kv[1])[:25]:
        print(f"{spent / runs * 1000:8.2f} ms {calls[key] // runs:6d}x  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="pages whose name contains this")
    parser.add_argument("--profile", default="", help="profile the page whose name has this")
    parser.add_argument("--html", default="", help="write each page's body to this directory")
    parser.add_argument("--nodes", default="", help="time the template nodes of this page")
    args = parser.parse_args()
    importlib.import_module("dsg.wsgi")  # as gunicorn starts a worker: what dsg.wsgi does at start
    logging.disable(logging.INFO)
    info = json.loads((Path(settings.DATA_DIR) / "bench.json").read_text())
    info.setdefault("company", User.objects.get(email=info["logins"]["psa"]).organization_id)
    info["logins"]["admin"] = ensure_admin(info["password"])
    admin = client_for(info["logins"]["admin"])
    for name, who, path, admin_path in pairs(info):
        if args.only not in name:
            continue
        page = client_for(info["logins"][who])
        for _ in range(2):  # warm up: templates, translations, kept queries
            timed(page, path), timed(admin, admin_path)
        mine, theirs = [], []
        for _ in range(args.runs):
            mine.append(timed(page, path))
            theirs.append(timed(admin, admin_path))
        with CaptureQueriesContext(connection) as queries:
            body = page.get(path).content
        p, a = statistics.median(mine) * 1000, statistics.median(theirs) * 1000
        print(
            f"{name:<22} {p:8.1f} / {a:6.1f} ms  ratio {p / a:5.2f}"
            f"  {len(queries):3d} queries  {len(body) / 1024:6.1f} KB"
        )
        if args.html:
            out = Path(args.html)
            out.mkdir(parents=True, exist_ok=True)
            kept = re.sub(rb'(csrfmiddlewaretoken" value=|nonce=)"[^"]*"', rb'\1"-"', body)
            (out / f"{name.replace(' ', '-')}.html").write_bytes(kept)  # no per-request token
        if args.nodes and args.nodes in name:
            node_times(page, path, args.runs)
        if args.profile and args.profile in name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.runs):
                page.get(path)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(60)


if __name__ == "__main__":
    main()
