# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
export UV_LINK_MODE ?= copy
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
STAMP := $(VENV)/.synced
export COO_HOME ?= $(CURDIR)/.coo
export DAGSTER_HOME ?= $(COO_HOME)/dagster

.PHONY: setup demo test test-deps test-fast lint format dagster dashboard bench clean

$(UV):
	python3 -m pip install --quiet --user 'uv>=0.9,<1' || python3 -m pip install --quiet 'uv>=0.9,<1'

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python 3.11
	@touch $(STAMP)

setup: $(STAMP)

## run the main job on the simulated company (generates it on first use)
demo: setup
	$(VENV)/bin/coo demo

## the test suite (unit + integration, DuckDB and the local PostgreSQL); installs what the
## tests need beyond the venv first (Debian's chromium for the dashboard's real-browser test)
test: setup test-deps
	$(VENV)/bin/pytest -n 2 --dist loadgroup -q --durations=15

# The browser test drives Debian's chromium through Playwright (never `playwright install`):
# installed once, from the distribution's packages, when it is missing.
test-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  echo "installing chromium (Debian package) for the dashboard's browser test"; \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

test-fast: setup
	$(VENV)/bin/pytest -q -m "unit"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## the Dagster UI on http://127.0.0.1:3000
dagster: setup
	@mkdir -p $(DAGSTER_HOME) && cp -n dagster.yaml $(DAGSTER_HOME)/ 2>/dev/null || true
	$(VENV)/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

## the executive dashboard on http://127.0.0.1:8501
dashboard: setup
	$(VENV)/bin/coo dashboard

bench: setup
	$(VENV)/bin/python bench/extract.py

clean:
	rm -rf $(COO_HOME) .pytest_cache
