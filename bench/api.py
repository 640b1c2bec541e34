"""The API's speed against its baselines, measured in the same run (issue #14).

    python bench/generate.py --companies 10 --sites-per-company 50     # once: bench.json
    python bench/api.py                    # in process and on gunicorn (2 workers, 16 clients)
    python bench/api.py --profile          # + cProfile of each API target, in process

Targets, each a GET answered 200:

- ``bare``      a bare JsonResponse view behind the portal's middleware (the plain Django stack);
- ``api bare``  the same answer from a django-ninja operation with the portal API's bearer
                authentication (the API stack doing no work);
- ``list`` / ``detail`` / ``sites`` / ``ledger`` / ``terminals`` / ``requests`` / ``changes``:
  the portal's API calls, by bearer token; ``list cur2`` the list's second page by its cursor
  (``next``, no count), ``sites cur`` the first page of sites by cursor, ``detail+t`` the case
  with its application's task list (``?include=tasks``).

Two measurements: **in process** (Django's test Client in a loop, best-of-rounds ms per call and
the SQL queries of one call) and **on gunicorn** (2 sync workers on a free loopback port, 16
client threads, the targets interleaved round by round; requests/s, p50/p95/p99). Each figure is
printed next to its baseline with the ratio: the API stack against ``bare``, the API calls against
``api bare`` (the goal of issue #14: each ratio ≥ 0.5). Results are merged into
bench/out/api.json. Reads $DSG_DATA_DIR (default bench/out/data) or $DATABASE_URL.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
os.environ.setdefault("DSG_DATA_DIR", str(OUT / "data"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# (name, path, baseline): the baseline is the target the ratio is taken against.
TARGETS = [
    ("bare", "/bench/bare/", None),
    ("api bare", "/api/bench/bare", "bare"),
    ("list", "/api/v1/enrollments?limit=50", "api bare"),
    ("list p2", "/api/v1/enrollments?limit=50&offset=50", "api bare"),
    ("list cur2", "/api/v1/enrollments?limit=50&cursor={list_next}", "api bare"),
    ("detail", "/api/v1/enrollments/{case}", "api bare"),
    ("detail+t", "/api/v1/enrollments/{case}?include=tasks", "api bare"),
    ("sites", "/api/v1/sites?limit=50", "api bare"),
    ("sites cur", "/api/v1/sites?limit=50&cursor=", "api bare"),
    ("ledger", "/api/v1/enrollments/{case}/events?limit=50", "api bare"),
    ("terminals", "/api/v1/sites/{site}/terminals", "api bare"),
    ("requests", "/api/v1/equipment-requests?limit=50", "api bare"),
    ("changes", "/api/v1/changes?limit=50", "api bare"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))] if ordered else float("nan")


def answering(targets: list[tuple[str, str, str | None]], token: str) -> list:
    """The targets that answer 200 (an API call this version lacks is left out, said so)."""
    client = Client(
        HTTP_HOST="127.0.0.1",
        headers={"Authorization": f"Bearer {token}"},
        raise_request_exception=False,
    )
    kept = []
    for name, path, base in targets:
        status = client.get(path).status_code
        if status == 200:
            kept.append((name, path, base))
        else:
            print(f"left out: {name} ({path}) answered {status}")
    return kept


def in_process(targets: list[tuple[str, str, str | None]], token: str, calls: int) -> dict:
    """Best-of-5 mean ms per call of each target through Django's test Client, interleaved."""
    client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Bearer {token}"})
    best: dict[str, float] = {}
    queries: dict[str, int] = {}
    for name, path, _base in targets:
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries[name] = len(captured)
    for _round in range(5):
        for name, path, _base in targets:
            started = time.perf_counter()
            for _ in range(calls):
                client.get(path)
            per_call = (time.perf_counter() - started) / calls * 1000
            best[name] = min(best.get(name, per_call), per_call)
    return {name: {"ms": round(best[name], 2), "queries": queries[name]} for name in best}


def profile(targets: list[tuple[str, str, str | None]], token: str, calls: int) -> None:
    """Where the time of each API target goes: cProfile's top functions by cumulative time."""
    client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Bearer {token}"})
    for name, path, _base in targets:
        if name == "bare":
            continue
        client.get(path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            client.get(path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(25)
        print(f"\n=== profile: {name} ({calls} calls) ===")
        print("\n".join(out.getvalue().splitlines()[:45]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    OUT.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "DSG_DATA_DIR": str(settings.DATA_DIR),
        # a PYTHONPATH given first (another tree's src/, to measure it with this bench)
        "PYTHONPATH": os.pathsep.join(
            [p for p in (os.environ.get("PYTHONPATH"), str(ROOT), str(ROOT / "src")) if p]
        ),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (OUT / "api-serve.log").open("w")
    command = [str(gunicorn), "dsg.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--access-logfile", str(OUT / "api-access.log")]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def get(port: int, path: str, token: str) -> int:
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection_.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection_.getresponse()
        response.read()
        return response.status
    finally:
        connection_.close()


def wait_ready(port: int, server: subprocess.Popen, token: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited; see bench/out/api-serve.log")
        try:
            if get(port, "/bench/bare/", token) == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("gunicorn did not answer within 30 s")


def load(port: int, path: str, token: str, users: int, seconds: float) -> dict:
    """``users`` threads sending ``path`` back to back for ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user() -> None:
        mine: list[float] = []
        failed = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                ok = get(port, path, token) == 200
            except OSError:
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=user) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"n": len(latencies), "errors": errors[0], "wall": wall, "latencies": latencies}


def on_gunicorn(
    targets: list[tuple[str, str, str | None]], token: str, users: int, seconds: float, rounds: int
) -> dict:
    port = free_port()
    server = start_gunicorn(port, workers=2)
    merged: dict[str, dict] = {
        name: {"n": 0, "errors": 0, "wall": 0.0, "lat": []} for name, *_ in targets
    }
    try:
        wait_ready(port, server, token)
        for _name, path, _base in targets:  # warm both workers
            for _ in range(6):
                get(port, path, token)
        for _round in range(rounds):  # interleaved: a busy machine slows every target alike
            for name, path, _base in targets:
                result = load(port, path, token, users, seconds)
                merged[name]["n"] += result["n"]
                merged[name]["errors"] += result["errors"]
                merged[name]["wall"] += result["wall"]
                merged[name]["lat"] += result["latencies"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return {
        name: {
            "req_per_s": round(m["n"] / m["wall"], 1) if m["wall"] else 0.0,
            "errors": m["errors"],
            "p50_ms": round(percentile(m["lat"], 0.5) * 1000, 1),
            "p95_ms": round(percentile(m["lat"], 0.95) * 1000, 1),
            "p99_ms": round(percentile(m["lat"], 0.99) * 1000, 1),
        }
        for name, m in merged.items()
    }


def report(targets: list[tuple[str, str, str | None]], process: dict, served: dict | None) -> None:
    print(f"\n{'target':<10}{'ms/call':>9}{'SQL':>5}{'ratio':>7}   ", end="")
    print(f"{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'err':>5}{'ratio':>7}  baseline")
    for name, _path, base in targets:
        row = process[name]
        ratio = f"{process[base]['ms'] / row['ms']:.2f}" if base else "-"
        print(f"{name:<10}{row['ms']:>9}{row['queries']:>5}{ratio:>7}   ", end="")
        if served:
            s = served[name]
            sratio = f"{s['req_per_s'] / served[base]['req_per_s']:.2f}" if base else "-"
            print(
                f"{s['req_per_s']:>8}{s['p50_ms']:>7}{s['p95_ms']:>7}{s['p99_ms']:>7}"
                f"{s['errors']:>5}{sratio:>7}  ",
                end="",
            )
        print(base or "")
    print("ratio: the baseline's time per call / the target's (in process), the target's req/s /")
    print("the baseline's (gunicorn); the goal of issue #14 is ≥ 0.50 for each.")


def _site_of(case: int) -> int:
    from django_scopes import scopes_disabled

    from dsg.enrollment.models import Enrollment

    with scopes_disabled():
        return Enrollment.objects.values_list("site_id", flat=True).get(pk=case)


def _next_of(path: str, token: str) -> str:
    """The cursor of the page after ``path``'s (empty: this version gives none)."""
    client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Bearer {token}"})
    return client.get(path).json().get("next") or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--as", dest="who", default="reviewer", help="whose token (bench.json)")
    parser.add_argument("--calls", type=int, default=50, help="in process, per target and round")
    parser.add_argument("--users", type=int, default=16, help="gunicorn: client threads")
    parser.add_argument("--seconds", type=float, default=3.0, help="gunicorn: per target, round")
    parser.add_argument("--rounds", type=int, default=3, help="gunicorn: interleaved rounds")
    parser.add_argument("--no-server", action="store_true", help="in process only")
    parser.add_argument("--profile", action="store_true", help="cProfile each API target")
    parser.add_argument(
        "--only", default="", help="comma-separated targets (their baselines are kept)"
    )
    args = parser.parse_args()

    info = json.loads((Path(settings.DATA_DIR) / "bench.json").read_text())
    token = info["tokens"][args.who]
    places = {"case": info["case"], "site": _site_of(info["case"]), "list_next": ""}
    places["list_next"] = _next_of("/api/v1/enrollments?limit=50", token)
    chosen = TARGETS
    if args.only:
        names = {name.strip() for name in args.only.split(",")}
        names |= {"bare", "api bare"}
        chosen = [t for t in TARGETS if t[0] in names]
    targets = answering([(n, p.format(**places), b) for n, p, b in chosen], token)
    process = in_process(targets, token, args.calls)
    if args.profile:
        profile(targets, token, args.calls)
    served = (
        None
        if args.no_server
        else on_gunicorn(targets, token, args.users, args.seconds, args.rounds)
    )
    report(targets, process, served)
    OUT.mkdir(exist_ok=True)
    path = OUT / "api.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    label = f"{info['counts']['cases']} cases, {connection.vendor}, as {args.who}"
    results[label] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "options": vars(args),
        "in_process": process,
        "gunicorn": served,
    }
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
