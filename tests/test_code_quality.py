"""The code linter and the import-layer contracts, as CI runs them (their settings are in
pyproject.toml): ruff (pycodestyle, pyflakes, bugbear, complexity, ...) over the whole tree, and
import-linter's contracts (the CLI above the service above the engine; engine.present,
engine.reload and engine.decisions imported only from above; no import cycles between the modules of a package)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    done = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_import_layer_contracts_are_kept():
    done = _run(str(BIN / "lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout and "6 kept" in done.stdout, done.stdout
