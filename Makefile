# faun: every set-up step lives here. `make run` serves the demo; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails, feeds and <link rel=canonical> follow the address `make run` serves on, unless
# SITE_URL is set (docs/configuration.md).
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: install checkers run test fuzz audit lint format schema worker beat lock bench bench-smoke superuser clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "faun needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The quality gates' tools from npm (package-lock.json): the Nu HTML Checker, axe-core, Lighthouse.
# --ignore-scripts: vnu-jar's install script would download a Java runtime; the machine's Java runs it.
NODE_STAMP := node_modules/.package-lock.json

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $(NODE_STAMP)

## Install the quality gates' tools (npm ci; needs Node 20 and, for the HTML checker, Java 17).
checkers: $(NODE_STAMP)

## Serve the site on http://HOST:PORT (127.0.0.1:8000) with demo data (embedded default: SQLite, eager tasks).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_demo_comments
	SITE_URL='$(SITE_URL)' $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (SQLite by default; DATABASE_URL / REDIS_URL switch to the real ones).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Schemathesis against the API with more seeds than the test command's one (FUZZ_SEEDS, comma-separated;
## docs/testing.md#fuzzing-with-more-seeds). About five minutes a seed on PostgreSQL.
FUZZ_SEEDS ?= 1,2,3
fuzz: install
	FAUN_FUZZ_SEEDS='$(FUZZ_SEEDS)' $(BIN)/python -m pytest tests/test_schemathesis.py -p no:cacheprovider $(PYTEST_ARGS)

## Lighthouse (accessibility, best practices, SEO >= 0.95) on home and a post page with the demo
## data, in Debian's Chromium; prints the scores (docs/testing.md#quality-gates). CI runs it too.
audit: install checkers
	FAUN_REQUIRE_SERVICES=1 $(BIN)/python -m pytest tests/e2e/test_lighthouse.py -p no:cacheprovider -q $(PYTEST_ARGS)

## Static checks that CI runs next to the tests (ruff, migrations, deploy check, mypy, layers).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_ENV=production SECRET_KEY=ci-only-$$(printf '%064d' 0)-not-secret ALLOWED_HOSTS=faun.example \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Write the API's OpenAPI schema to tests/openapi.yaml (a test compares the served one with it).
schema: install
	$(BIN)/python manage.py spectacular --file tests/openapi.yaml

## Background work (needs REDIS_URL): a worker, and beat for periodic sweeps and digests.
## A worker consumes every queue; QUEUES=celery-email (or -previews, -newsletters, comma-separated)
## runs one per kind of work (docs/operations.md#queues).
QUEUES ?=
worker: install
	$(BIN)/celery -A faun worker --concurrency=2 $(if $(QUEUES),-Q $(QUEUES))

beat: install
	$(BIN)/celery -A faun beat --schedule=var/celerybeat-schedule

## Benchmark at full size: 1M posts, 100k users, 5M votes, 5M comments (docs/performance.md).
## Needs PostgreSQL, Redis and wrk; reuses the faun_bench database once generated.
## Flags: BENCH_ARGS="--duration 5".
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## The same harness on 2,000 posts, 2 s per scenario: checks that it runs end to end.
bench-smoke: install
	$(BIN)/python bench/run.py --smoke $(BENCH_ARGS)

superuser: install
	$(BIN)/python manage.py createsuperuser

## Re-pin every dependency (run after editing pyproject.toml).
lock:
	rm -rf /tmp/faun-lock-venv && $(PYTHON) -m venv /tmp/faun-lock-venv
	/tmp/faun-lock-venv/bin/pip install --quiet --upgrade pip
	/tmp/faun-lock-venv/bin/pip install --quiet -e ".[dev]"
	/tmp/faun-lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) node_modules var/faun.sqlite3 var/mail var/staticfiles
