# The two commands: `make run` (set up + run the default workflow) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 8
SNAKEMAKE_ARGS ?=

.PHONY: run test lock dryrun lint clean-results help

help:
	@echo "make run    - create .venv, install, run 'snakemake --cores $(CORES) all' (default config: demo)"
	@echo "make test   - create .venv if needed, run the test suite"
	@echo "make lint   - snakemake --lint, snakefmt --check, ruff"
	@echo "make lock   - regenerate requirements.lock from pyproject.toml in a fresh environment"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check --no-input -r requirements.lock
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check --no-input --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --cores $(CORES) all $(SNAKEMAKE_ARGS)

test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

dryrun: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake -n all $(SNAKEMAKE_ARGS)

# Lint: the workflow (snakemake --lint must find nothing, snakefmt's formatting at pyproject.toml's line length)
# and the Python code (ruff, pyproject.toml's rules).
lint: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check .

# Resolve pyproject.toml's ranges (plus the test tools) in a throw-away environment and pin the result.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip setuptools
	.lock-venv/bin/python -m pip install --quiet ".[test]"
	.lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v '^sertransfer' > requirements.lock
	rm -rf .lock-venv
	@echo "requirements.lock regenerated; review 'git diff requirements.lock' and commit it"

clean-results:
	rm -rf results/models results/predictions results/metrics results/tables results/figures results/report.html
