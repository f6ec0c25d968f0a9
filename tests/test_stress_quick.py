"""The stress script's quick mode (tests/stress/stress.py --quick) as a CI test: a real server with
2 workers, 64 concurrent clients, a few thousand single and batch judgements each checked against
the oracle, reloads (good and broken) under that load. The full run is the same command without
--quick (README.md, RELIABILITY.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_stress_quick(tmp_path):
    summary_file = tmp_path / "summary.json"
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "stress" / "stress.py"), "--quick",
                           "--json", str(summary_file)], cwd=ROOT, capture_output=True, text=True, timeout=400)
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    s = json.loads(summary_file.read_text(encoding="utf-8"))
    assert s["judgements_sent"] >= 3000 and s["clients"] == 64 and s["workers"] == 2
    assert s["errors"] == 0 and s["mismatches"] == 0 and s["bad_digests"] == 0
    assert s["answers_equal_to_oracle"] + s["wrong_facts_refused_by_name"] == s["judgements_sent"]
    assert s["single_requests"] > 0 and s["batch_requests"] > 0
    assert s["reloads_ok"] >= 4 and s["reloads_refused"] >= 2 and s["digests_seen"] >= 2
    assert s["workers_start"] == s["workers_end"]
