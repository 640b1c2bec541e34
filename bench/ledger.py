"""`dsg audit verify` against a bare SELECT + SHA-256 of the same rows, in one run.

    python bench/ledger.py [--rounds 3]

On the generated database (bench/generate.py): the command as an operator runs it (a process,
Django's start-up included, one worker per CPU), the same check in process (`audit_verify`) in
one process and on one worker per CPU, and the baseline — one
SELECT of every column of every event in sequence order through the database cursor, each row
hashed with SHA-256 and nothing else. Rounds interleave the three; the best round of each is
kept (the least disturbed by other work on the machine). Prints events/s of each and the ratio
(verify's events/s ÷ the baseline's: the goal is ≥ 0.5), the seconds a process takes to
start Django with every app and the seconds the command takes to start (`dsg audit --help`:
part of the command's time) and the load average during the run. With
PYTHONDONTWRITEBYTECODE set, the command and the start-up also with the project's modules
compiled, as an installation has them. The ratios and start-ups also in CPU time (the process's
and its children's), which the load of other work moves least. Results go to
bench/out/ledger.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
os.environ["DJANGO_SETTINGS_MODULE"] = "dsg.settings"
os.environ.setdefault("DSG_DATA_DIR", str(OUT / "data"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from dsg.audit.management.commands.audit import STRETCH  # noqa: E402
from dsg.audit.models import AuditEvent  # noqa: E402
from dsg.audit.services import audit_verify  # noqa: E402

COLUMNS = (
    "sequence, occurred_at, actor_id, actor_label, organization_id, company_id, action, "
    "object_type, object_id, before, after, previous_hash, hash"
)


def bare() -> int:
    """Every event's row read in sequence order and hashed: the least any verify must do."""
    n = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM audit_auditevent ORDER BY sequence")  # noqa: S608
        while rows := cursor.fetchmany(2000):
            for row in rows:
                hashlib.sha256(repr(row).encode()).hexdigest()
            n += len(rows)
    return n


def in_process(workers: int = 1) -> int:
    result = audit_verify(workers=workers, stretch=STRETCH if workers > 1 else None)
    if not result.ok:
        sys.exit(f"the ledger does not verify: {result.problem}")
    return result.checked


def in_process_workers() -> int:
    return in_process(os.cpu_count() or 1)


# With PYTHONDONTWRITEBYTECODE set (as on the machines these benchmarks ran on), every process
# compiles the project's modules from source before it starts: an installation has them
# compiled (pip compiles what it installs). The command and the start-up are then measured a
# second time with the compiled modules kept in bench/out/pycache, as installed.
COMPILED = (
    {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONPYCACHEPREFIX": str(OUT / "pycache"),
    }
    if os.environ.get("PYTHONDONTWRITEBYTECODE")
    else None
)


def command(env: dict[str, str] | None = None) -> int:
    dsg = Path(sys.executable).parent / "dsg"
    done = subprocess.run([str(dsg), "audit", "verify"], capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"dsg audit verify failed: {done.stdout}{done.stderr}")
    return AuditEvent.objects.count()


def command_compiled() -> int:
    return command(COMPILED)


def startup(env: dict[str, str] | None = None) -> int:
    """A process starting Django with every app (the portal's start-up)."""
    subprocess.run([sys.executable, "-c", "import django; django.setup()"], check=True, env=env)
    return 0


def command_startup(env: dict[str, str] | None = None) -> int:
    """`dsg audit` starting and answering before it reads any event (its --help: the settings,
    Django with the command's apps, the command's modules) — its fixed cost."""
    dsg = Path(sys.executable).parent / "dsg"
    subprocess.run([str(dsg), "audit", "--help"], check=True, env=env, capture_output=True)
    return 0


def clock(work) -> tuple[int, float, float]:
    """Events, wall seconds and CPU seconds (this process's and its children's: the command, its
    workers, audit_verify's workers) of one run of ``work``."""
    cpu_before = sum(os.times()[:4])
    started = time.perf_counter()
    n = work()
    return n, time.perf_counter() - started, sum(os.times()[:4]) - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}  # the least CPU time of each, whatever the load
    events = 0
    works = [
        ("bare", bare),
        ("in_process", in_process),
        ("in_process_workers", in_process_workers),
        ("command", command),
    ]
    if COMPILED:
        works.append(("command_compiled", command_compiled))
        startup(COMPILED)  # compiles them once
        command_startup(COMPILED)
    loads = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, work in works:
            events, seconds, cpu_seconds = clock(work)
            best[name] = min(best.get(name, seconds), seconds)
            cpu[name] = min(cpu.get(name, cpu_seconds), cpu_seconds)
        for name, measure in (("startup", startup), ("command_startup", command_startup)):
            for key, env in ((name, None), (f"{name}_compiled", COMPILED)):
                if key == name or COMPILED:
                    _, seconds, cpu_seconds = clock(partial(measure, env))
                    best[key] = min(best.get(key, seconds), seconds)
                    cpu[key] = min(cpu.get(key, cpu_seconds), cpu_seconds)
        loads.append(os.getloadavg()[0])
    rate = {
        name: round(events / seconds) for name, seconds in best.items() if "startup" not in name
    }
    result = {
        "events": events,
        "seconds": {k: round(v, 2) for k, v in best.items()},
        "events_per_s": rate,
        "ratio_command": round(rate["command"] / rate["bare"], 2),
        "ratio_in_process": round(rate["in_process"] / rate["bare"], 2),
        "ratio_in_process_workers": round(rate["in_process_workers"] / rate["bare"], 2),
        **(
            {"ratio_command_compiled": round(rate["command_compiled"] / rate["bare"], 2)}
            if COMPILED
            else {}
        ),
        # The same ratios in CPU time (events per CPU second): what the load of other work on
        # the machine moves least.
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        **{
            f"cpu_ratio_{k}": round(cpu["bare"] / v, 2)
            for k, v in cpu.items()
            if k != "bare" and "startup" not in k
        },
        "workers": os.cpu_count(),
        "load_average": [min(loads), max(loads)],
        "vendor": connection.vendor,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print(
        f"ledger: {events:,} events ({connection.vendor}), best of {args.rounds}, "
        f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs"
    )
    print(f"  bare SELECT + SHA-256     {best['bare']:7.2f} s {rate['bare']:>9,} events/s")
    print(
        f"  Django's start-up         {best['startup']:7.2f} s, CPU {cpu['startup']:.2f} s"
        " (every app: the portal's)"
    )
    print(
        f"  the command's start-up    {best['command_startup']:7.2f} s, "
        f"CPU {cpu['command_startup']:.2f} s (dsg audit --help)"
    )
    labels = [
        ("command", "dsg audit verify"),
        ("in_process", "audit_verify()"),
        ("in_process_workers", f"audit_verify(workers={os.cpu_count()})"),
    ]
    if COMPILED:
        print(
            f"  Django's, compiled        {best['startup_compiled']:7.2f} s, "
            f"CPU {cpu['startup_compiled']:.2f} s (as installed)"
        )
        print(
            f"  the command's, compiled   {best['command_startup_compiled']:7.2f} s, "
            f"CPU {cpu['command_startup_compiled']:.2f} s"
        )
        labels.insert(1, ("command_compiled", "the command, compiled"))
    for name, label in labels:
        ratio = result[f"ratio_{name}"]
        verdict = "goal met" if ratio >= 0.5 else "goal NOT met"
        print(
            f"  {label:<25} {best[name]:7.2f} s {rate[name]:>9,} events/s"
            f"  ratio {ratio} ({verdict}: ≥ 0.5), in CPU time {result[f'cpu_ratio_{name}']}"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "ledger.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
