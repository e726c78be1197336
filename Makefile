# specgen: every target bootstraps .venv from pyproject.toml on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: generate test check corpus lint bench docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

generate: $(STAMP)  ## regenerate every client in generated/
	$(BIN)/specgen generate --strict

test: $(STAMP)  ## the whole test suite, across the machine's cores (pytest-xdist)
	$(BIN)/python -m pytest -n auto --dist loadfile

check: $(STAMP)  ## the CI drift check (generated packages and the IR reference in docs/)
	$(BIN)/specgen check --strict
	$(BIN)/python -m generator.irdoc --check

docs: $(STAMP)  ## write the IR reference into docs/templates.md (from generator/ir.py)
	$(BIN)/python -m generator.irdoc --write

corpus: $(STAMP)  ## real public specs: generate, all operations, import, mypy (tests/corpus/)
	SPECGEN_CORPUS=1 $(BIN)/python -m pytest tests/corpus -rfEX

lint: $(STAMP)  ## ruff and mypy on the toolkit
	$(BIN)/ruff check generator tests templates
	MYPYPATH=templates/python:templates/cli $(BIN)/mypy --strict --explicit-package-bases templates/python/runtime templates/cli/runtime
	$(BIN)/mypy

bench: $(STAMP)  ## generation speed and memory figures
	$(BIN)/python -m generator.bench

clean:
	rm -rf $(VENV)
