# The two commands of the README: `make run` and `make test`. Everything else is reached from them.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test install install-scale install-test lint bench-deps bench-peer

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Compiled bytecode: a process started per message (`tierdesk mail ingest` as a pipe transport)
# would otherwise compile a thousand modules each time it starts where .pyc files cannot be written.
install: $(UV)
	$(UV) sync --frozen --inexact --compile-bytecode

# A scaled deployment (TIERDESK_BROKER_URL): the `scale` extra, Celery, Redis and the Redis
# channel layer, beside the embedded desk's packages.
install-scale: $(UV)
	$(UV) sync --frozen --inexact --extra scale

install-test: $(UV)
	$(UV) sync --frozen --extra test

# `make run` serves the desk of TIERDESK_PROFILE on PORT, each profile with its own database in
# var/<profile>/ (unless TIERDESK_DATA_DIR says otherwise), so switching profiles shows each demo.
PORT ?= 8000
TIERDESK_PROFILE ?= demo
TIERDESK_DATA_DIR ?= var/$(TIERDESK_PROFILE)
run: export TIERDESK_PROFILE := $(TIERDESK_PROFILE)
run: export TIERDESK_DATA_DIR := $(TIERDESK_DATA_DIR)
run: install
	$(VENV)/bin/tierdesk migrate
	$(VENV)/bin/tierdesk demo --port $(PORT)
	$(VENV)/bin/tierdesk serve --port $(PORT)

test: install-test
	.ci/chromium.sh
	$(VENV)/bin/pytest

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench-deps: $(UV)
	$(UV) sync --frozen --extra test --extra bench

# django-helpdesk served beside the desk for side-by-side benchmarks (its own virtual environment
# under $${TIERDESK_BENCH_WORK:-/tmp/tierdesk-bench}, its own database).
bench-peer: install
	$(VENV)/bin/python benchmarks/peers/django_helpdesk.py
