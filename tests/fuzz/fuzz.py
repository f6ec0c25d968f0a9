"""Mutation fuzzer of rule files: editor-like slips in the bundled rules, none may crash the loader.

    .venv/bin/python tests/fuzz/fuzz.py                    # stress mode: 5,000 mutated rule sets (~5 min on 2 cores)
    .venv/bin/python tests/fuzz/fuzz.py --sets 540         # CI size: every kind in every file (tests/test_rule_fuzz.py)
    .venv/bin/python tests/fuzz/fuzz.py --write 123 /tmp/x # set 123 as a rules directory, to look at it

Every set is the files under rules/ as they are at run time, with one to three slips of the kinds
in mutations.py (rule_sets.py chooses them from the seed and the set's number, so a run is
reproducible). Each set is loaded, checked and, if it passes, built for durable-rules in a worker
process (verdict.py), under a timeout: it must load, or be refused with a problem naming a file and
a line. A worker that hangs or dies while building is the case the product already guards against
(engine/reload/build_check.py builds untrusted rules in a child process with a timeout): the set is then
given to check_build, which must refuse it. An exception, a hang or a death while loading, or a
refusal without file and line, is a crash. Exit status 0 only if there is none.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

from engine.reload.build_check import check_build  # noqa: E402
from rule_sets import MutatedSet, base_files, mutated_set, write  # noqa: E402
from verdict import CRASH, LOADED, REFUSED, REFUSED_BY_BUILD  # noqa: E402

SEED = 11
STRESS_SETS = 5_000
TIMEOUT = 60.0  # seconds for a set's load, then for its build: each takes a fraction of a second, even on a busy machine
OUTCOMES = (LOADED, REFUSED, REFUSED_BY_BUILD, CRASH)


@dataclass
class Summary:
    sets: int = 0
    seconds: float = 0.0
    by_kind: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    by_file: Counter = field(default_factory=Counter)  # slips per rule file
    outcomes: Counter = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)  # what happened, with the set's number to reproduce it

    def add(self, index: int, result: dict) -> None:
        outcome = CRASH if result["faults"] else result["outcome"]
        self.sets += 1
        self.outcomes[outcome] += 1
        for kind in {kind for kind, _, _ in result["applied"]}:
            self.by_kind[kind]["tried"] += 1
            self.by_kind[kind][outcome] += 1
        self.by_file.update(file for _, file, _ in result["applied"])
        if outcome == CRASH:
            slips = "; ".join(described for _, _, described in result["applied"])
            self.crashes.append(f"set {index} ({slips}): " + " | ".join(result["faults"]))

    def table(self) -> str:
        head = f"| {'slip':<28} | tried | {' | '.join(OUTCOMES)} |"
        rows = [head, "|" + "---|" * (len(OUTCOMES) + 2)]
        for kind in sorted(self.by_kind):
            c = self.by_kind[kind]
            rows.append(f"| {kind:<28} | {c['tried']:>5} | " + " | ".join(f"{c[o]:>{len(o)}}" for o in OUTCOMES) + " |")
        rows.append(f"| {'**all sets**':<28} | {self.sets:>5} | "
                    + " | ".join(f"{self.outcomes[o]:>{len(o)}}" for o in OUTCOMES) + " |")
        return "\n".join(rows)

    def as_json(self) -> dict:
        return {"sets": self.sets, "seconds": round(self.seconds, 1), "outcomes": dict(self.outcomes),
                "by_kind": {k: dict(v) for k, v in sorted(self.by_kind.items())}, "by_file": dict(sorted(self.by_file.items())),
                "crashes": self.crashes}


class _Worker:
    """A process that judges sets by number (`--worker`), one JSON line each; restarted after a
    hang or a death."""

    def __init__(self, rules_dir: Path, seed: int):
        self._command = [sys.executable, str(Path(__file__)), "--worker", "--rules", str(rules_dir), "--seed", str(seed)]
        self._start()

    def _start(self) -> None:
        self._log = tempfile.TemporaryFile()  # a worker's stderr: a file, so that it never blocks on a full pipe
        self._proc = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                      text=True, bufsize=1, cwd=tempfile.gettempdir())
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(self._proc.stdout, self._lines), daemon=True).start()

    @staticmethod
    def _read(stream, lines: queue.Queue) -> None:  # noqa: ANN001
        for line in stream:
            lines.put(line)
        lines.put(None)

    def judge(self, index: int, timeout: float) -> dict:
        """The worker's verdict, or {"stopped": "hang" | "died", "phase": "load" | "build"}."""
        phase = "load"
        deadline = time.monotonic() + timeout
        try:
            self._proc.stdin.write(f"{index}\n")
            self._proc.stdin.flush()
        except OSError:
            return self._restart({"stopped": "died", "phase": phase})
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return self._restart({"stopped": "hang", "phase": phase})
            if line is None:
                return self._restart({"stopped": "died", "phase": phase})
            message = json.loads(line)
            if "phase" in message and "outcome" not in message:
                phase = message["phase"]
                deadline = time.monotonic() + timeout  # the build has the same time as the load had
                continue
            return message

    def _restart(self, stopped: dict) -> dict:
        self.close()
        self._log.seek(0)
        stopped["log"] = self._log.read()[-1000:].decode("utf-8", "replace")
        self._log.close()
        self._start()
        return stopped

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()


def _applied(mutated: MutatedSet) -> list[tuple[str, str, str]]:
    return [(a.kind, a.file, a.describe()) for a in mutated.applied]


def _stopped_verdict(stopped: dict, rules_dir: Path, seed: int, index: int, timeout: float) -> dict:
    """A worker hung or died. While building, durable-rules did it: the product must refuse the
    set by building it in a child process (check_build). While loading, it is a crash."""
    mutated = mutated_set(base_files(rules_dir), seed, index)
    applied = _applied(mutated)
    if stopped["phase"] != "build":
        return {"outcome": CRASH, "applied": applied, "problems": [],
                "faults": [f"the load {'hung' if stopped['stopped'] == 'hang' else 'killed the process'}: {stopped['log']}"]}
    with tempfile.TemporaryDirectory(prefix="fuzz-build-") as tmp:
        write(mutated, rules_dir, Path(tmp) / "rules")
        check = check_build(Path(tmp) / "rules", timeout)
    faults = [] if not check.ok else [f"durable-rules {stopped['stopped']} building it here, but check_build built it"]
    return {"outcome": REFUSED_BY_BUILD, "applied": applied, "problems": [check.problem], "faults": faults}


def run(rules_dir: Path, sets: int, seed: int = SEED, workers: int | None = None, timeout: float = TIMEOUT,
        progress: bool = False) -> Summary:
    started = time.monotonic()
    summary = Summary()
    numbers = iter(range(sets))
    lock = threading.Lock()

    def work() -> None:
        worker = _Worker(rules_dir, seed)
        try:
            while True:
                with lock:
                    index = next(numbers, None)
                if index is None:
                    return
                result = worker.judge(index, timeout)
                if "stopped" in result:
                    result = _stopped_verdict(result, rules_dir, seed, index, timeout)
                with lock:
                    summary.add(index, result)
                    if progress and summary.sets % 250 == 0:
                        print(f"  {summary.sets} sets, {len(summary.crashes)} crashes, "
                              f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        finally:
            worker.close()

    threads = [threading.Thread(target=work) for _ in range(workers or min(2, os.cpu_count() or 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary.seconds = time.monotonic() - started
    return summary


def _parse_unchanged_files_once(root: Path, base: dict[str, str]) -> None:
    """Every load reads every file of its set, and the files a set leaves as they are parse the same
    each time: their parse is kept, and deep-copied for each load (so that no load can change what
    the next one gets). A set then costs the parse of the files it changed (read for real, as are all
    the checks across files): CI runs its 300 sets in seconds, not minutes."""
    import engine.loader

    read_file = engine.loader.read_file
    unchanged = {root / name: text.encode("utf-8") for name, text in base.items()}
    parsed: dict[Path, object] = {}

    def read_file_parsing_unchanged_once(path: Path, display: str | None = None):  # noqa: ANN202
        if unchanged.get(path) != path.read_bytes():
            return read_file(path, display)
        if path not in parsed:
            parsed[path] = read_file(path, display)
        return copy.deepcopy(parsed[path])

    engine.loader.read_file = read_file_parsing_unchanged_once


def _serve_as_worker(rules_dir: Path, seed: int) -> None:
    """Judge the sets whose numbers arrive on stdin, in a private copy of the rules directory."""
    from rule_sets import apply, restore
    from verdict import judge

    base = base_files(rules_dir)
    with tempfile.TemporaryDirectory(prefix="fuzz-worker-") as tmp:
        root = Path(tmp) / "rules"
        shutil.copytree(rules_dir, root, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
        _parse_unchanged_files_once(root, base)
        for line in sys.stdin:
            index = int(line)
            mutated = mutated_set(base, seed, index)
            apply(mutated.files, root)
            try:
                verdict = judge(root, mutated, lambda: print(json.dumps({"phase": "build"}), flush=True))
            finally:
                restore(mutated.files, base, root)
            print(json.dumps({"outcome": verdict.outcome, "faults": verdict.faults, "problems": verdict.problems,
                              "applied": _applied(mutated)}, ensure_ascii=False), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", type=int, default=STRESS_SETS, help=f"mutated rule sets (default {STRESS_SETS})")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules", help="the rule files to mutate")
    parser.add_argument("--workers", type=int, help="worker processes (default: 2, or 1 on one core)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds one set may take")
    parser.add_argument("--json", type=Path, help="write the summary as JSON here")
    parser.add_argument("--write", nargs=2, metavar=("INDEX", "DIR"), help="write set INDEX as a rules directory DIR")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _serve_as_worker(args.rules, args.seed)
        return 0
    if args.write:
        mutated = mutated_set(base_files(args.rules), args.seed, int(args.write[0]))
        write(mutated, args.rules, Path(args.write[1]))
        print("\n".join(a.describe() for a in mutated.applied))
        return 0
    summary = run(args.rules, args.sets, args.seed, args.workers, args.timeout, progress=True)
    print(summary.table())
    print(f"\n{summary.sets} mutated rule sets in {summary.seconds:.0f} s (seed {args.seed}): "
          f"{summary.outcomes[LOADED]} loaded, {summary.outcomes[REFUSED]} refused with file and line, "
          f"{summary.outcomes[REFUSED_BY_BUILD]} refused by the durable-rules build, {len(summary.crashes)} crashes")
    for crash in summary.crashes[:20]:
        print(f"CRASH {crash[:3000]}")
    if args.json:
        args.json.write_text(json.dumps(summary.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if summary.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
