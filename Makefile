# DSG Portal — developer entry points. See README.md.
#   make run     install, migrate, load demo data, serve on http://127.0.0.1:8000 with the mail worker
#   make test    whole suite on SQLite, then again on a throw-away PostgreSQL server
# No activation needed: everything runs from .venv/bin.

PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Extra pytest arguments, e.g. make test PYTEST_ARGS='-k enrollment -x'
PYTEST_ARGS ?=

BIN    := $(VENV)/bin
DSG    := $(BIN)/dsg
PYTEST := $(BIN)/pytest
PIP    := $(BIN)/python -m pip --disable-pip-version-check

# Debian packages: installed when missing and running as root, otherwise the apt-get line is printed.
RUN_DEBS  := fonts-ipaexfont libharfbuzz-subset0
TEST_DEBS := $(RUN_DEBS) postgresql chromium poppler-utils gettext usbguard

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgres lint audit lock messages bench screenshots clean distclean

help:
	@echo "make run            install, migrate, load demo data, serve on http://$(HOST):$(PORT) (mail printed)"
	@echo "make test           test suite on SQLite, then on a throw-away PostgreSQL server"
	@echo "make test-sqlite    only the SQLite half;  make test-postgres  only the PostgreSQL half"
	@echo "make lint           ruff, import-linter (the layers of docs/architecture.md), mypy"
	@echo "make audit          pip-audit: the dependencies' known vulnerabilities (needs PyPI's JSON API)"
	@echo "make lock           pin pyproject.toml's dependencies with hashes (requirements/*.txt)"
	@echo "make messages       update and compile the Japanese message catalog"
	@echo "make bench          generate an installation and measure every figure against its baseline"
	@echo "make screenshots    refresh docs/screenshots/ (each role's main pages, on the demo's data)"
	@echo "                    (BENCH_SCALE=0.25, 1 = national; BENCH_DB=postgresql for PostgreSQL)"
	@echo "make clean          remove caches and build output (distclean: also .venv; var/ is kept)"

# --- virtualenv --------------------------------------------------------------------------------

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "DSG Portal needs Python >= 3.11; $(PYTHON) is $$($(PYTHON) -V 2>&1). Set PYTHON=..." >&2; exit 1; }
	@$(PYTHON) -m venv --clear $(VENV) 2>/dev/null \
	  || { rm -rf $(VENV); scripts/debian-packages python3-venv && $(PYTHON) -m venv --clear $(VENV); }

# The dependencies come from the lock files under requirements/: exact versions, every file
# checked against its SHA-256 (pip --require-hashes); then the portal itself, editable, without
# dependencies (the lock has them all; tests/test_lock.py checks it covers pyproject.toml).
# Reinstall only when pyproject.toml or the lock is newer than the stamp (code changes under
# src/ need no reinstall). After changing the dependencies in pyproject.toml: make lock.
$(VENV)/.stamp-run: pyproject.toml requirements/run.txt | $(BIN)/python
	$(PIP) install -q --require-hashes -r requirements/run.txt
	$(PIP) install -q --no-deps -e .
	@touch $@

$(VENV)/.stamp-dev: pyproject.toml requirements/dev.txt | $(BIN)/python
	$(PIP) install -q --require-hashes -r requirements/dev.txt
	$(PIP) install -q --no-deps -e .
	@touch $@

# Pin pyproject.toml's dependencies with their hashes (pip-tools; pins already in the files stay
# unless pyproject.toml no longer allows them: `make lock LOCK_ARGS=--upgrade` takes the newest).
LOCK_ARGS ?=
COMPILE = $(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --annotation-style line $(LOCK_ARGS)
lock: $(VENV)/.stamp-dev
	$(COMPILE) -o requirements/run.txt pyproject.toml
	$(COMPILE) --extra dev -o requirements/dev.txt pyproject.toml

# --- run -----------------------------------------------------------------------------------------

# Links in mail point to this server (the demo's mails too) unless DSG_PORTAL_URL says otherwise.
run: export DSG_PORTAL_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.stamp-run
	@scripts/debian-packages $(RUN_DEBS) \
	  || echo "warning: continuing without them (PDF notices need fonts-ipaexfont)" >&2
	$(DSG) migrate --noinput
	$(DSG) collectstatic --noinput
	$(DSG) demo
	@echo "Mail (the one-time links, every notification) is printed below as it is sent, and each"
	@echo "person finds it under 通知 in the portal. Ctrl+C stops the server and the mail worker."
	$(DSG) serve --host $(HOST) --port $(PORT)

# --- tests ---------------------------------------------------------------------------------------
# Plain pytest, not xdist: `make test` runs the SQLite half and the PostgreSQL half side by side
# instead (scripts/test-both: one process each, own data directories; on 2 cores the two take
# about as long as the longer alone; TEST_PARALLEL=0 runs them one after the other).
# Any non-zero pytest status fails the target, including 5 (no tests collected).

PYTEST_SQLITE   := env -u DATABASE_URL $(PYTEST) $(PYTEST_ARGS)
PYTEST_POSTGRES := scripts/with-postgres $(PYTEST) $(PYTEST_ARGS)

test: $(VENV)/.stamp-dev
	@scripts/debian-packages $(TEST_DEBS)
	@echo "== lint: ruff, import-linter (the layers), mypy =="
	$(MAKE) --no-print-directory lint
	scripts/test-both $(PYTEST) --durations=15 $(PYTEST_ARGS)

test-sqlite: $(VENV)/.stamp-dev
	@scripts/debian-packages $(TEST_DEBS)
	$(PYTEST_SQLITE)

test-postgres: $(VENV)/.stamp-dev
	@scripts/debian-packages $(TEST_DEBS)
	$(PYTEST_POSTGRES)

# --- other ---------------------------------------------------------------------------------------

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# Known vulnerabilities of every installed dependency (pip-audit --strict; waivers with a reason in
# pip-audit-waivers.txt). Needs PyPI's JSON API: not part of `make test`, which needs no network
# beyond the installs; .ci/run runs it after the install.
audit: $(VENV)/.stamp-dev
	scripts/audit

messages: $(VENV)/.stamp-run
	$(DSG) makemessages -l ja --ignore .venv --ignore var --ignore staticfiles --ignore tests --ignore bench
	$(DSG) compilemessages --ignore .venv

# Benchmarks (docs/performance.md): run by hand, never timed in the test suite.
BENCH_SCALE ?= 0.25
BENCH_DB    ?= sqlite
bench: $(VENV)/.stamp-dev
	@scripts/debian-packages $(RUN_DEBS)
	$(if $(filter postgresql,$(BENCH_DB)),scripts/with-postgres )bench/all.sh $(BENCH_SCALE)

# The README's pictures: each role's main pages on the demo's data, in Chromium.
screenshots: $(VENV)/.stamp-dev
	@scripts/debian-packages $(TEST_DEBS)
	env -u DATABASE_URL DSG_SHOTS_DIR=docs/screenshots $(PYTEST) -q -p no:cacheprovider \
	  tests/e2e/test_accessibility.py -k screenshots

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache test-results src/*.egg-info build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} + \
	  -o -name '*.pyc' -type f -delete

distclean: clean
	rm -rf $(VENV)
