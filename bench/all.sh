#!/usr/bin/env bash
# `make bench`: generate a fresh installation, then run every benchmark against it, each printing
# its figure next to its baseline from the same run and the ratio. Run by hand, never in CI.
#
#   bench/all.sh [SCALE]            SQLite under bench/out/data-SCALE (removed first)
#   scripts/with-postgres bench/all.sh [SCALE]   the same on a throw-away PostgreSQL
#
# SCALE is bench/generate.py's --scale (default 0.25; 1 is the full national installation).
# Every result is also written under bench/out/ as JSON; the console output goes to
# bench/out/bench-<db>-<SCALE>.log as well.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-0.25}
PY=${PY:-.venv/bin/python}
DB=sqlite; [ -n "${DATABASE_URL:-}" ] && DB=postgresql
export DSG_DATA_DIR=${DSG_DATA_DIR:-bench/out/data-$DB-$SCALE}
mkdir -p bench/out
rm -rf "$DSG_DATA_DIR"
LOG=bench/out/bench-$DB-$SCALE.log
started=$(date +%s)
{
  echo "== make bench: scale $SCALE on $DB, $(nproc) CPUs, commit $(git describe --always --dirty) =="
  echo "== generate =="
  $PY bench/generate.py --scale "$SCALE"
  echo "== pages against the admin changelist =="
  $PY bench/pages.py
  echo "== the ledger's verify against SELECT + SHA-256 =="
  $PY bench/ledger.py
  echo "== the .xlsx terminal request against calamine + bulk_create =="
  $PY bench/imports.py
  echo "== notice issue against bare WeasyPrint =="
  $PY bench/notices.py
  echo "== the hottest queries' plans =="
  $PY bench/explain.py
  echo "== done in $(( $(date +%s) - started )) s =="
} 2>&1 | tee "$LOG"
