# PyROS: two commands.  `make demo` runs the observatory in simulation; `make test` runs
# the whole test suite.  Both create .venv and install everything they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYROS_DATA_DIR ?= $(CURDIR)/var
TEST_DATA_DIR ?= $(CURDIR)/var/test

.PHONY: demo test venv system-deps lint gates pytest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

## demo: set up, load demo data and run the simulated observatory on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/pyros manage migrate --noinput -v 0
	$(BIN)/pyros demo-data
	$(BIN)/pyros start --simulate

## system-deps: Debian packages some tests need (chromium, INDI simulators); root only
system-deps:
	@scripts/system-deps.sh

## lint and gates: ruff, migrations up to date, production deploy checks
lint: $(STAMP)
	$(BIN)/ruff check src tests

gates: $(STAMP)
	PYROS_DATA_DIR=$(TEST_DATA_DIR) $(BIN)/pyros manage makemigrations --check --dry-run
	PYROS_DATA_DIR=$(TEST_DATA_DIR) PYROS_DEBUG=false PYROS_SECRET_KEY=$$(openssl rand -hex 40) \
	  $(BIN)/pyros manage check --deploy --fail-level WARNING

pytest: $(STAMP)
	PYROS_DATA_DIR=$(TEST_DATA_DIR) $(BIN)/pytest $(PYTEST_ARGS)

## test: set up and run everything (lint, gates, the whole suite)
test: $(STAMP) system-deps lint gates pytest

clean:
	rm -rf $(VENV) var
