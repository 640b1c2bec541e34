"""The WSGI application keeps what starting made out of the garbage collector (#14).

A worker starts with ~200,000 objects (Django, the apps, every view) that live as long as it
does; left to the cyclic collector, its full passes walked them all every few requests of a page
that makes many objects (the provider's dashboard at 5,000 cases: ~90 ms a request). ``dsg.wsgi``
imports every view through the URLconf and freezes them (``gc.freeze``); run in a fresh process,
as gunicorn's worker imports it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import gc, json, sys
import dsg.wsgi
views = sorted(name for name in sys.modules if name.startswith("dsg.") and name.endswith("views"))
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects()),
                  "views": views}))
"""


def test_the_application_starts_with_its_objects_frozen_and_its_views_imported(tmp_path):
    env = {**os.environ, "DSG_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # as gunicorn runs it: dsg.wsgi sets it
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["frozen"] > 50_000, found["frozen"]
    assert found["tracked"] < found["frozen"] / 10, found  # what is left to the collector
    assert "dsg.enrollment.views" in found["views"] and "dsg.provisioning.views" in found["views"]
