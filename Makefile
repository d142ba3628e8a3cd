# The targets people and CI run. `make demo` and `make test` bootstrap everything they need
# (virtualenv, pinned packages, the npm proxy, Debian's chromium) and are safe to repeat.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := infra/local/node_modules/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help venv node chromium seat-tools deps demo test test-unit lint format bench schema openapi lock deploy clean agent-wheel translations

help:
	@echo "make demo    run the whole system locally (API, inbox, site, hub, agent)"
	@echo "make test    run every test (unit, integration, browser)"
	@echo "make lint    ruff, mypy, cfn-lint"
	@echo "make bench   print the benchmark figures"
	@echo "make template-check   cfn-lint, sam validate --lint, sam build (no Docker)"
	@echo "make deploy  sam deploy (guided the first time), seed the catalog, publish the site"
	@echo "make agent-wheel   dist/workshops_on_demand-<version>-py3-none-any.whl for backend hosts"
	@echo "make translations  extract the participants' messages, update and compile the catalogs"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[agent,author,hub,site,local,admin,dev]'
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

# System-mode seat tests (as root) schedule cron and `at` jobs to see them cleared.
seat-tools:
	@command -v crontab >/dev/null && command -v atq >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cron at >/dev/null; \
	  else echo "system-mode tests need cron and at (as root): they will be skipped" >&2; fi; }

deps: venv node chromium seat-tools

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

bench: deps lambda-python
	$(BIN)/python bench/registrations.py
	$(BIN)/python bench/agent.py
	$(BIN)/python bench/site.py
	$(BIN)/python bench/imports.py

schema: venv
	$(BIN)/wod-workshop schema workshops/workshop.schema.json

# The project's wheel (wod_agent, and wod_contracts that it shares with the cloud half) for a
# backend host: `pip install -c constraints.txt '<wheel>[agent]'` (docs/agent.md). Built in a
# small virtualenv of its own, so that a host needs python3-venv only, not the dev one.
# Its setuptools is installed once, so later builds need no network (no build isolation).
WHEEL_VENV := .local/wheel-venv
WHEEL_STAMP := $(WHEEL_VENV)/.installed-stamp

$(WHEEL_STAMP):
	test -x $(WHEEL_VENV)/bin/python || $(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install -q --disable-pip-version-check 'setuptools>=77'
	touch $@

agent-wheel: $(WHEEL_STAMP)
	rm -rf build dist/workshops_on_demand-*.whl
	$(WHEEL_VENV)/bin/python -m pip wheel -q --disable-pip-version-check --no-deps \
	  --no-build-isolation --wheel-dir dist .
	rm -rf build
	@ls dist/workshops_on_demand-*.whl

# The participants' languages (docs/site.md, "Languages"): the message ids of the mails
# (functions/wod) and of the site's page scripts (site/docs/assets/js) are extracted into a
# template (.pot), merged into each language's catalog (.po, what translators edit), and the
# mails' catalogs compiled to the .mo files the Lambda functions load (committed; a unit test
# fails when one is stale). The site's catalogs are read at build time (site/hooks).
MAIL_LOCALES := functions/wod/locales
SITE_LOCALES := site/locales
PYBABEL := $(CURDIR)/$(BIN)/pybabel
PO_OPTIONS := --no-wrap --ignore-obsolete --ignore-pot-creation-date

translations: venv
	cd functions && $(PYBABEL) -q extract -F wod/locales/babel.cfg -k N_ --no-wrap --sort-by-file \
	  --project Workshops-on-Demand -o wod/locales/messages.pot .
	$(PYBABEL) -q update -i $(MAIL_LOCALES)/messages.pot -d $(MAIL_LOCALES) -D messages $(PO_OPTIONS)
	$(PYBABEL) compile -d $(MAIL_LOCALES) -D messages --statistics
	cd site && $(PYBABEL) -q extract -F locales/babel.cfg -k t -k nt:1,2 --no-default-keywords \
	  --no-wrap --sort-by-file --project Workshops-on-Demand -o locales/site.pot .
	$(PYBABEL) -q update -i $(SITE_LOCALES)/site.pot -d $(SITE_LOCALES) -D site $(PO_OPTIONS)

lock:
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Every package version the tests passed with (pip freeze). Regenerate with `make lock`.' > constraints.txt

# ---------------------------------------------------------------- AWS SAM (template.yaml)
# aws-sam-cli lives in its own virtualenv: it pins an older boto3 than the app's. No Docker, no
# AWS credentials needed for sam-tools and template-check; deploy needs credentials.
SAM_VENV := .local/sam-venv
SAM_CLI_VERSION := 1.170.0
SAM_STAMP := $(SAM_VENV)/.installed-stamp
SAM := SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam
# Validation needs a region, not an account; deploy takes the region from samconfig.toml.
CHECK_REGION := $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),us-east-1)
SAM_FUNCTIONS := ApiFunction SweepFunction LifecycleFunction MailEventsFunction
# `sam build` wants the runtime's interpreter (python3.13, template.yaml) on PATH even without
# Docker; infra/lambda_python.py finds a working one (pyenv included) and links it here.
LAMBDA_PYTHON_DIR := .local/lambda-python
SAM_BUILD := PATH="$(CURDIR)/$(LAMBDA_PYTHON_DIR):$$PATH" $(SAM) build

.PHONY: sam-tools lambda-python template-check deploy

$(SAM_STAMP): infra/sam-constraints.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q -c infra/sam-constraints.txt pip
	$(SAM_VENV)/bin/python -m pip install -q -c infra/sam-constraints.txt aws-sam-cli==$(SAM_CLI_VERSION)
	touch $@

sam-tools: $(SAM_STAMP)

lambda-python: venv
	$(BIN)/python infra/lambda_python.py $(LAMBDA_PYTHON_DIR)

# cfn-lint, SAM's own validation and linting, and a real `sam build` (arm64 wheels, no Docker)
# whose artifacts must each hold branding.yml (WOD_BRANDING_FILE=/var/task/branding.yml).
template-check: venv sam-tools lambda-python
	$(BIN)/cfn-lint template.yaml
	AWS_DEFAULT_REGION=$(CHECK_REGION) $(SAM) validate
	AWS_DEFAULT_REGION=$(CHECK_REGION) $(SAM) validate --lint
	AWS_DEFAULT_REGION=$(CHECK_REGION) $(SAM_BUILD)
	for fn in $(SAM_FUNCTIONS); do \
	  test -f .aws-sam/build/$$fn/branding.yml && test -d .aws-sam/build/$$fn/wod/handlers \
	    || { echo "$$fn: artifact lacks branding.yml or the wod package" >&2; exit 1; }; \
	  test -f .aws-sam/build/$$fn/wod/locales/fr/LC_MESSAGES/messages.mo \
	    || { echo "$$fn: artifact lacks the compiled mail catalogs" >&2; exit 1; }; \
	done
	@# A time in French from the artifact alone (Babel and tzdata are pure Python): the pruned
	@# locale data still holds what the mails read.
	$(BIN)/python -S -B -c "import sys; sys.path.insert(0, '.aws-sam/build/ApiFunction'); \
	  from datetime import UTC, datetime; from wod.mail.dates import participant_time; \
	  print(participant_time(datetime(2026, 11, 27, 11, tzinfo=UTC), 'Europe/Paris', 'fr'))"
	@echo "template-check: ok"

# First run: `sam deploy --guided` asks for the stack name, region and parameters and writes
# samconfig.toml (git-ignored); later runs reuse it. Then the catalog is seeded into the
# stack's tables and the site is built with the stack's API URL, synced to its bucket and
# invalidated in CloudFront (infra/post_deploy.py). See docs/organizers.md.
deploy: venv sam-tools lambda-python
	$(SAM_BUILD)
	if [ -f samconfig.toml ]; then $(SAM) deploy; else $(SAM) deploy --guided; fi
	$(BIN)/python infra/post_deploy.py seed
	$(BIN)/python infra/post_deploy.py site

clean:
	rm -rf .local .pytest_cache .mypy_cache .ruff_cache test-artifacts
