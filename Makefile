# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-unit lint bench bench-quick clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m pip install --quiet --no-deps 'openai-chatkit>=1.4'
	touch $(STAMP)

## Serve the API with an in-process worker on http://127.0.0.1:8000 (SQLite, no servers).
run: $(STAMP)
	$(VENV)/bin/chatkit-todo serve

## The whole test suite (the integration tier runs when Redis/PostgreSQL are reachable;
## CHATKIT_TEST_INTEGRATION=1 makes it mandatory).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

## Benchmarks on the production stack (the machine's PostgreSQL and Redis), each figure beside
## a baseline from the same run: writes bench/results/latest.json and docs/BENCHMARKS.md.
bench: $(STAMP)
	$(PY) bench/run.py

## A short version of `make bench` (under 2 minutes): a sanity check, not figures to quote.
bench-quick: $(STAMP)
	$(PY) bench/run.py --quick

clean:
	rm -rf $(VENV) .chatkit
