# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-unit lint bench bench-quick clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
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

clean:
	rm -rf $(VENV) .chatkit
