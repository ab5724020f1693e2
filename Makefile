# Two entry points for a fresh machine with only Python 3.11:
#   make run    set up .venv and extract events from seeds/ into out/events.jsonl
#   make test   set up .venv (with dev extras) and run the offline test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench record clean

# `make run` installs what running needs (the core dependencies); `make test` adds the dev extras
# (pytest, Ray, pandas, ruff, mypy …). Each has its own stamp, so `make run` never pulls Ray in.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BIN)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,parquet]'
	touch $@ $(BIN)/.installed-run

run: $(BIN)/.installed-run
	$(BIN)/extractor run seeds -o out/events.jsonl --overwrite

test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check extractor schemas tests bench examples scripts gold hatch_build.py
	$(BIN)/ruff format --check extractor schemas tests bench examples scripts gold hatch_build.py
	$(BIN)/python scripts/typecheck.py

# Re-record the cassettes from a real local model server (slow; never in CI). See README.
record: $(BIN)/.installed
	mkdir -p out
	scripts/record.sh

bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --quick --json perf.json

clean:
	rm -rf $(VENV) .venv-record out .extractor-cache
