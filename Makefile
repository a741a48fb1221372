# Fascia. `make run` serves the site; `make test` runs lint and every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: install setup run test test-suite lint format chromium clean bench

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

setup: install
	$(BIN)/python manage.py check_pathway
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py setup
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0

# The web server and the task worker (staff notifications) run side by side, from Procfile.
run: setup
	@echo "Fascia is starting on http://$(HOST):$(PORT)/ (enquiry inbox: /app/enquiries/, content: /cms/)"
	$(BIN)/honcho start --port $(PORT) --procfile Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Browser tests drive Debian's Chromium; install it when we may, never skip the tests.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's Chromium: run 'sudo apt-get install chromium', then 'make test' again." >&2; \
	    exit 1; \
	  fi; \
	fi

test-suite: install chromium
	$(BIN)/pytest

test: lint test-suite

clean:
	rm -rf $(VENV) var/static

# Benchmarks against a fresh app served by gunicorn, on SQLite and PostgreSQL (bench/README.md).
bench: install
	$(BIN)/python bench/enquiries.py
