"""Judgement time in-process: durable-rules (the product path) against the plain-Python oracle
on the same compiled conditions, measured side by side in one run and reported as a ratio.

    .venv/bin/python bench/engine_speed.py [--count 10000] [--as-of 2025-06-01]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import facilities  # noqa: E402
from engine import Engine, load  # noqa: E402


def timed(engine: Engine, corpus: list, as_of: dt.date) -> tuple[list[float], list[str]]:
    times, verdicts = [], []
    for facts in corpus:
        start = time.perf_counter()
        verdicts.append(engine.judge(facts, as_of).classification)
        times.append(time.perf_counter() - start)
    return times, verdicts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 1))
    args = parser.parse_args()
    bundle = load(Path(__file__).resolve().parent.parent / "rules")
    corpus = facilities(bundle, args.count)
    durable, oracle = Engine(bundle, "durable"), Engine(bundle, "oracle")
    # Interleaved rounds so drift on a shared machine hits both evaluators alike.
    results = {"durable": ([], []), "oracle": ([], [])}
    for chunk in range(0, len(corpus), 500):
        for name, engine in (("durable", durable), ("oracle", oracle)):
            t, v = timed(engine, corpus[chunk:chunk + 500], args.as_of)
            results[name][0].extend(t)
            results[name][1].extend(v)
    mismatches = sum(a != b for a, b in zip(results["durable"][1], results["oracle"][1]))
    counts = {k: results["durable"][1].count(k) for k in ("major", "ordinary", "none", "indeterminate")}
    print(f"{args.count} facilities as of {args.as_of}, rules {bundle.digest[:12]}: {counts}; mismatches {mismatches}")
    base = statistics.median(results["oracle"][0])
    print(f"{'evaluator':10} {'median µs':>10} {'p99 µs':>10} {'judgements/s':>13} {'× oracle':>9}")
    for name, (times, _) in results.items():
        median = statistics.median(times)
        p99 = statistics.quantiles(times, n=100)[98]
        print(f"{name:10} {median * 1e6:10.0f} {p99 * 1e6:10.0f} {len(times) / sum(times):13.0f} {median / base:9.2f}")
    durable.close()
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
