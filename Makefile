# runload: two commands on a fresh machine with python3 and make.
#   make demo   creates .venv, installs runload, runs `runload batch` on sample_runs/ (store, reports,
#               dashboard in demo-output/)
#   make test   creates .venv, installs runload with its test extra, runs ruff and the test suite without
#               the slow tests (pytest -m "not slow": the long profiles of issue 12 run in check-promises)
#   make check-promises   the promises of the README "What runload promises": every slow test (pytest -m slow:
#               20 SIGKILL trials, the 20,000-file load run, the long fuzzing profile) and tests/promises
#   make docs   installs the docs extra, builds the API reference, notebooks and pages into docs/_build/html
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check-promises lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/runload batch sample_runs -o demo-output
	@echo
	@echo "Training log written: open demo-output/index.html in a browser (store: demo-output/runload.duckdb)."

test: $(STAMP)
	$(BIN)/ruff check runload tests benchmarks
	$(BIN)/python -m pytest -q -m "not slow"

check-promises: $(STAMP)
	$(BIN)/python -m pytest -q -m slow
	$(BIN)/python -m pytest -q -m "not slow" tests/promises

# Warnings are errors; -E re-reads every page (the notebooks' executions are cached in docs/_build).
.PHONY: docs
$(VENV)/.installed-docs: pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $@

docs: $(STAMP) $(VENV)/.installed-docs
	$(BIN)/python -m sphinx -b html -E -W --keep-going -q docs docs/_build/html
	@echo "Documentation written: open docs/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check runload tests benchmarks

clean:
	rm -rf $(VENV) demo-output .pytest_cache
