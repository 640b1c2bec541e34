"""Measure the portal on generated data: latency, req/s and SQL queries per page.

    python bench/generate.py --companies 10 --sites-per-company 50      # once
    python bench/run.py [--requests 200] [--concurrency 2]

Starts `dsg serve` (gunicorn, 2 workers) on a free loopback port against $DSG_DATA_DIR (default
bench/out/data) or $DATABASE_URL, logs in as the PSA, the reviewer and the provider staff
(session, CSRF-aware) or uses their API tokens from bench.json, and sends each page a bounded
number of requests (per-request timeout, per-page and total time caps). It also counts the SQL
queries of each page with Django's test Client. Prints a table, merges the run into
bench/out/results.json (one entry per data size, so two runs give a comparison) and stops the
server.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
os.environ["DJANGO_SETTINGS_MODULE"] = "dsg.settings"
os.environ.setdefault("DSG_DATA_DIR", str(OUT / "data"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dsg.orgs.models import User  # noqa: E402

# (page, who, path, how): "session" logs in through the login form, "token" sends a bearer token.
TARGETS = [
    ("dashboard", "psa", "/", "session"),
    ("dashboard", "reviewer", "/", "session"),
    ("dashboard", "provider", "/", "session"),
    ("sites", "psa", "/sites/", "session"),
    ("sites", "reviewer", "/sites/", "session"),
    ("sites", "provider", "/sites/", "session"),
    ("case list", "reviewer", "/enrollments/?step=1", "session"),
    ("case page", "psa", "/enrollments/{case}/", "session"),
    ("case page", "reviewer", "/enrollments/{case}/", "session"),
    ("api list", "psa", "/api/v1/enrollments", "token"),
    ("api list", "reviewer", "/api/v1/enrollments", "token"),
    ("api detail", "reviewer", "/api/v1/enrollments/{case}", "token"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))] if ordered else float("nan")


def count_queries(info: dict, path: str, who: str, how: str) -> tuple[int, int]:
    """SQL queries and response size of one request, in process, through Django's test Client."""
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {}
    if how == "token":
        headers["Authorization"] = f"Bearer {info['tokens'][who]}"
    else:
        client.force_login(User.objects.get(email=info["logins"][who]))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, who, response.status_code)
    return len(queries), len(response.content)


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Percent of CPU time spent busy over ``seconds`` (Linux /proc/stat), before we start."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return None
    return round(100 * (1 - (idle1 - idle0) / max(total1 - total0, 1)), 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    dsg = Path(sys.executable).parent / "dsg"
    env = {**os.environ, "DSG_DATA_DIR": str(settings.DATA_DIR)}
    with log.open("w") as out:
        return subprocess.Popen(
            [str(dsg), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def wait_ready(base: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("dsg serve exited; see bench/out/serve.log")
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"dsg serve did not answer within {seconds:.0f} s")


def login(base: str, email: str, password: str) -> urllib.request.OpenerDirector:
    """A cookie-keeping opener, logged in through the real form with its CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/accounts/login/", timeout=10).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = {"login": email, "password": password, "csrfmiddlewaretoken": csrf}
    response = opener.open(
        base + "/accounts/login/", urllib.parse.urlencode(form).encode(), timeout=10
    )
    response.read()
    if "/accounts/login/" in response.geturl():
        sys.exit(f"login failed for {email}")
    return opener


def hammer(send, requests: int, concurrency: int, seconds: float) -> dict:
    """Up to ``requests`` requests from ``concurrency`` threads, stopping at ``seconds``."""
    for _ in range(3):  # warm up: connections, template and translation caches
        send()
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = 0

    def one(_i: int) -> float | None:
        if time.monotonic() > deadline:
            return None
        started = time.perf_counter()
        try:
            send()
        except OSError:
            return -1.0
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for result in pool.map(one, range(requests)):
            if result is not None and result < 0:
                errors += 1
            elif result is not None:
                latencies.append(result)
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "req_per_s": round(len(latencies) / wall, 1) if wall else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per page")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--seconds-per-page", type=float, default=60)
    parser.add_argument("--max-seconds", type=float, default=600, help="for the whole run")
    args = parser.parse_args()
    run_deadline = time.monotonic() + args.max_seconds
    busy = cpu_busy()  # other work on the machine slows every number down: it is recorded
    if busy is not None and busy > 20:
        print(f"warning: the CPUs are {busy:.0f} % busy before the run; the numbers will be slower")

    info = json.loads((Path(settings.DATA_DIR) / "bench.json").read_text())
    targets = [(page, who, path.format(case=info["case"]), how) for page, who, path, how in TARGETS]

    queries = {(page, who): count_queries(info, path, who, how) for page, who, path, how in targets}

    OUT.mkdir(exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, OUT / "serve.log")
    rows = []
    try:
        wait_ready(base, server)
        openers = {
            who: login(base, info["logins"][who], info["password"])
            for who in {who for _p, who, _u, how in targets if how == "session"}
        }
        plain = urllib.request.build_opener()
        print(HEADER)
        for page, who, path, how in targets:
            left = run_deadline - time.monotonic()
            if left <= 0:
                print(f"time cap reached: {page} as {who} skipped")
                continue
            opener = openers[who] if how == "session" else plain
            headers = {"Authorization": f"Bearer {info['tokens'][who]}"} if how == "token" else {}

            def send(opener=opener, path=path, headers=headers) -> None:
                request = urllib.request.Request(base + path, headers=headers)
                with opener.open(request, timeout=args.timeout) as response:
                    response.read()
                    if response.status != 200 or "/accounts/login/" in response.geturl():
                        raise OSError(f"{path}: {response.status} {response.geturl()}")

            result = hammer(send, args.requests, args.concurrency, min(args.seconds_per_page, left))
            count, size = queries[(page, who)]
            rows.append(
                {
                    "page": page,
                    "as": who,
                    "path": path,
                    **result,
                    "queries": count,
                    "kb": round(size / 1024, 1),
                }
            )
            print_row(rows[-1])
    finally:
        server.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    save(info["counts"], vars(args), busy, rows)


HEADER = (
    f"{'page':<11}{'as':<9}{'n':>5}{'err':>4}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}"
    f"{'SQL':>5}{'KB':>8}"
)


def print_row(row: dict) -> None:
    print(
        f"{row['page']:<11}{row['as']:<9}{row['requests']:>5}{row['errors']:>4}"
        f"{row['p50_ms']:>9}{row['p95_ms']:>9}{row['req_per_s']:>8}{row['queries']:>5}"
        f"{row['kb']:>8}"
    )


def save(counts: dict, options: dict, busy: float | None, rows: list[dict]) -> None:
    """Merge this run into results.json, keyed by data size, and compare the sizes it holds."""
    path = OUT / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    label = f"{counts['cases']} cases, {connection.vendor}"
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    results[label] = {
        "data": counts,
        "cpu_busy_before_percent": busy,
        "cpus": os.cpu_count(),
        "commit": commit,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "options": options,
        "pages": rows,
    }
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwritten to {path}")
    if len(results) > 1:
        sizes = sorted(results, key=lambda k: results[k]["data"]["cases"])
        print(f"\n{'p50 ms / SQL queries':<21}" + "".join(f"{s:>20}" for s in sizes))
        for row in rows:
            cells = []
            for size in sizes:
                match = [
                    r
                    for r in results[size]["pages"]
                    if (r["page"], r["as"]) == (row["page"], row["as"])
                ]
                cells.append(f"{match[0]['p50_ms']} / {match[0]['queries']}" if match else "-")
            print(f"{row['page'] + ' ' + row['as']:<21}" + "".join(f"{c:>20}" for c in cells))


if __name__ == "__main__":
    main()
