"""Grow a generated installation (bench/generate.py) to more cases, in bulk, for the pages' figures
at a size the services would take hours to build (#14: the office's pages at 5,000 cases).

    DSG_DATA_DIR=/tmp/office-data python bench/grow.py --cases 4000

Adds ``--cases`` sites of as many new companies' (ten sites each), each with a case, in every
state, with the application, its first version (到達番号) and step records, as
bench/office_search.py inserts them (its ``populate``): no appointments, rounds or equipment, so
their open items are those of the state. The generated part (logins, the sample case) is
untouched; bench/pages.py then measures the grown installation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=4000)
    args = parser.parse_args()
    os.environ["BENCH_CASES"] = str(args.cases)
    sys.path.insert(0, str(ROOT / "bench"))
    import office_search  # sets Django up; reads BENCH_CASES
    from django.conf import settings
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from dsg.enrollment.models import Enrollment

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with scopes_disabled():
        office_search.populate()
        total = Enrollment.objects.count()
    path = Path(settings.DATA_DIR) / "bench.json"
    info = json.loads(path.read_text())
    info.setdefault("counts", {})["cases"] = total
    path.write_text(json.dumps(info, indent=2, ensure_ascii=False))
    print(f"added {args.cases} cases in {time.perf_counter() - started:.1f} s: {total} in all")


if __name__ == "__main__":
    main()
