# govhook: `make demo` checks sample/ with the default policy; `make test` runs the whole suite.
SHELL := /bin/bash
# Python 3.13 as in Lambda when this machine has one (a pyenv shim may exist without working).
PYTHON ?= $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 python3; do \
            if $$p -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1; then echo $$p; break; fi; done)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: venv demo test unit lint typecheck pytest golden docs bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip -q  # a demo venv has no pip
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

# The demo needs the package and its runtime dependencies only (+ aws-sam-translator for the SAM
# samples), not the dev toolchain: a stamp of its own, satisfied by a full dev venv too. When the
# base Python has pip >= 22.3, the venv is made without pip and filled by that pip (--python):
# ensurepip alone takes longer than the check. -q and --disable-pip-version-check keep it quiet.
$(VENV)/.runtime: pyproject.toml
	@if [ -f $(VENV)/.installed ] && [ $(VENV)/.installed -nt pyproject.toml ]; then touch $@; exit 0; fi; \
	  echo "==> installing govhook and its runtime dependencies into $(VENV) (make test adds the dev tools)"; \
	  if $(PYTHON) -m pip install --help 2>/dev/null | grep -q -- '--python'; then \
	    $(PYTHON) -m venv --without-pip $(VENV) && \
	    $(PYTHON) -m pip --python $(BIN)/python install -q --disable-pip-version-check -e '.[sam]'; \
	  else \
	    $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install -q --disable-pip-version-check -e '.[sam]'; \
	  fi && touch $@

# The main job on the embedded default: every sample stack through the default policy.
# Exit 1 (a blocked stack) is the expected demo outcome; 2 (bad input) fails the target.
demo: $(VENV)/.runtime
	@$(BIN)/govhook check sample/ --policy policies/default.policy.yaml; rc=$$?; \
	  if [ $$rc -ge 2 ]; then exit $$rc; fi; \
	  echo; echo "(exit code $$rc: 0 = nothing blocking, 1 = at least one stack would be blocked)"

lint: venv
	$(BIN)/ruff check hook tests bench

typecheck: venv
	$(BIN)/mypy --strict hook

# Every core: the suite's time is mostly processes (the AWS CLI, cfn-lint, pip) the deploy scenarios
# start, which parallel workers overlap. The slow tests come first (tests/conftest.py) and each
# worker is handed one test at a time, so they spread over the workers. PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= auto

pytest: venv
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxschedchunk 1

test: lint typecheck pytest

# The fast loop: tests/unit only (no network, no subprocess).
unit: venv
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxschedchunk 1 tests/unit

# Regenerate golden outputs and generated docs after an intended change.
golden: venv
	$(BIN)/python tests/golden/regen.py
	$(BIN)/python tests/golden/events_regen.py

docs: venv
	$(BIN)/govhook rules --format markdown --pack lambda > docs/rules.md

bench: venv
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_handler.py

clean:
	rm -rf build dist bench/out .pytest_cache .mypy_cache .ruff_cache
