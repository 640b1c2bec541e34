"""The portal's pages against Django admin's changelist over the same rows, in one run.

    python bench/pages.py [--single 30] [--load 200] [--users 16]

Serves the generated database (bench/generate.py) with `dsg serve` (gunicorn, 2 workers) on a
free loopback port, logs in through the real login form, and measures each page next to its
baseline, the two interleaved so both see the same machine:

- office dashboard `/` (reviewer), provider dashboard `/` (provider staff): the admin's
  changelist of every case, `/admin/enrollment/enrollment/`;
- company dashboard `/` (PSA): the admin's changelist of the company's sites,
  `/admin/orgs/site/?company__id__exact=<company>`;
- case page `/enrollments/<case>/` (reviewer): the admin's changelist of the case's history,
  `/admin/enrollment/steprecord/?enrollment__id__exact=<case>`.

Single request: --single requests one after another (median and p95). Under load: --load
requests from --users client threads (p50, p95, p99, req/s, errors). Each figure is printed with
its baseline and the ratio (page / baseline: below 1 the page is faster). The SQL queries of each
page are counted in process. Results go to bench/out/pages.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from run import (  # noqa: E402  (sets up Django on the bench database)
    OUT,
    count_queries,
    cpu_busy,
    free_port,
    login,
    percentile,
    start_server,
    wait_ready,
)

from dsg.orgs.models import User  # noqa: E402

ADMIN_EMAIL = "admin@bench.example"


def ensure_admin(password: str) -> str:
    """The admin's superuser (no organisation, as `createsuperuser` makes it)."""
    User.objects.get_or_create(
        email=ADMIN_EMAIL,
        defaults={
            "full_name": "bench admin",
            "is_staff": True,
            "is_superuser": True,
            "password": make_password(password),
        },
    )
    return ADMIN_EMAIL


def pairs(info: dict) -> list[tuple[str, str, str, str]]:
    """(name, who, page path, admin baseline path) — the same rows on both sides."""
    case, company = info["case"], info["company"]
    return [
        ("office dashboard", "reviewer", "/", "/admin/enrollment/enrollment/"),
        ("provider dashboard", "provider", "/", "/admin/enrollment/enrollment/"),
        ("company dashboard", "psa", "/", f"/admin/orgs/site/?company__id__exact={company}"),
        (
            "case page",
            "reviewer",
            f"/enrollments/{case}/",
            f"/admin/enrollment/steprecord/?enrollment__id__exact={case}",
        ),
    ]


def sender(base: str, opener: urllib.request.OpenerDirector, path: str, timeout: float):
    def send() -> None:
        with opener.open(base + path, timeout=timeout) as response:
            response.read()
            if response.status != 200 or "/login/" in response.geturl():
                raise OSError(f"{path}: {response.status} {response.geturl()}")

    return send


def timed(send) -> float | None:
    started = time.perf_counter()
    try:
        send()
    except OSError:
        return None
    return time.perf_counter() - started


def single(send, n: int) -> list[float | None]:
    return [timed(send) for _ in range(n)]


def load(send, n: int, users: int, seconds: float) -> tuple[list[float | None], float]:
    deadline = time.monotonic() + seconds

    def one(_i: int) -> float | None | bool:
        return False if time.monotonic() > deadline else timed(send)

    started = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        results = [r for r in pool.map(one, range(n)) if r is not False]
    return results, time.perf_counter() - started  # type: ignore[return-value]


def figures(results: list[float | None], wall: float | None = None) -> dict:
    ok = [r for r in results if r is not None]
    out = {
        "n": len(ok),
        "errors": len(results) - len(ok),
        "p50_ms": round(percentile(ok, 0.5) * 1000, 1),
        "p95_ms": round(percentile(ok, 0.95) * 1000, 1),
        "p99_ms": round(percentile(ok, 0.99) * 1000, 1),
    }
    if wall:
        out["req_per_s"] = round(len(ok) / wall, 1)
    return out


def ratio(page: float, baseline: float) -> float:
    return round(page / baseline, 2) if baseline else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=int, default=30, help="sequential requests per page")
    parser.add_argument("--load", type=int, default=200, help="requests per page under load")
    parser.add_argument("--users", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--seconds-per-page", type=float, default=60)
    args = parser.parse_args()
    busy = cpu_busy()
    if busy is not None and busy > 20:
        print(f"warning: the CPUs are {busy:.0f} % busy before the run; every figure is slower")
    info = json.loads((Path(settings.DATA_DIR) / "bench.json").read_text())
    info.setdefault("company", User.objects.get(email=info["logins"]["psa"]).organization_id)
    info["logins"]["admin"] = ensure_admin(info["password"])
    rows = []
    OUT.mkdir(exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, OUT / "serve-pages.log")
    try:
        wait_ready(base, server)
        openers = {
            who: login(base, email, info["password"]) for who, email in info["logins"].items()
        }
        print(
            f"{'':<20}{'':>26}{'single p50':>11}{'p95':>8}"
            f"{'load p50':>14}{'p95':>8}{'p99':>8}{'req/s':>8}{'err':>5}{'SQL':>5}"
        )
        for name, who, path, admin_path in pairs(info):
            page = sender(base, openers[who], path, args.timeout)
            baseline = sender(base, openers["admin"], admin_path, args.timeout)
            for send in (page, baseline, page, baseline):  # warm up both
                send()
            # Interleaved: page, baseline, page, baseline … so both meet the same machine.
            page_single, base_single = [], []
            for _ in range(args.single):
                page_single.append(timed(page))
                base_single.append(timed(baseline))
            page_load, page_wall = load(page, args.load, args.users, args.seconds_per_page)
            base_load, base_wall = load(baseline, args.load, args.users, args.seconds_per_page)
            queries, size = count_queries(info, path, who, "session")
            row = {
                "page": name,
                "as": who,
                "path": path,
                "baseline": admin_path,
                "single": figures(page_single),
                "baseline_single": figures(base_single),
                "load": figures(page_load, page_wall),
                "baseline_load": figures(base_load, base_wall),
                "queries": queries,
                "kb": round(size / 1024, 1),
            }
            row["ratio_single_p50"] = ratio(
                row["single"]["p50_ms"], row["baseline_single"]["p50_ms"]
            )
            row["ratio_load_p95"] = ratio(row["load"]["p95_ms"], row["baseline_load"]["p95_ms"])
            rows.append(row)
            show(row)
    finally:
        stop(server)
    result = {
        "data": info["counts"],
        "cpu_busy_before_percent": busy,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "options": vars(args),
        "pages": rows,
    }
    (OUT / "pages.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written to {OUT / 'pages.json'}")


def show(row: dict) -> None:
    def line(label: str, single: dict, loaded: dict, queries: str) -> str:
        return (
            f"{label:<46}{single['p50_ms']:>11}{single['p95_ms']:>8}"
            f"{loaded['p50_ms']:>14}{loaded['p95_ms']:>8}{loaded['p99_ms']:>8}"
            f"{loaded['req_per_s']:>8}{loaded['errors']:>5}{queries:>5}"
        )

    print(line(f"{row['page']} ({row['as']})", row["single"], row["load"], str(row["queries"])))
    print(line("  admin changelist, same rows", row["baseline_single"], row["baseline_load"], ""))
    verdict = "faster" if row["ratio_single_p50"] < 1 else "SLOWER"
    print(
        f"  ratio page/admin: single p50 {row['ratio_single_p50']}, "
        f"16-user p95 {row['ratio_load_p95']} — {verdict} than the admin; "
        f"p95 at 16 users {'<' if row['load']['p95_ms'] < 100 else '≥'} 100 ms"
    )


def stop(server) -> None:
    import signal
    import subprocess

    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


if __name__ == "__main__":
    main()
