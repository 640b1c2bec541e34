"""Django's start-up loads no heavy library (issue #14): ``dsg audit verify`` and every other
command start in the time Django's own start-up takes, not in the time openpyxl, WeasyPrint,
pyHanko, Playwright, Pillow, icalendar, holidays or pydantic take to import. Each is imported
where it is used (a workbook's export, a notice's rendering and signing, the browser tests, a
photo, a calendar, a business day, the API); panels import their views when shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = (
    "openpyxl",
    "weasyprint",
    "pyhanko",
    "playwright",
    # imported where used too (#14: the start-up of `dsg audit verify`): Pillow reading a photo,
    # icalendar writing a calendar, holidays at the first business-day question, pydantic with
    # the API's schemas, cryptography's X.509 making the trial signing pair
    "PIL",
    "icalendar",
    "holidays",
    "pydantic",
    "ninja",
    "cryptography.x509",
)

PROBE = f"""
import json, sys
import django
django.setup()
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def test_django_setup_imports_no_heavy_module(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dsg.settings", "DSG_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"django.setup() imported {loaded}: import them where they are used"


# `dsg audit` starts with the ledger's own apps (dsg.cli.OWN_APPS): none of the portal's other
# apps, allauth, the admin, the task queue or the metrics — nor any heavy library — is imported
# by the command, from its start to its answer (#14: they were half of `dsg audit verify`'s time
# on 125,000 events). It fails too if the ledger comes to import another app: the command would
# then not start.
LEDGER_ONLY = ("dsg.audit", "dsg.core", "dsg.cli", "dsg.settings")
NOT_FOR_THE_LEDGER = (
    "allauth",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django_tasks",
    "django_prometheus",
    "prometheus_client",
    # on SQLite: the ledger's triggers are not read (dsg.audit.models)
    "pgtrigger",
    "psycopg",
)

COMMAND_PROBE = """
import json, sys
from dsg import cli
sys.argv = ["dsg", *sys.argv[1:]]
try:
    cli.main()
finally:
    print("MODULES " + json.dumps(sorted(sys.modules)))
"""


def test_the_ledgers_command_imports_the_ledgers_apps_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # SQLite in tmp_path
    env.update(DJANGO_SETTINGS_MODULE="dsg.settings", DSG_DATA_DIR=str(tmp_path))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    migrated = run("-m", "dsg.cli", "migrate", "audit", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    for command in (("audit", "checkpoint"), ("audit", "verify", "--workers", "1")):
        done = run("-c", COMMAND_PROBE, *command)
        assert done.returncode == 0, done.stderr
        *said, modules = done.stdout.strip().splitlines()
        loaded = json.loads(modules.removeprefix("MODULES "))
        others = sorted(
            m
            for m in loaded
            if (m.startswith("dsg.") and not m.startswith(LEDGER_ONLY))
            or m.startswith(NOT_FOR_THE_LEDGER)
            or m.split(".")[0] in HEAVY
            or m in HEAVY
        )
        assert others == [], f"dsg {' '.join(command)} imported {others}"
    assert "audit chain OK: 0 events verified, 1 signed checkpoints hold" in said
