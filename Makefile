# The two commands that matter: `make serve` and `make test`. Both create .venv from the locks:
# serve installs the runtime (requirements.lock) and the project; test adds the dev tools
# (requirements-dev.lock) and the Node packages of the docs build.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed
# The docs pages are committed (docs/site): serving needs no Node. `make docs` rebuilds them.
DOCS := docs/site/redoc.html

.PHONY: serve test lint typecheck pytest openapi examples docs lock bench clean

# The runtime, then the project itself as an editable package: the code run is the checkout's,
# and .venv/bin/dask (scheduler, workers) imports it from any folder, without PYTHONPATH.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes --no-deps -r requirements.lock
	$(PIP) install --no-deps -e .
	@touch $@

# The dev lock pins the runtime's packages at the same versions (make lock), plus the tools.
$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(PIP) install --require-hashes --no-deps -r requirements-dev.lock
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

docs: $(NODE_STAMP)  ## Rebuild the committed docs pages (ReDoc, Swagger UI, the example maps) in docs/site
	node web/build.mjs

serve: $(STAMP) $(DOCS)  ## Run the service on the bundled samples at http://$(HOST):$(PORT)
	$(BIN)/python -m api --host $(HOST) --port $(PORT)

test: $(DEV_STAMP) lint typecheck pytest  ## Every check: ruff, mypy, pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP) $(NODE_STAMP)  # Node: a test rebuilds the docs pages to compare
	$(BIN)/pytest

openapi: $(STAMP)  ## Regenerate openapi.yaml from the app
	$(BIN)/python -m tools.openapi

examples: $(DEV_STAMP)  ## Re-render the plot examples (docs/examples) and the gallery (docs/gallery), then the document
	$(BIN)/python -m tools.examples
	$(BIN)/python -m tools.gallery
	$(BIN)/python -m tools.openapi

# The runtime first; the dev lock is resolved with it as a constraint, so the two agree on every
# package they share. Each keeps its other pins unless pyproject.toml asks for a change.
lock:  ## Re-pin requirements.lock and requirements-dev.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes \
		-o requirements.lock
	uv pip compile pyproject.toml --extra dev -c requirements.lock --python-version 3.11 \
		--generate-hashes -o requirements-dev.lock

bench: $(DEV_STAMP)
	$(BIN)/python -m bench.metadata
	$(BIN)/python -m bench.data
	$(BIN)/python -m bench.data_load
	$(BIN)/python -m bench.plots
	$(BIN)/python -m bench.docs

clean:
	rm -rf $(VENV) node_modules build .mypy_cache .ruff_cache .pytest_cache
