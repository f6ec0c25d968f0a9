# Two entry points on a fresh clone (see README.md):
#   make run   — serve the judgement API on the bundled rules (127.0.0.1:8000)
#   make test  — run the whole test suite
# Both create .venv with Python 3.11 or 3.12 and install the project into it.

# The first interpreter on PATH that really runs and is 3.11 or 3.12 (pyenv shims may exist but not run).
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
STAMP := $(VENV)/.installed
# From Debian's packages (never a vendor's download): the browser tests' headless Chromium and its
# driver, a Chinese font for the pages and the printed report, and the PostgreSQL server the tests
# start (tests/postgres_server.py).
SYSTEM_PACKAGES := chromium chromium-driver fonts-wqy-microhei postgresql

.PHONY: run test lint

$(STAMP): pyproject.toml package.json package-lock.json
	@test -n "$(PYTHON)" || { echo "需要 Python 3.11 或 3.12 / Python 3.11 or 3.12 is required"; exit 1; }
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		echo "安装系统软件包 / installing system packages:" $$missing; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	@# node and npm from Debian's packages when missing; the TypeScript client generator from the npm registry
	command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/hazard serve

test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/hazard lint rules
