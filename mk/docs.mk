# The documentation site (mkdocs.yml, docs/): MkDocs with the Material theme,
# hash-locked in the dev set. Included by the main Makefile; uses its BIN and venv.
# The API reference page is rendered at build time from the app's own OpenAPI
# document (docs/hooks/openapi_reference.py); the site needs no network to build or read.

DOCS_PORT ?= 8001
# MkDocs prints a banner about its 2.0 and Material's end of life (May 2027) on every
# run; the locked versions are what the build uses, so it is read once, here, not every time.
DOCS_ENV := NO_MKDOCS_2_WARNING=1

##@ docs
.PHONY: docs
docs: venv ## Build the documentation site into build/site; strict: a broken link, anchor or page fails
	$(DOCS_ENV) $(BIN)/mkdocs build --strict --clean

.PHONY: docs-serve
docs-serve: venv ## Serve the documentation on http://$(HOST):$(DOCS_PORT), rebuilt on every change
	$(DOCS_ENV) $(BIN)/mkdocs serve --strict --dev-addr $(HOST):$(DOCS_PORT)
