# The targets people and CI run. `make demo` and `make test` bootstrap everything they need
# (virtualenv, pinned packages, the npm proxy, Debian's chromium) and are safe to repeat.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := infra/local/node_modules/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help venv node chromium deps demo test test-unit lint format bench schema openapi lock deploy clean

help:
	@echo "make demo    run the whole system locally (API, inbox, site, hub, agent)"
	@echo "make test    run every test (unit, integration, browser)"
	@echo "make lint    ruff, mypy, cfn-lint"
	@echo "make bench   print the benchmark figures"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[agent,hub,site,local,dev]'
	$(BIN)/python -m bash_kernel.install --sys-prefix >/dev/null
	touch $@

venv: $(STAMP)

$(NODE_STAMP): infra/local/package.json infra/local/package-lock.json
	npm ci --prefix infra/local --no-audit --no-fund --loglevel=error
	touch $@

node: $(NODE_STAMP)

# Browser tests drive Debian's chromium (Playwright cannot download a browser here).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium" >&2; exit 1; fi; }

deps: venv node chromium

demo: venv node
	$(BIN)/python -m wod.local.demo

test: deps
	$(BIN)/pytest $(PYTEST_ARGS)

test-unit: venv
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy functions backend_agent
	$(BIN)/cfn-lint template.yaml

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: venv
	$(BIN)/python bench/registrations.py

schema: venv
	$(BIN)/python -m wod_contracts.export_schema workshops/workshop.schema.json

lock:
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Every package version the tests passed with (pip freeze). Regenerate with `make lock`.' > constraints.txt

deploy: venv
	$(BIN)/python -m wod.deploy

clean:
	rm -rf .local .pytest_cache .mypy_cache .ruff_cache test-artifacts
