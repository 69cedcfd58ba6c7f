# The README's two commands: `make run` and `make test`.
# Every install comes from uv.lock (exact versions and hashes), so what a fresh machine
# installs next month is what was tested today. uv itself is pinned and installed into
# .tools/ with the machine's Python; it never downloads a Python of its own.
PYTHON     ?= python3
UV_VERSION := 0.13.8
VENV       := .venv
PY         := $(VENV)/bin/python
UV         := .tools/bin/uv
# The ChatKit protocol validator: openai-chatkit with all of its dependencies, in its own
# environment (its openai-agents ships a top-level `agents` that would shadow ours).
VALIDATOR  := tests/chatkit_validator
CHATKIT_VENV := .venv-chatkit
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test test-unit lint lock lock-check pip-check bench bench-quick clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --disable-pip-version-check --quiet "uv==$(UV_VERSION)"

# Runtime only (no test or benchmark tools); --inexact keeps them if `make test` put them there.
$(VENV)/.runtime-stamp: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --inexact
	touch $@

# Runtime plus the test, benchmark and tracing (otel) extras, exactly as locked.
$(VENV)/.test-stamp: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --extra test --extra bench --extra otel
	touch $@ $(VENV)/.runtime-stamp

# The tests validate every ChatKit request and event against openai-chatkit's own types by
# piping JSON to $(VALIDATOR)/validate.py in this environment (exactly as locked there).
$(CHATKIT_VENV)/.stamp: $(VALIDATOR)/uv.lock $(VALIDATOR)/pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(CHATKIT_VENV) $(UV) sync --locked --project $(VALIDATOR)
	touch $@

## Serve the API with an in-process worker on http://127.0.0.1:8000 (SQLite, no servers).
run: $(VENV)/.runtime-stamp
	$(VENV)/bin/chatkit-todo serve

## The whole test suite (the integration tier runs when Redis/PostgreSQL are reachable;
## CHATKIT_TEST_INTEGRATION=1 makes it mandatory).
test: $(VENV)/.test-stamp $(CHATKIT_VENV)/.stamp
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: $(VENV)/.test-stamp $(CHATKIT_VENV)/.stamp
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

lint: $(VENV)/.test-stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy core store widgets todos agents workers api chatkit_todo

## After editing dependencies in pyproject.toml: re-resolve uv.lock (commit both); the same
## for the validator's $(VALIDATOR)/pyproject.toml and its uv.lock.
lock: | $(UV)
	$(UV) lock
	$(UV) lock --project $(VALIDATOR)

## Fails when a uv.lock no longer matches its pyproject.toml.
lock-check: | $(UV)
	$(UV) lock --check
	$(UV) lock --check --project $(VALIDATOR)

## Every environment this Makefile makes holds mutually compatible packages.
pip-check: $(VENV)/.test-stamp $(CHATKIT_VENV)/.stamp
	$(UV) pip check --python $(PY)
	$(UV) pip check --python $(CHATKIT_VENV)/bin/python
	$(UV) pip check --python .tools/bin/python

## Benchmarks on the production stack (the machine's PostgreSQL and Redis), each figure beside
## a baseline from the same run: writes bench/results/latest.json and docs/BENCHMARKS.md.
bench: $(VENV)/.test-stamp
	$(PY) bench/run.py

## A short version of `make bench` (under 2 minutes): a sanity check, not figures to quote.
bench-quick: $(VENV)/.test-stamp
	$(PY) bench/run.py --quick

clean:
	rm -rf $(VENV) $(CHATKIT_VENV) .tools .chatkit
