"""Single judgements over HTTP with wrk (Debian package `wrk`), 1 and 2 workers, side by side.

    .venv/bin/python bench/http_speed.py [--seconds 15] [--connections 16] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from live_server import copy_rules, running_server  # noqa: E402

BODY = {"facts": yaml.safe_load((ROOT / "examples" / "student-dormitory-basement.yaml").read_text(encoding="utf-8")),
        "as_of": "2026-01-15"}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int, connections: int, threads: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                     f'wrk.body = {json.dumps(json.dumps(BODY, ensure_ascii=False))}\n')
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "-s", script.name, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(latency["50"]), "p99": _ms(latency["99"]), "non2xx": int(errors.group(1)) if errors else 0}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"POST /v1/judgements (student dormitory, 2026-01-15), wrk {args.connections} connections, {args.seconds} s")
    print(f"{'workers':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        rules = copy_rules(Path(tmp) / "rules")
        for workers in args.workers:
            with running_server(rules, workers=workers) as (base, _):
                r = wrk(f"{base}/v1/judgements", args.seconds, args.connections, threads=2)
                print(f"{workers:>7} {r['rps']:8.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['non2xx']:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
