# baton — build / test entry points.  `make test` is what .ci/run runs.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# Set to 1 to treat "pytest collected no tests" (exit 5) as success.
ALLOW_NO_TESTS ?= 0

# uv is only needed to regenerate the lock; it lives in its own throwaway venv.
UV_VERSION ?= 0.13.9
UV_VENV    ?= .tools/uv
UV         := $(UV_VENV)/bin/uv
LOCK_ARGS  := pyproject.toml --extra dev --generate-hashes \
              --python-version 3.11 --python-platform x86_64-unknown-linux-gnu

.PHONY: help install venv demo test lint fmt bench lock clean

help:
	@echo "make install  create $(VENV) from requirements.lock (hash-checked) + editable baton"
	@echo "make demo     run 'baton demo'"
	@echo "make test     ruff + mypy + lint-imports + pytest   (PYTEST_ARGS='...')"
	@echo "make lint     ruff + mypy + lint-imports"
	@echo "make fmt      ruff format + ruff check --fix"
	@echo "make bench    run bench/ scripts"
	@echo "make lock     regenerate requirements.lock with uv $(UV_VERSION) (UPGRADE=1 to bump all)"
	@echo "make clean    remove $(VENV) and caches"

install venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

demo: $(STAMP)
	$(BIN)/baton demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ] && [ "$(ALLOW_NO_TESTS)" = 1 ]; then \
	  echo "WARNING: pytest collected no tests (ALLOW_NO_TESTS=1)"; rc=0; \
	fi; \
	exit $$rc

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	if [ -f bench/__main__.py ]; then \
	  $(BIN)/python -m bench; \
	else \
	  for f in bench/*.py; do \
	    [ -e "$$f" ] || continue; \
	    case "$$(basename "$$f")" in _*) continue;; esac; \
	    echo "==> $$f"; $(BIN)/python "$$f"; \
	  done; \
	fi

$(UV):
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/pip install -q --disable-pip-version-check 'uv==$(UV_VERSION)'

# Keeps existing pins where pyproject.toml still allows them; `make lock UPGRADE=1`
# moves every package to its newest allowed release.
UPGRADE ?= 0
lock: $(UV)
	$(UV) pip compile -q $(LOCK_ARGS) $(if $(filter 1,$(UPGRADE)),--upgrade) \
	  --custom-compile-command 'make lock   (uv $(UV_VERSION): uv pip compile $(strip $(LOCK_ARGS)))' \
	  -o requirements.lock

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache .hypothesis \
	  build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
