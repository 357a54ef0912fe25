# meetbot: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app meetbot
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format install install-dev js-deps bench clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps: reinstall only when the requirement files change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# ical.js (the parser Thunderbird uses) for the feed tests; skipped without node/npm.
tests/js/node_modules/.package-lock.json: tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/js --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the ical.js feed checks will be skipped"; fi

js-deps: tests/js/node_modules/.package-lock.json

run: install
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "meetbot is serving on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Browser tests (tests/browser) need Debian's chromium; without it they are skipped.
CHROMIUM ?= /usr/bin/chromium

# The whole suite runs in TEST_WORKERS pytest-xdist processes, whole files per worker
# (--dist loadfile: a file's module-scoped live server and its order stay together);
# each worker starts its own PostgreSQL, live servers and temp dirs. With PYTEST_ARGS
# (one file, -k ...) the run is serial unless TEST_WORKERS is given too.
TEST_WORKERS ?= $(if $(PYTEST_ARGS),0,2)

test: install-dev js-deps
	@test -x $(CHROMIUM) || echo "NOTE: $(CHROMIUM) not found: the browser tests will be SKIPPED (apt-get install chromium)"
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Rewrite docs/screenshots/*.png from the browser tests.
screenshots: install-dev
	MEETBOT_SCREENSHOTS=1 MEETBOT_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q tests/browser

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) tests/js/node_modules .pytest_cache .ruff_cache
