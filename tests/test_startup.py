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
