"""The .xlsx terminal request import against a bare python-calamine read + bulk_create.

    python bench/imports.py [--rows 500] [--forms 1] [--rounds 5]

On the generated database (bench/generate.py), at a site whose enrollment is completed (its
registry exists): the official terminal form (利用端末の登録・削除申請) of the site, filled with
--rows lines to register (at most a request's LINES_MAX, 500), is filed as the PSA files it —
`request_file_xlsx`: the upload's checks, calamine, every row checked as a line, the form stored
in the company's folder (encrypted, 「格納した旨を連絡」), the request and its lines, the ledger and
the mail, in one transaction. The baseline reads the same bytes with python-calamine and
bulk-creates the same lines on a bare request row. With --forms N each round files N such forms
one after the other at the same site (issue #14's 10,000 rows: --rows 500 --forms 20), the
baseline reads and writes the same N forms. The site is the completed one where the fewest lines
wait in open requests, and each round's work is rolled back after it is timed (inside the
round's transaction: the filing's own is a savepoint, for both), so every round meets the same
site — the bench's requests, never decided, would otherwise pile up there and be what is
measured. Rounds interleave the two; medians are kept. Prints both, the ratio (import ÷ baseline;
the goal is ≤ 2), each round's ratio (import ÷ the baseline of the same round) and rows/s.
Results go to bench/out/imports.json.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
os.environ["DJANGO_SETTINGS_MODULE"] = "dsg.settings"
os.environ.setdefault("DSG_DATA_DIR", str(OUT / "data"))

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from dsg.enrollment.models import Enrollment, State  # noqa: E402
from dsg.equipment import form_upload  # noqa: E402
from dsg.equipment.models import (  # noqa: E402
    OPEN_STATES,
    Channel,
    EquipmentRequest,
    LineAction,
    RequestKind,
    TerminalLine,
)
from dsg.equipment.workbook import FORMS  # noqa: E402
from dsg.orgs.models import Role, User  # noqa: E402

TABLE_ROW = 11  # the form's table header row (tests/equipment/test_workbook.py)


def filled_form(blank: bytes, rows: int, tag: str) -> bytes:
    """The blank terminal form filled with ``rows`` terminals to register, as a person would."""
    book = load_workbook(io.BytesIO(blank))
    sheet = book[FORMS[RequestKind.TERMINAL].sheet]
    labels = {sheet.cell(r, 1).value: r for r in range(1, TABLE_ROW)}
    sheet.cell(labels["申請理由"], 2).value = "端末の増設のため"
    columns = {sheet.cell(TABLE_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
    for i in range(1, rows + 1):
        values = {
            "登録/削除": "登録",
            "端末名": f"{tag}-{i:04d}",
            "機種": "DSG-T1",
            "製造番号": f"{tag}SN{i:06d}",
        }
        for name, value in values.items():
            cell = sheet.cell(TABLE_ROW + i, columns[name])
            cell.value, cell.data_type = value, "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def baseline(data: bytes, site, psa, tag: str) -> int:
    """Bare: calamine reads the sheet, bulk_create writes the lines (and their bare request)."""
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(data))
        .get_sheet_by_name(FORMS[RequestKind.TERMINAL].sheet)
        .to_python(skip_empty_area=False)
    )
    with transaction.atomic():
        request = EquipmentRequest.objects.create(
            site=site,
            kind=RequestKind.TERMINAL,
            receipt_number=f"BASE-{tag}",
            purpose="baseline",
            channel=Channel.XLSX,
            filed_by=psa,
        )
        lines = [
            TerminalLine(
                request=request,
                position=n,
                action=LineAction.ADD,
                name=str(row[1]),
                model_name=str(row[2]),
                serial_number=str(row[3]),
            )
            for n, row in enumerate(rows[TABLE_ROW:], start=1)
            if row[1]
        ]
        TerminalLine.objects.bulk_create(lines)
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--forms", type=int, default=1, help="forms filed one after the other")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # The process as it serves: dsg.wsgi imports every view and freezes what starting made out of
    # the cyclic garbage collector (gc.freeze). Without it a full collection walked the ~200,000
    # objects of start-up (~250 ms at load 5), twice or so per 10,000 rows, inside whichever side
    # was timed then (docs/performance.md, third pass). Here, not at import: tests/test_bench.py
    # imports this module in its own process.
    importlib.import_module("dsg.wsgi")
    rows = args.rows * args.forms
    with scopes_disabled():
        # The completed site where the fewest lines wait in open requests (the bench's requests of
        # earlier runs were never decided); each round is rolled back, so every round meets it so.
        waiting = dict(
            TerminalLine.objects.filter(request__state__in=OPEN_STATES)
            .values_list("request__site")
            .annotate(n=Count("pk"))
            .order_by()
        )
        cases = Enrollment.objects.filter(state=State.COMPLETED).select_related("site")
        case = min(cases.order_by("pk"), key=lambda c: waiting.get(c.site_id, 0), default=None)
        if case is None:
            sys.exit("no completed enrollment: generate with more cases (bench/generate.py)")
        site = case.site
        psa = User.objects.get(organization=site.company_id, role=Role.PSA)
        blank = form_upload.request_form_blank(site=site, kind=RequestKind.TERMINAL, actor=psa)
        stamp = time.strftime("%H%M%S")
        timings: dict[str, list[float]] = {"import": [], "baseline": []}
        cpu: dict[str, list[float]] = {"import": [], "baseline": []}  # this process's CPU time
        for r in range(args.rounds + 1):  # the first round warms up and is not kept
            for name in ("import", "baseline"):
                tags = [f"B{stamp}{r}{name[0]}{f}" for f in range(args.forms)]
                forms = [filled_form(blank, args.rows, tag) for tag in tags]
                lines = TerminalLine.objects.filter(request__site=site)
                with transaction.atomic():  # rolled back: the next round meets the same site
                    before = lines.count()
                    started, started_cpu = time.perf_counter(), time.process_time()
                    for tag, data in zip(tags, forms, strict=True):
                        if name == "import":
                            filing = form_upload.request_file_xlsx(
                                site=site, actor=psa, filename=f"{tag}.xlsx", data=data
                            )
                            assert filing.request is not None
                        else:
                            assert baseline(data, site, psa, tag) == args.rows
                    if r:
                        timings[name].append(time.perf_counter() - started)
                        cpu[name].append(time.process_time() - started_cpu)
                    assert lines.count() - before == rows
                    transaction.set_rollback(True)
    median = {name: statistics.median(values) for name, values in timings.items()}
    ratio = round(median["import"] / median["baseline"], 2)
    rounds = [round(i / b, 2) for i, b in zip(timings["import"], timings["baseline"], strict=True)]
    # CPU time: what each side computed, without the time spent waiting for a core or the disk —
    # on this shared machine the wall-clock ratio grows with the load average (third pass).
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    ratio_cpu = round(median_cpu["import"] / median_cpu["baseline"], 2)
    result = {
        "rows": rows,
        "forms": args.forms,
        "rounds": args.rounds,
        "median_ms": {k: round(v * 1000, 1) for k, v in median.items()},
        "rows_per_s": {k: round(rows / v) for k, v in median.items()},
        "ratio": ratio,
        "round_ratios": rounds,
        "median_cpu_ms": {k: round(v * 1000, 1) for k, v in median_cpu.items()},
        "ratio_cpu": ratio_cpu,
        "load_average": os.getloadavg()[0],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print(
        f"terminal request import, {rows} rows ({args.forms} form(s) of {args.rows}), "
        f"median of {args.rounds}"
    )
    print(
        f"  bare calamine + bulk_create {result['median_ms']['baseline']:>9} ms "
        f"{result['rows_per_s']['baseline']:>7} rows/s"
    )
    print(
        f"  request_file_xlsx           {result['median_ms']['import']:>9} ms "
        f"{result['rows_per_s']['import']:>7} rows/s  ratio {ratio} "
        f"({'goal met' if ratio <= 2 else 'goal NOT met'}: ≤ 2)"
    )
    print(f"  each round: {', '.join(map(str, rounds))} (worst {max(rounds)})")
    print(
        f"  CPU time: baseline {result['median_cpu_ms']['baseline']} ms, import "
        f"{result['median_cpu_ms']['import']} ms, ratio {ratio_cpu}; "
        f"load average {result['load_average']:.1f}"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "imports.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
