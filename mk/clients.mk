# Clients generated from the live OpenAPI document (issue 17): the service is
# started on loopback with demo data, its /openapi.json fetched and validated,
# then a Python client (openapi-python-client, pinned in
# requirements/openapi-python-client.txt, its own venv under .tools/) and
# TypeScript types (openapi-typescript, pinned in clients/package-lock.json)
# are written to build/clients/, which is never committed. Both run with their
# defaults (no config file): what a user of the document would get.

CLIENTS_OUT := build/clients
OPENAPI_PYTHON_CLIENT := $(TOOLS)/openapi-python-client

clients/node_modules/.installed: clients/package.json clients/package-lock.json
	scripts/need-packages 'npm=npm,nodejs-npm'
	npm ci --prefix clients --no-audit --no-fund --ignore-scripts
	touch $@

.PHONY: clients
clients: venv $(OPENAPI_PYTHON_CLIENT)/.installed clients/node_modules/.installed ## Generate the Python client and TypeScript types from the served OpenAPI document into build/clients/
	rm -rf $(CLIENTS_OUT)
	$(BIN)/python scripts/openapi.py fetch $(CLIENTS_OUT)/openapi.json
	$(BIN)/python scripts/openapi.py check $(CLIENTS_OUT)/openapi.json
	PATH="$(CURDIR)/$(OPENAPI_PYTHON_CLIENT)/bin:$$PATH" openapi-python-client generate --overwrite \
	  --path $(CLIENTS_OUT)/openapi.json \
	  --output-path $(CLIENTS_OUT)/python
	clients/node_modules/.bin/openapi-typescript $(CLIENTS_OUT)/openapi.json \
	  --output $(CLIENTS_OUT)/typescript/sports-api.ts
	clients/node_modules/.bin/tsc --noEmit --strict $(CLIENTS_OUT)/typescript/sports-api.ts
	@echo "Python client: pip install ./$(CLIENTS_OUT)/python  (package sports_api_client)"
	@echo "TypeScript types: $(CLIENTS_OUT)/typescript/sports-api.ts (types: paths, operations, components)"

.PHONY: openapi-check
openapi-check: venv ## Validate the app's OpenAPI document (openapi-spec-validator, part of make lint)
	$(BIN)/python scripts/openapi.py check
