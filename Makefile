# govhook: `make demo` checks sample/ with the default policy; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 >/dev/null 2>&1 && echo python3.13 || echo python3)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: venv demo test lint typecheck pytest golden docs bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

# The main job on the embedded default: every sample stack through the default policy.
# Exit 1 (a blocked stack) is the expected demo outcome; 2 (bad input) fails the target.
demo: venv
	@$(BIN)/govhook check sample/ --policy policies/default.policy.yaml; rc=$$?; \
	  if [ $$rc -ge 2 ]; then exit $$rc; fi; \
	  echo; echo "(exit code $$rc: 0 = nothing blocking, 1 = at least one stack would be blocked)"

lint: venv
	$(BIN)/ruff check hook tests bench

typecheck: venv
	$(BIN)/mypy --strict hook

pytest: venv
	$(BIN)/pytest

test: lint typecheck pytest

# Regenerate golden outputs and generated docs after an intended change.
golden: venv
	$(BIN)/python tests/golden/regen.py
	$(BIN)/python tests/golden/events_regen.py

docs: venv
	$(BIN)/govhook rules --format markdown > docs/rules.md

bench: venv
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_handler.py

clean:
	rm -rf build dist bench/out .pytest_cache .mypy_cache .ruff_cache
