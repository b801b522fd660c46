# sports-api: the service, its image, its stacks and its pipeline.
# `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tools in virtualenvs of their own, among them uv, the lock tool.
TOOLS := .tools
UV := $(TOOLS)/uv/bin/uv
PORT ?= 8000
HOST ?= 127.0.0.1

# Every install is hash-checked (--require-hashes) against a lock file that
# `make lock` writes from its human-edited .in file: requirements.in (runtime),
# requirements/dev.in (tests, lint, emulators), requirements/<tool>.in. Source
# distributions (google-search-results has no wheel) are built with the locked
# build backend, requirements/build.txt, installed first: pip's isolated builds
# would fetch an unlocked setuptools.
PIP_INSTALL = -m pip install -qq --disable-pip-version-check --require-hashes
PIP_INSTALL_LOCKED = $(PIP_INSTALL) -r requirements/build.txt && $(1) $(PIP_INSTALL) --no-build-isolation -r $(2)

# The development virtualenv: the runtime set, the dev tools, and the app
# installed editable (its build backend comes from the lock too). Rebuilt when a
# lock file changes.
$(VENV)/.installed: requirements.txt requirements/aws.txt requirements/dev.txt requirements/build.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python $(call PIP_INSTALL_LOCKED,$(BIN)/python,requirements/dev.txt)
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Create the virtualenv with the app and its dev tools

# `make run`'s virtualenv: requirements.txt alone, exactly what the image
# installs, and the app straight from src/ (nothing to build). No test or lint
# tool: tests/infra/test_requirements.py checks what lands here. Installed with
# uv (the lock tool, itself pinned and hashed): the same hash checks as pip's, in
# a fraction of pip's time on a first `make run`.
RUN_VENV ?= .venv-run
UV_INSTALL = $(UV) pip install --quiet --require-hashes
$(RUN_VENV)/.installed: requirements.txt requirements/build.txt $(TOOLS)/uv/.installed
	test -x $(RUN_VENV)/bin/python || $(UV) venv --quiet --python $(PYTHON) --python-preference only-system $(RUN_VENV)
	$(UV_INSTALL) --python $(RUN_VENV)/bin/python -r requirements/build.txt
	$(UV_INSTALL) --python $(RUN_VENV)/bin/python --no-build-isolation -r requirements.txt
	touch $@

.PHONY: run-venv
run-venv: $(RUN_VENV)/.installed ## Create make run's virtualenv: the runtime requirements only

# Linters whose pinned dependencies clash with the dev set get a venv each.
$(TOOLS)/%/.installed: requirements/%.txt
	test -x $(TOOLS)/$*/bin/python || $(PYTHON) -m venv $(TOOLS)/$*
	$(TOOLS)/$*/bin/python $(PIP_INSTALL) -r $<
	touch $@

# The lock tool (uv, pinned and hashed in requirements/uv.txt). Locks are
# universal (every platform and Python >= 3.11: CodeBuild runs 3.12, the image
# 3.11) and keep the versions already locked unless UPGRADE=1.
LOCK = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(if $(filter 1,$(UPGRADE)),--upgrade)
# Every other requirements/<tool>.in locks a tool's own virtualenv (.tools/<tool>).
LOCKED_TOOLS = $(filter-out build dev aws,$(patsubst requirements/%.in,%,$(wildcard requirements/*.in)))

.PHONY: lock
lock: $(TOOLS)/uv/.installed ## Rewrite every lock file (hashes included) from its .in file; UPGRADE=1 takes newer versions
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) requirements/build.in -o requirements/build.txt
	$(LOCK) requirements/aws.in -o requirements/aws.txt
	$(LOCK) requirements/dev.in -o requirements/dev.txt
	$(foreach t,$(LOCKED_TOOLS),$(LOCK) requirements/$(t).in -o requirements/$(t).txt;)

.PHONY: tools
tools: $(TOOLS)/checkov/.installed $(TOOLS)/taskcat/.installed $(TOOLS)/openapi-python-client/.installed ## Install checkov, taskcat and openapi-python-client in venvs of their own

.PHONY: run
run: run-venv ## Serve on http://$(HOST):$(PORT) (demo data without SERPAPI_API_KEY)
	HOST=$(HOST) PORT=$(PORT) PYTHONPATH=src $(RUN_VENV)/bin/python -m sports_api

.PHONY: system-packages
system-packages: ## Install the system packages the tests use (redis-server, or valkey on Amazon Linux; chromium and faketime on Debian)
	scripts/need-packages 'redis-server|valkey-server=redis-server,valkey' $(if $(shell command -v apt-get),'chromium|chromium-browser|google-chrome|google-chrome-stable=chromium' 'faketime=faketime')

# A run of the whole suite (no PYTEST_ARGS) that passes leaves reports/suite.json,
# naming the tree it ran on: make ci-local reuses that run (scripts/suite-stamp).
.PHONY: test
test: venv tools system-packages ## Run the whole test suite (junit report in reports/)
	mkdir -p reports
	rm -f reports/suite.json
	$(BIN)/python -m pytest --junitxml=reports/junit.xml $(PYTEST_ARGS)
	$(if $(strip $(PYTEST_ARGS)),,$(BIN)/python scripts/suite-stamp write)

# The Build stage lints here and tests in the test image (make test-in-container):
# its host needs the lint tools and the image, not Chromium or Redis.
# The time-sensitive tests at named instants (a month's turn, DST, the year's turn,
# Feb 29) under libfaketime: scripts/test-calendar lists them.
.PHONY: test-calendar
test-calendar: venv system-packages ## Run the time-sensitive tests at named instants under faketime (reports/calendar/)
	$(BIN)/python scripts/test-calendar $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS))

.PHONY: ci-install
ci-install: venv test-image ## Everything the pipeline's build needs (CodeBuild's install phase)

.PHONY: ci-local
ci-local: venv ## Run buildspec.yml's phases here, in order; reuses a passing suite on this tree (REUSE_TESTS=0: run it)
	$(BIN)/python scripts/ci-local

.PHONY: lint
lint: venv hadolint ## Static checks: ruff, hadolint, actionlint (the GitHub workflows), the OpenAPI document
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/actionlint
	$(BIN)/python scripts/openapi.py check

.PHONY: fmt
fmt: venv ## Format the Python code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: clean
clean: ## Remove the virtualenv and build leftovers
	rm -rf $(VENV) $(RUN_VENV) reports .pytest_cache .ruff_cache build src/*.egg-info

# Areas with their own fragment: the image (container.mk), the AWS stacks and
# operator tools (aws.mk).
include $(wildcard mk/*.mk)

# `##@ <group>` lines in a makefile start a group; a file's targets before one are run/test.
# Groups not listed here print after these.
HELP_GROUPS := run/test image AWS operate docs

.PHONY: help
help: ## This list by group, then the settings as they resolve here
	@awk -F':.*## ' -v order='$(HELP_GROUPS)' 'FNR == 1 { g = "run/test" } /^##@ / { g = substr($$0, 5) } \
	  /^[a-zA-Z_-]+:.*## / { t[g] = t[g] sprintf("  %-18s %s\n", $$1, $$2) } \
	  END { n = split(order, o, " "); for (i = 1; i <= n; i++) { printf "%s:\n%s\n", o[i], t[o[i]]; delete t[o[i]] } \
	        for (g in t) printf "%s:\n%s\n", g, t[g] }' $(MAKEFILE_LIST)
	@echo "settings (override with make VAR=value):"
	@echo "  HOST=$(HOST) PORT=$(PORT)"
	@$(if $(wildcard $(BIN)/python),$(OPS) settings,echo "  ENV, PROJECT, REGION, ...: run make venv to resolve them")
