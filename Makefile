# The two commands that matter: `make serve` and `make test`. Both create .venv from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck pytest openapi lock bench clean

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements.lock
	@touch $@

serve: $(STAMP)  ## Run the service on the bundled samples at http://$(HOST):$(PORT)
	$(BIN)/uvicorn --factory api.main:create_app --host $(HOST) --port $(PORT)

test: $(STAMP) lint typecheck pytest  ## Every check: ruff, mypy, pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

openapi: $(STAMP)  ## Regenerate openapi.yaml from the app
	$(BIN)/python -m api.openapi

lock:  ## Re-pin requirements.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		-o requirements.lock

bench: $(STAMP)
	$(BIN)/python bench/metadata.py
	$(BIN)/python bench/data.py
	$(BIN)/python bench/plots.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
