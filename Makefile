# runload: two commands on a fresh machine with python3 and make.
#   make demo   creates .venv, installs runload, runs `runload batch` on sample_runs/ (store, reports,
#               dashboard in demo-output/)
#   make test   creates .venv, installs runload with its test extra, runs the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

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
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check runload tests benchmarks

clean:
	rm -rf $(VENV) demo-output .pytest_cache
