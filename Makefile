# Welzijnscoach Academie: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Compiled modules are kept (__pycache__, ignored by git): every test worker and server process
# would otherwise compile the app and rewrite the tests' assertions again, seconds each.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help run test test-fast test-future test-future-tier test-sqlite-tier test-sqlite test-postgres tools install install-dev translations messages chromium serve db demo bench lock clean

help:
	@echo "make run    set everything up (venv, dependencies, database, demo data) and serve on http://$(HOST):$(PORT)"
	@echo "make test-fast  the developer's loop: SQLite, no browser, no sweeps (~1 min)"
	@echo "make test   set up and run the whole test suite on SQLite, then on a throwaway PostgreSQL"
	@echo "make bench  measure throughput and SQL statements per page (see README)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compiled catalogues are build output; the .po files are the source.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d lms/translations

# Extract new strings and merge them into the catalogues (then translate the .po files).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* .venv node_modules" -o lms/translations/messages.pot .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching

instance/secret_key:
	@mkdir -p instance
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	@chmod 600 $@
	@echo "Generated a secret key in $@"

db: install translations instance/secret_key
	LMS_ENV=development SECRET_KEY="$$(cat instance/secret_key)" $(BIN)/flask --app wsgi db upgrade

demo: db
	LMS_ENV=development SECRET_KEY="$$(cat instance/secret_key)" $(BIN)/flask --app wsgi lms seed-demo

run: demo
	@LMS_ENV=development SECRET_KEY="$$(cat instance/secret_key)" $(BIN)/flask --app wsgi lms keys create
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C stops)"
	LMS_ENV=development SECRET_KEY="$$(cat instance/secret_key)" BASE_URL="$${BASE_URL:-http://$(HOST):$(PORT)}" \
		$(BIN)/flask --app wsgi run --host "$(HOST)" --port "$(PORT)" --with-threads

chromium:
	@scripts/ensure-chromium.sh

# Every tier runs on both cores (pytest-xdist); each worker has its own database. Work stealing:
# a worker that runs out of tests takes half of what the other still has queued, so the long
# tests (browser, sweeps, properties) do not leave one worker idle at the end.
WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal

# The developer's loop (about a minute): SQLite, no browser, no live-server load or timing
# tests, no sweeps over every route (the access matrix, the fuzz), few examples per property.
FAST := -m "not browser and not slow and not sweep"
test-fast: install-dev translations tools
	HYPOTHESIS_PROFILE=fast $(PYTEST) $(FAST) $(PYTEST_ARGS)

# The whole truth, each part where it tells something:
# - SQLite: every test but the sweeps, Chromium included, with the full property profile;
# - the fast tier again with the machine's clock moved 400 days ahead;
# - PostgreSQL, the production database: every test but the browser's (the browser drives
#   the same routes the route tests drive), with the sweeps in full: the access matrix, the
#   10,000-request fuzz, every number argument and field.
# The first two run side by side (the browser tests leave a core half idle while Chromium
# renders; the clock tier fills it); each one's output is shown when it is done.
test: install-dev translations chromium tools
	@echo "== Test suite on SQLite with Chromium, and the fast tier with the clock 400 days ahead =="
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite-tier test-future-tier
	@echo "== Test suite on PostgreSQL, with the sweeps =="
	HYPOTHESIS_PROFILE=full scripts/with-postgres.sh $(PYTEST) -m "not browser" $(PYTEST_ARGS)

test-sqlite-tier:
	@echo "== SQLite, with Chromium =="
	HYPOTHESIS_PROFILE=full $(PYTEST) -m "not sweep" $(PYTEST_ARGS)

test-future: install-dev translations tools
	@$(MAKE) --no-print-directory test-future-tier

# The tiers themselves, without the set-up (which `test` does once, before running two at once).
test-future-tier:
	@echo "== Fast tier with the clock 400 days ahead =="
	FAKETIME_DONT_FAKE_MONOTONIC=1 PYTHONPATH=tests/faketime HYPOTHESIS_PROFILE=fast \
		faketime -f '+400d' $(PYTEST) $(FAST) $(PYTEST_ARGS)

test-sqlite: install-dev translations chromium tools
	HYPOTHESIS_PROFILE=full $(PYTEST) $(PYTEST_ARGS)

# Everything on PostgreSQL alone, browser tests included.
test-postgres: install-dev translations chromium tools
	HYPOTHESIS_PROFILE=full scripts/with-postgres.sh $(PYTEST) $(PYTEST_ARGS)

# What the suite drives besides Python: Debian's faketime (the 400-days-ahead run) and Java
# with the Nu HTML Checker and axe-core (pinned in tests/tools/package-lock.json).
tools: tests/tools/node_modules/.installed

tests/tools/node_modules/.installed: tests/tools/package.json tests/tools/package-lock.json
	@scripts/ensure-debian-packages.sh faketime:faketime java:default-jre-headless npm:npm
	cd tests/tools && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# `make bench SCALE=10` measures on ten times the national dataset.
SCALE ?= 1
bench: install-dev translations
	@scripts/ensure-debian-packages.sh wrk:wrk redis-server:redis-server
	scripts/with-postgres.sh $(BIN)/python -m bench --scale $(SCALE) $(BENCH_ARGS)

# Re-pin the dependencies after editing requirements*.in.
lock: install-dev
	$(BIN)/pip-compile -q --strip-extras --no-header --allow-unsafe -o requirements.txt requirements.in
	$(BIN)/pip-compile -q --strip-extras --no-header -o requirements-dev.txt requirements-dev.in
	sed -i '/^--extra-index-url/d;/^--find-links/d;/^--index-url/d' requirements.txt requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
