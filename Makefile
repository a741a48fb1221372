# Fascia. `make run` serves the site; `make test` runs lint and every test; `make check` runs
# lint and the tests without a browser, for the inner loop.
PYTHON ?= python3
# Python may write its bytecode caches (in __pycache__/, ignored by git) whatever the shell
# says: each process of a test run (xdist workers, manage.py subprocesses) then reads
# compiled modules and pytest's rewritten test modules instead of compiling them again.
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: install install-dev setup run cluster check test test-suite test-e2e lint format chromium pdf-libs java nginx bench-tools markup clean bench
BENCH_NPM := bench/node_modules/.installed

# Serving needs the project alone; lint, the tests and the benchmarks add the dev extras.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.installed-dev

setup: install pdf-libs
	$(BIN)/python manage.py check_pathway
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py setup
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0

# The web server and the task worker (staff notifications) run side by side, from Procfile.
# honcho gives each process a PORT of its own (the worker's is 100 above the web server's),
# so the address links are made with is fixed here, for the worker's emails too.
run: setup
	@echo "Fascia is starting on http://$(HOST):$(PORT)/ (staff area: /app/, content: /cms/)"
	FASCIA_BASE_URL="$${FASCIA_BASE_URL:-http://$(HOST):$(PORT)}" $(BIN)/honcho start --port $(PORT) --procfile Procfile

# A clinic chain's deployment on one machine: nginx on port 8080 in front of two app servers
# (8001, 8002), a task worker and housekeeping (deploy/cluster.py); Ctrl-C stops them all.
# The site's links name the proxy's address: setup (a prerequisite) sees this PORT too.
cluster: PORT = 8080
cluster: setup nginx
	$(BIN)/python deploy/cluster.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive fascia
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Debian packages the browser tests, the markup check and the benchmarks drive: installed
# when we may (as root), otherwise we say what to install; a test is never skipped for want of one.
apt_install = { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else \
	  echo "Fascia needs Debian's $(1): run 'sudo apt-get install $(1)', then make again." >&2; exit 1; \
	fi; }

chromium:
	@test -x /usr/bin/chromium || $(call apt_install,chromium)

# Pango and a font for WeasyPrint, which makes the PDFs (handouts, summaries, data exports).
pdf-libs:
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 || $(call apt_install,libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)

java:
	@command -v java >/dev/null || $(call apt_install,default-jre-headless)

# nginx and its JavaScript module (njs), which purges nginx's cache (deploy/purge.js).
nginx:
	@test -f /usr/lib/nginx/modules/ngx_http_js_module.so || $(call apt_install,nginx libnginx-mod-http-js)

bench-tools: chromium java nginx
	@test -x /usr/bin/wrk || $(call apt_install,wrk)

# Lighthouse and the Nu HTML checker, from bench/package-lock.json, into bench/node_modules.
$(BENCH_NPM): bench/package.json bench/package-lock.json
	npm ci --prefix bench --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Tests run in parallel (pytest-xdist), one process more than there are CPUs (the browser
# tests spend much of their time waiting for Chromium) unless PYTEST_WORKERS says
# otherwise; each process has its own test database, copied from the migrated one and
# seeded once, and the processes that get browser tests start their own Chromium and live
# server.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS)

# The inner loop: lint and every test but the browser ones. Every run copies the database
# `manage.py migrate` made once for these migrations (kept under var/test-databases/).
check: lint pdf-libs
	$(PYTEST) -m "not e2e"

test-suite: install-dev chromium pdf-libs
	$(PYTEST)

test-e2e: install-dev chromium pdf-libs
	$(PYTEST) -m e2e

# The Nu HTML checker on every page type, public, staff and patient (bench/README.md); CI
# runs it after `make test`.
markup: install-dev java $(BENCH_NPM)
	$(BIN)/python bench/markup.py

test: lint test-suite

clean:
	rm -rf $(VENV) var/static var/test-databases bench/node_modules

# Every benchmark against a fresh app served as `make run` serves it (bench/README.md);
# figures in docs/benchmarks.md.
bench: install-dev bench-tools $(BENCH_NPM)
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/markup.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/crash.py
	$(BIN)/python bench/enquiries.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/chart.py
	$(BIN)/python bench/cluster.py
