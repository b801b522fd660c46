# sports-api: the service, its image, its stacks and its pipeline.
# `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

# The virtualenv is rebuilt when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps -e .
	touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Create the virtualenv with the app and its dev tools

# Linters whose pinned dependencies clash with the dev set get a venv each.
TOOLS := .tools
$(TOOLS)/%/.installed: requirements/%.txt
	test -x $(TOOLS)/$*/bin/python || $(PYTHON) -m venv $(TOOLS)/$*
	$(TOOLS)/$*/bin/python -m pip install -qq --disable-pip-version-check -r $<
	touch $@

.PHONY: tools
tools: $(TOOLS)/checkov/.installed $(TOOLS)/taskcat/.installed ## Install checkov and taskcat in venvs of their own

.PHONY: run
run: venv ## Serve on http://$(HOST):$(PORT) (demo data without SERPAPI_API_KEY)
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m sports_api

.PHONY: system-packages
system-packages: ## Install the system packages the tests use (redis-server, or valkey on Amazon Linux)
	scripts/need-packages 'redis-server|valkey-server=redis-server,valkey'

.PHONY: test
test: venv tools system-packages ## Run the whole test suite (junit report in reports/)
	mkdir -p reports
	$(BIN)/python -m pytest --junitxml=reports/junit.xml $(PYTEST_ARGS)

.PHONY: ci-install
ci-install: venv tools system-packages ## Everything the pipeline's build needs (CodeBuild's install phase)

.PHONY: ci-local
ci-local: venv ## Run buildspec.yml's phases here, in order: test, lint, build the image, push nothing
	$(BIN)/python scripts/ci-local

.PHONY: lint
lint: venv hadolint ## Static checks: ruff and hadolint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: fmt
fmt: venv ## Format the Python code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: clean
clean: ## Remove the virtualenv and build leftovers
	rm -rf $(VENV) reports .pytest_cache .ruff_cache build src/*.egg-info

# Areas with their own fragment: the image (container.mk), the AWS stacks and
# operator tools (aws.mk).
include $(wildcard mk/*.mk)

.PHONY: help
help: ## This list
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'
