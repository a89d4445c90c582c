# Two entry points (README: Quickstart). Both create .venv and install the project into it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast install install-test index serve clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

index: install
	$(BIN)/casearch index

serve: index
	$(BIN)/casearch serve

## install, index seeds/ and serve on http://127.0.0.1:8000/
run: serve

## install with the test extras and run every test (browser tests need chromium: installed in CI)
test: install-test
	@if [ "$$CI" = "true" ] && ! command -v chromium >/dev/null 2>&1; then \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "could not install chromium"; fi
	$(BIN)/python -m pytest

## the fast suite alone (no browser, load test, benchmark or whole collections): for the edit-test loop
test-fast: install-test
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) index/CURRENT index/gen-* index/.lock
