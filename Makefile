# The two commands that matter: `make serve` and `make test`. Both create .venv from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The docs pages are committed (docs/site): serving needs no Node. `make docs` rebuilds them.
DOCS := docs/site/redoc.html

.PHONY: serve test lint typecheck pytest openapi examples docs lock bench clean

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements.lock
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

docs: $(NODE_STAMP)  ## Rebuild the committed docs pages (ReDoc, Swagger UI) in docs/site
	node web/build.mjs

serve: $(STAMP) $(DOCS)  ## Run the service on the bundled samples at http://$(HOST):$(PORT)
	$(BIN)/uvicorn --factory api.main:create_app --http api.server:HttpToolsProtocol \
		--no-access-log --host $(HOST) --port $(PORT)

test: $(STAMP) lint typecheck pytest  ## Every check: ruff, mypy, pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(NODE_STAMP)  # Node: a test rebuilds the docs pages to compare
	$(BIN)/pytest

openapi: $(STAMP)  ## Regenerate openapi.yaml from the app
	$(BIN)/python -m api.openapi

examples: $(STAMP)  ## Re-render the plot examples' images (docs/examples), then the document
	$(BIN)/python -m api.examples
	$(BIN)/python -m api.openapi

lock:  ## Re-pin requirements.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		-o requirements.lock

bench: $(STAMP)
	$(BIN)/python -m bench.metadata
	$(BIN)/python -m bench.data
	$(BIN)/python -m bench.data_load
	$(BIN)/python -m bench.plots
	$(BIN)/python -m bench.docs

clean:
	rm -rf $(VENV) node_modules build .mypy_cache .ruff_cache .pytest_cache
