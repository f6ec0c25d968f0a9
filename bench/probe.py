"""Measurements that run in a child process of their own (bench/run.py starts them).

    python -m bench.probe load RULES_DIR [--repeat 5] [--judge 200] [--as-of 2025-06-01]
    python -m bench.probe memory [--judgements 1000000] [--as-of 2025-06-01]

`load`: load + validate (engine.load) and compile into durable-rules (Engine) a rules directory,
`repeat` times; then judge `judge` corpus facilities with the durable engine and the oracle and
check they agree, so a list too large for durable-rules shows here, in a process that may crash
or hang without taking the benchmark with it. `memory`: resident set size before and after
`judgements` judgements on the product path. Both print one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import facilities  # noqa: E402
from engine import Engine, EngineFault, load  # noqa: E402
from engine.durable_backend import rule_count  # noqa: E402


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def probe_load(rules_dir: Path, repeat: int, judge: int, as_of: dt.date) -> dict:
    loads, compiles = [], []
    engine = None
    for _ in range(repeat):
        if engine is not None:
            engine.close()
        start = time.perf_counter()
        bundle = load(rules_dir)
        loaded = time.perf_counter()
        try:
            engine = Engine(bundle, "durable")
        except EngineFault as exc:
            return {"ok": False, "error": str(exc), "criteria": len(bundle.conditions),
                    "rules": sum(rule_count(n) for _, n in bundle.conditions.values()), "load_s": loaded - start}
        loads.append(loaded - start)
        compiles.append(time.perf_counter() - loaded)
    oracle = Engine(bundle, "oracle")
    verdicts: Counter = Counter()
    try:
        for facts in facilities(bundle, judge):
            got, want = engine.judge(facts, as_of).classification, oracle.judge(facts, as_of).classification
            if got != want:
                return {"ok": False, "error": f"durable-rules said {got}, the oracle {want}"}
            verdicts[got] += 1
    except EngineFault as exc:
        return {"ok": False, "error": str(exc), "criteria": len(bundle.conditions)}
    finally:
        engine.close()
    return {"ok": True, "criteria": len(bundle.conditions), "rules": sum(rule_count(n) for _, n in bundle.conditions.values()),
            "versions": len(bundle.versions), "load_s": statistics.median(loads),
            "compile_s": statistics.median(compiles), "total_s": statistics.median(a + b for a, b in zip(loads, compiles)),
            "first_total_s": loads[0] + compiles[0], "judged": dict(verdicts)}


def probe_memory(judgements: int, as_of: dt.date) -> dict:
    bundle = load(ROOT / "rules")
    corpus = facilities(bundle, 1000)
    with Engine(bundle, "durable") as engine:
        for facts in corpus:  # warm: caches, plans, allocator pools
            engine.judge(facts, as_of)
        gc.collect()
        before = rss_kb()
        start = time.perf_counter()
        for i in range(judgements):
            engine.judge(corpus[i % len(corpus)], as_of)
        elapsed = time.perf_counter() - start
        gc.collect()
        after = rss_kb()
    return {"judgements": judgements, "before_kb": before, "after_kb": after, "seconds": elapsed,
            "change": (after - before) / before}


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    p_load = sub.add_parser("load")
    p_load.add_argument("rules", type=Path)
    p_load.add_argument("--repeat", type=int, default=5)
    p_load.add_argument("--judge", type=int, default=200)
    p_load.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 1))
    p_mem = sub.add_parser("memory")
    p_mem.add_argument("--judgements", type=int, default=1_000_000)
    p_mem.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 1))
    args = parser.parse_args()
    if args.what == "load":
        result = probe_load(args.rules, args.repeat, args.judge, args.as_of)
    else:
        result = probe_memory(args.judgements, args.as_of)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
