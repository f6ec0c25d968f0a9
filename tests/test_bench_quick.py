"""The benchmark still works: `python -m bench --quick` (tiny counts) runs every section and
prints the table. No timing is asserted here: performance is checked by the benchmark itself
(BENCHMARKS.md), never by timed tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_runs_and_prints_the_table(tmp_path):
    table = tmp_path / "table.md"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--markdown", str(table)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = table.read_text(encoding="utf-8")
    for row in ("| engine | corpus |", "| engine | durable-rules path (product) |", "| engine | oracle (",
                "| engine | zen-engine (generated JDM) |", "| http | single judgements, 1 worker |",
                "| http | /v1/judgements/batch", "| http | /v1/judgements/stream", "| load | bundled rules/ |",
                "| load | synthetic 2× list |", "| memory | RSS before / after", "| growth | 2× criteria |",
                "| log | single judgements, log off |", "| log | single judgements, log SQLite |",
                "| log | single judgements, log PostgreSQL |",
                "| impact | 500 recorded judgements", "| impact | CPU time of that run",
                "| sheets | judge-sheet, 200 rows"):
        assert row in text, f"missing row {row!r} in:\n{text}"
    # every evaluator that ran agreed with the others on every facility (the benchmark fails otherwise)
    assert "same classification from all" in text
    for target in ("≤ 2× the oracle", "zen-engine's judgements/s", "3,000 single judgements/s", "20,000 facilities/s",
                   "load + compile", "±10 %", "no worse than linear", "recording costs ≤ 20 %",
                   "recorded judgements re-judged in ≤ 60 s",
                   "judge-sheet of 200 rows"):
        assert target in text, f"missing target {target!r}"
