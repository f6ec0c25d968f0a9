# Two entry points on a fresh clone (see README.md):
#   make run   — judge the bundled example facilities with the bundled rules
#   make test  — run the whole test suite
# Both create .venv with Python 3.11 or 3.12 and install the project into it.

PYTHON ?= $(shell command -v python3.12 || command -v python3.11)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "需要 Python 3.11 或 3.12 / Python 3.11 or 3.12 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/hazard lint rules
	@for f in examples/*.yaml; do $(VENV)/bin/hazard judge "$$f" --as-of 2025-06-01 || exit 1; done

test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/hazard lint rules
