"""The benchmark: one command, one table, measured side by side in one run.

    .venv/bin/python -m bench            # the full run (about 15–20 minutes on the 2-core machine)
    .venv/bin/python -m bench --quick    # tiny counts: proves it works (CI), numbers meaningless

Absolute times drift on a shared machine, so everything compared is measured in the same run,
interleaved where it can be, and reported as ratios. Sections (BENCHMARKS.md explains each row):

1. engine in-process on a fixed corpus (bench/corpus.py): durable-rules (the product path), the
   plain-Python oracle (the lower bound), zen-engine (bench/zen_model.py) — all three must return
   the same classification for every facility, or the run fails; then what the decisive questions
   cost (the same judgements with the flat list of missing facts they replaced) and the answers' size;
2. the service over HTTP (tests/live_server.py): single judgements with wrk, 1 and 2 workers;
   the batch endpoint (1,000 facilities) and the NDJSON stream (10,000);
3. rule load + validate + compile: the bundled rules, and a synthetic list 10× larger;
4. resident memory before and after 1,000,000 judgements;
5. judgement time as the number of criteria grows (1×, 2×, 5×, 10×);
6. what recording every judgement costs: single judgements over HTTP (wrk) with the decision log
   off, in SQLite and in PostgreSQL (a real server, tests/postgres_server.py), in alternating rounds.
7. the impact of a change: 100,000 recorded judgements re-judged under two rule sets on every core
   (bench/impact_bench.py).
8. a filled spreadsheet of 10,000 rows judged (bench/sheets.py), against judging the same facilities directly.

Exit status 1 when a result is wrong (evaluators disagree, the service answers differently or
fails); a missed performance target is reported in the table, not an error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench import zen_model  # noqa: E402
from bench.impact_bench import TARGET_RECORDS, impact_section  # noqa: E402
from bench.corpus import facilities  # noqa: E402
from bench.sheets import sheet_section  # noqa: E402
from bench.synthetic import make_rules  # noqa: E402
import yaml  # noqa: E402

from engine import Engine, load  # noqa: E402
from engine import assessment  # noqa: E402
from engine.bundle import Bundle  # noqa: E402
from engine.questions import MissingFact, MissingFacts  # noqa: E402

CLASSES = ("major", "ordinary", "none", "indeterminate")


class BenchFailure(Exception):
    """A wrong result: the benchmark stops and says what."""


@dataclass
class Row:
    section: str
    what: str
    result: str
    relative: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    targets: list[tuple[str, bool | None, str]] = field(default_factory=list)  # (target, holds, measured)
    data: dict[str, Any] = field(default_factory=dict)

    def add(self, *args: str) -> None:
        self.rows.append(Row(*args))
        print(f"  {args[0]:<10} {args[1]:<44} {args[2]}  {args[3] if len(args) > 3 else ''}", flush=True)

    def target(self, name: str, holds: bool | None, measured: str) -> None:
        self.targets.append((name, holds, measured))


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def _per_s(value: float) -> str:
    return f"{value:,.0f}/s"


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


def _section(title: str) -> None:
    print(f"\n== {title}", flush=True)


# --- 1. engine in-process ----------------------------------------------------------------------

def zen_engine(bundle: Bundle) -> Engine:
    """An Engine whose condition statuses come from zen-engine: the same facts check, the same
    `assess` (so the same aggregation and explanations), only the evaluator differs."""
    engine = Engine(bundle, "oracle")
    engine._evaluator = zen_model.ZenEvaluator(bundle)
    engine.evaluator_name = "zen-engine"
    return engine


def _conditions_alone(engines: dict, bundle: Bundle, corpus: list[dict], versions: list[str],
                      chunk: int) -> dict[str, list[float]]:
    """The condition evaluation alone (what differs between the evaluators), interleaved as the
    judgements are."""
    names = list(engines)
    values = [bundle.vocabulary.check(f) for f in corpus]
    alone: dict[str, list[float]] = {n: [] for n in names}
    for n_chunk, start in enumerate(range(0, len(corpus), chunk)):
        k = n_chunk % len(names)
        for name in names[k:] + names[:k]:
            statuses = engines[name]._evaluator.statuses
            for i in range(start, min(start + chunk, len(corpus))):
                t0 = time.perf_counter()
                statuses(values[i], versions)
                alone[name].append(time.perf_counter() - t0)
    return alone


def _same_verdicts(verdicts: dict[str, list[str]], facilities: int) -> Counter:
    """The classifications, once every evaluator gave the same for every facility (and all four occur)."""
    names = list(verdicts)
    mismatched = [i for i in range(facilities) if len({verdicts[n][i] for n in names}) != 1]
    if mismatched:
        lines = [f"facility #{i}: " + ", ".join(f"{n} {verdicts[n][i]}" for n in names) for i in mismatched[:10]]
        raise BenchFailure(f"{len(mismatched)} of {facilities} facilities classified differently:\n  " + "\n  ".join(lines))
    counts = Counter(verdicts[names[0]])
    if len(counts) < 4:
        raise BenchFailure(f"the corpus must yield all four classifications; got {dict(counts)}")
    return counts


def engine_section(report: Report, bundle: Bundle, corpus: list[dict], as_of: dt.date, rounds: int) -> dict:
    _section(f"1. engine in-process: {len(corpus)} facilities × {rounds} rounds, as of {as_of}")
    engines = {"durable": Engine(bundle, "durable"), "oracle": Engine(bundle, "oracle")}
    if zen_model.available():
        engines["zen"] = zen_engine(bundle)
    names = list(engines)
    times: dict[str, list[float]] = {n: [] for n in names}
    verdicts: dict[str, list[str]] = {n: [""] * len(corpus) for n in names}
    for engine in engines.values():  # warm-up: first calls build caches (and zen's decision)
        for facts in corpus[:20]:
            engine.judge(facts, as_of)
    chunk = 100
    for r in range(rounds):
        for n_chunk, start in enumerate(range(0, len(corpus), chunk)):
            k = (n_chunk + r) % len(names)
            for name in names[k:] + names[:k]:  # rotate who goes first: drift hits all alike
                judge = engines[name].judge
                for i in range(start, min(start + chunk, len(corpus))):
                    t0 = time.perf_counter()
                    verdict = judge(corpus[i], as_of).classification
                    times[name].append(time.perf_counter() - t0)
                    verdicts[name][i] = verdict
    versions = [v.key for v in bundle.versions_on(as_of) if v.meta.encoded]
    alone = _conditions_alone(engines, bundle, corpus, versions, chunk)
    engines["durable"].close()

    counts = _same_verdicts(verdicts, len(corpus))
    in_force = sum(1 for v, _ in bundle.conditions.values() if v.key in versions)
    place = bundle.vocabulary.place_fact
    kinds = len({f.get(place) for f in corpus})
    report.add("engine", "corpus", f"{len(corpus)} facilities, {kinds} kinds of place, {in_force} conditions in force; "
               + ", ".join(f"{c} {counts[c]}" for c in CLASSES),
               f"same classification from all {len(names)} evaluators for every facility")

    stats = {}
    for name in names:
        t = times[name]
        stats[name] = {"median": statistics.median(t), "p99": _p99(t), "per_s": len(t) / sum(t),
                       "conditions_median": statistics.median(alone[name])}
    labels = {"durable": "durable-rules path (product)", "oracle": "oracle (plain Python, same conditions)",
              "zen": "zen-engine (generated JDM)"}
    base = stats["oracle"]
    for name in names:
        s = stats[name]
        relative = (f"{s['median'] / base['median']:.2f}× oracle time; conditions alone "
                    f"{_us(s['conditions_median'])} ({s['conditions_median'] / base['conditions_median']:.2f}×)")
        if name != "zen" and "zen" in stats:
            relative += f", {s['per_s'] / stats['zen']['per_s']:.2f}× zen judgements/s"
        report.add("engine", labels[name], f"median {_us(s['median'])}, p99 {_us(s['p99'])}, {_per_s(s['per_s'])}",
                   relative)
    if "zen" not in stats:
        report.add("engine", labels["zen"], "skipped: zen-engine not installed (pip install -e '.[bench]')")

    ratio = stats["durable"]["median"] / base["median"]
    report.target("durable-rules path ≤ 2× the oracle's time per judgement", ratio <= 2.0, f"{ratio:.2f}× (median)")
    if "zen" in stats:
        z = stats["durable"]["per_s"] / stats["zen"]["per_s"]
        report.target("durable-rules path ≥ zen-engine's judgements/s", z >= 1.0,
                      f"{_per_s(stats['durable']['per_s'])} vs {_per_s(stats['zen']['per_s'])} ({z:.2f}×)")
    else:
        report.target("durable-rules path ≥ zen-engine's judgements/s", None, "zen-engine not installed")
    report.data["engine"] = {"stats": stats, "counts": dict(counts), "facilities": len(corpus), "rounds": rounds,
                             "conditions_in_force": in_force}
    return {i: verdicts["durable"][i] for i in range(len(corpus))}


def _flat_questions(situation, needed):  # noqa: ANN001, ANN202 - stands in for engine.questions.ask
    """What a judgement asked for before the decisive questions: every missing fact, no answer tried."""
    vocab = situation.bundle.vocabulary
    return MissingFacts(decisive=[], other=[MissingFact(name=n, label=vocab.label(n), description=vocab.facts[n].description,
                                                        unit=vocab.facts[n].unit, needed_by=ids)
                                            for n, ids in needed.items()])


def answer_section(report: Report, bundle: Bundle, corpus: list[dict], as_of: dt.date, rounds: int) -> None:
    """What the decisive questions cost (the same judgements with `ask` replaced by the flat list it
    replaced, interleaved), and how large the answers are (compact by default, detail=full)."""
    _section(f"1b. answers: decisive questions and size, {len(corpus)} facilities × {rounds} rounds")
    engine = Engine(bundle, "durable")
    kinds = {"decisive questions": assessment.ask, "flat list of missing facts": _flat_questions}
    names = list(kinds)
    best: dict[str, list[float]] = {k: [math.inf] * len(corpus) for k in kinds}  # per facility, the fastest round
    asked = 0
    # Both ways judge each facility back to back, which goes first alternating: the noise of a
    # shared machine hits both alike, and the fastest of the rounds is kept per facility.
    for r in range(rounds):
        for i, facts in enumerate(corpus):
            for name in names[(i + r) % 2:] + names[:(i + r) % 2]:
                assessment.ask = kinds[name]
                t0 = time.perf_counter()
                j = engine.judge(facts, as_of)
                best[name][i] = min(best[name][i], time.perf_counter() - t0)
                asked += r == 0 and name == names[0] and bool(j.missing_facts.decisive)
    assessment.ask = kinds[names[0]]
    with_q, without = (statistics.median(best[k]) for k in kinds)
    means = [statistics.fmean(best[k]) for k in kinds]
    report.add("answers", "judgement with decisive questions", f"median {_us(with_q)}, mean {_us(means[0])}",
               f"{with_q / without:.2f}× the median with a flat list of missing facts ({_us(without)}); mean "
               f"{means[0] / means[1]:.2f}×; fastest of {rounds} rounds per facility; {asked} of {len(corpus)} "
               f"judgements have decisive questions")
    report.target("decisive questions add ≤ 30 % to the median judgement time", with_q / without <= 1.30,
                  f"{with_q / without:.2f}× (median)")
    sizes = {"compact": [], "full": []}
    for facts in corpus:
        j = engine.judge(facts, as_of)
        sizes["compact"].append(len(j.dump_json().encode()))
        sizes["full"].append(len(j.dump_json("full").encode()))
    canteen = yaml.safe_load((ROOT / "examples" / "canteen-compliant.yaml").read_text(encoding="utf-8"))
    today = dt.date(2026, 12, 1)
    compliant = engine.judge(canteen, today)
    small, large = len(compliant.dump_json().encode()), len(compliant.dump_json("full").encode())
    engine.close()
    c, f = statistics.median(sizes["compact"]), statistics.median(sizes["full"])
    report.add("answers", "answer size (median over the corpus)", f"compact {c:,.0f} B, detail=full {f:,.0f} B",
               f"compact {c / f:.2f}× full")
    report.add("answers", f"a compliant canteen judged {today} (examples/canteen-compliant.yaml)",
               f"compact {small:,} B, detail=full {large:,} B", compliant.label)
    report.target("a compliant canteen judged today: default answer ≤ 2.5 KB", small <= 2500, f"{small:,} B")
    report.data["answers"] = {"median_with_questions": with_q, "median_flat": without, "sizes_median": {"compact": c, "full": f},
                              "canteen": {"compact": small, "full": large}}


# --- 2. service over HTTP ------------------------------------------------------------------------

def _lua_script(path: Path, bodies: list[bytes]) -> Path:
    entries = ",\n".join(f"[==[{b.decode('ascii')}]==]" for b in bodies)
    path.write_text(
        'local bodies = {\n' + entries + '\n}\n'
        'local n = 0\n'
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        'request = function()\n'
        '  n = n % #bodies + 1\n'
        '  return wrk.format(nil, nil, nil, bodies[n])\n'
        'end\n', encoding="ascii")
    return path


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script),
                          url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": _ms(latency["50"]),
            "p99": _ms(latency["99"]), "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def _workers_of(proc: subprocess.Popen) -> list[int]:
    """The server's worker processes: its children with several workers, else itself."""
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    workers = [int(c) for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")]
    return workers or [proc.pid]


def _cpu_ticks(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        out.append(int(fields[11]) + int(fields[12]))  # utime + stime
    return out


def _split(before: list[int], after: list[int]) -> str:
    """Each worker's share of the CPU the workers used, e.g. '99/1 %'."""
    used = [b - a for a, b in zip(before, after)]
    total = sum(used) or 1
    return "/".join(f"{100 * u / total:.0f}" for u in used) + " %"


def _post_all(url: str, body: bytes, content_type: str, repeat: int, clients: int) -> tuple[float, list[bytes]]:
    """`clients` threads each POST the body `repeat` times (a new connection each time, so the
    kernel spreads them over the workers); wall time and the first response of each client."""
    import httpx

    first: list[bytes] = []
    failures: list[str] = []

    def client() -> None:
        for n in range(repeat):
            with httpx.Client(timeout=600) as http:
                response = http.post(url, content=body, headers={"Content-Type": content_type})
            if response.status_code != 200:
                failures.append(f"{response.status_code}: {response.text[:300]}")
                return
            if n == 0:
                first.append(response.content)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise BenchFailure(f"POST {url} failed: {failures[0]}")
    return elapsed, first


def http_section(report: Report, corpus: list[dict], expected: dict[int, str], as_of: dt.date, workers: list[int],
                 seconds: int, connections: int, batch: int, stream: int, repeat: int) -> None:
    from live_server import copy_rules, running_server

    _section(f"2. service over HTTP: workers {workers}, wrk {connections} connections × {seconds} s")
    have_wrk = shutil.which("wrk") is not None
    day = as_of.isoformat()
    singles = [json.dumps({"facts": f, "as_of": day}).encode() for f in corpus[:500]]

    def items(n: int) -> list[dict]:
        return [{"id": str(i), "facts": corpus[i % len(corpus)], "as_of": day} for i in range(n)]

    batch_body = json.dumps({"items": items(batch)}).encode()
    stream_body = b"\n".join(json.dumps(item).encode() for item in items(stream)) + b"\n"
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        rules = copy_rules(Path(tmp) / "rules")
        script = _lua_script(Path(tmp) / "bodies.lua", singles)
        for w in workers:
            with running_server(rules, workers=w) as (base, proc):
                import httpx

                pids = _workers_of(proc)

                for i in range(20):  # the service judges as the engine does
                    got = httpx.post(f"{base}/v1/judgements", content=singles[i],
                                     headers={"Content-Type": "application/json"}, timeout=60)
                    if got.status_code != 200 or got.json()["classification"] != expected[i]:
                        raise BenchFailure(f"POST /v1/judgements for facility #{i}: {got.status_code} {got.text[:300]}")
                if have_wrk:
                    wrk(f"{base}/v1/judgements", script, max(1, seconds // 5), connections)  # warm-up
                    before = _cpu_ticks(pids)
                    r = wrk(f"{base}/v1/judgements", script, seconds, connections)
                    r["cpu_split"] = _split(before, _cpu_ticks(pids))
                    results[f"single_{w}"] = r
                    bad = f"; {r['non2xx']} non-2xx" if r["non2xx"] else ""
                    bad += f"; socket errors {r['socket_errors']}" if r["socket_errors"] else ""
                    report.add("http", f"single judgements, {w} worker{'s' if w > 1 else ''}",
                               f"{_per_s(r['rps'])}, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms{bad}",
                               f"{connections} connections" + (f"; CPU split between workers {r['cpu_split']}"
                                                               if w > 1 else ""))
                    if r["non2xx"]:
                        raise BenchFailure(f"{r['non2xx']} non-2xx responses under load ({w} workers)")
                else:
                    report.add("http", f"single judgements, {w} worker{'s' if w > 1 else ''}", "skipped: wrk not installed")
                for name, path, body, n, ctype in (
                        ("batch", "/v1/judgements/batch", batch_body, batch, "application/json"),
                        ("stream", "/v1/judgements/stream", stream_body, stream, "application/x-ndjson")):
                    _post_all(f"{base}{path}", body, ctype, 1, 1)  # warm-up, and the answers checked
                    before = _cpu_ticks(pids)
                    elapsed, first = _post_all(f"{base}{path}", body, ctype, repeat, w)
                    split = _split(before, _cpu_ticks(pids))
                    rate = n * repeat * w / elapsed
                    results[f"{name}_{w}"] = rate
                    if name == "batch":
                        answers = [r["judgement"]["classification"] for r in json.loads(first[0])["results"]]
                    else:
                        answers = [json.loads(line)["judgement"]["classification"] for line in first[0].splitlines()]
                    wrong = [i for i, a in enumerate(answers) if a != expected[i % len(corpus)]]
                    if len(answers) != n or wrong:
                        raise BenchFailure(f"{path}: {len(answers)} answers for {n} facilities, {len(wrong)} differ "
                                           f"from the engine's (first: #{wrong[:1]})")
                    report.add("http", f"{path} ({n:,} per request), {w} worker{'s' if w > 1 else ''}",
                               f"{_per_s(rate)} facilities", f"{w} client{'s' if w > 1 else ''} × {repeat} requests"
                               + (f"; CPU split between workers {split}" if w > 1 else ""))
    report.data["http"] = results
    top = max(workers)
    if f"single_{top}" in results and top == 2:
        r = results["single_2"]
        report.target("service ≥ 3,000 single judgements/s with p99 ≤ 20 ms (2 workers)",
                      r["rps"] >= 3000 and r["p99"] <= 20, f"{_per_s(r['rps'])}, p99 {r['p99']:.1f} ms")
    else:
        report.target("service ≥ 3,000 single judgements/s with p99 ≤ 20 ms (2 workers)", None,
                      "not measured" + ("" if have_wrk else " (wrk not installed)"))
    if top == 2:
        worst = min(results["batch_2"], results["stream_2"])
        report.target("batch ≥ 20,000 facilities/s (2 workers)", worst >= 20000,
                      f"batch {_per_s(results['batch_2'])}, stream {_per_s(results['stream_2'])}")
    else:
        report.target("batch ≥ 20,000 facilities/s (2 workers)", None, "not measured")


# --- 6. the decision log ---------------------------------------------------------------------------

def decision_log_section(report: Report, corpus: list[dict], as_of: dt.date, seconds: int, connections: int,
                         rounds: int) -> None:
    """Each configuration on a server of its own (1 worker), wrk on the same bodies; the rounds
    alternate the three so that the shared machine's drift falls on all of them; best round kept."""
    from live_server import copy_rules, running_server
    from postgres_server import new_database, running_postgres

    _section(f"6. decision log: single judgements, 1 worker, wrk {connections} connections × {seconds} s, "
             f"{rounds} rounds")
    if shutil.which("wrk") is None:
        report.add("log", "single judgements, log off / SQLite / PostgreSQL", "skipped: wrk not installed")
        report.target("recording costs ≤ 20 % of single-judgement throughput", None, "not measured")
        return
    day = as_of.isoformat()
    singles = [json.dumps({"facts": f, "as_of": day, "subject": {"facility_id": f"bench-{i}"}}).encode()
               for i, f in enumerate(corpus[:500])]
    best: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, running_postgres() as admin_url:
        rules = copy_rules(Path(tmp) / "rules")
        script = _lua_script(Path(tmp) / "bodies.lua", singles)
        configs = {"off": {"HAZARD_DECISION_LOG": "off"}, "SQLite": {},
                   "PostgreSQL": {"HAZARD_DATABASE_URL": new_database(admin_url)}}
        for _round in range(rounds):
            for name, env in configs.items():
                state = Path(tmp) / f"state-{name}"
                with running_server(rules, workers=1, HAZARD_STATE_DIR=str(state), HAZARD_ACCESS_LOG="off",
                                    **env) as (base, _):
                    wrk(f"{base}/v1/judgements", script, max(1, seconds // 5), connections)  # warm-up
                    r = wrk(f"{base}/v1/judgements", script, seconds, connections)
                    if r["non2xx"]:
                        raise BenchFailure(f"decision log {name}: {r['non2xx']} non-2xx responses")
                    if r["rps"] > best.get(name, {"rps": 0})["rps"]:
                        best[name] = r
    off = best["off"]["rps"]
    for name, r in best.items():
        relative = "" if name == "off" else f"{r['rps'] / off:.2f}× the log off ({100 * (1 - r['rps'] / off):.0f} % cost)"
        report.add("log", f"single judgements, log {name}", f"{_per_s(r['rps'])}, p50 {r['p50']:.1f} ms, "
                   f"p99 {r['p99']:.1f} ms", relative)
    report.data["decision_log"] = best
    worst = min(best["SQLite"]["rps"], best["PostgreSQL"]["rps"]) / off
    report.target("recording costs ≤ 20 % of single-judgement throughput", worst >= 0.8,
                  f"SQLite {best['SQLite']['rps'] / off:.2f}×, PostgreSQL {best['PostgreSQL']['rps'] / off:.2f}× "
                  "the log off")


# --- 3. load + compile, 5. growth ------------------------------------------------------------------

def probe(args: list[str], timeout: float) -> dict:
    try:
        done = subprocess.run([sys.executable, "-m", "bench.probe", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"no answer in {timeout:.0f} s (durable-rules may hang on too many rules)"}
    if done.returncode != 0:
        return {"ok": False, "error": f"exit {done.returncode}: {done.stderr.strip()[-400:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_section(report: Report, multiples: dict[int, Path], largest: int, repeat: int, judge: int,
                 as_of: dt.date) -> dict[int, dict]:
    _section("3. rule load + validate + compile (each size in a child process)")
    probes: dict[int, dict] = {}
    for k, rules_dir in multiples.items():
        probes[k] = probe(["load", str(rules_dir), "--repeat", str(repeat if k == 1 else 1), "--judge", str(judge),
                           "--as-of", as_of.isoformat()], timeout=600)
    for k in (1, largest):
        p = probes[k]
        what = "bundled rules/" if k == 1 else f"synthetic {k}× list"
        if p["ok"]:
            report.add("load", what, f"{p['total_s'] * 1000:,.0f} ms (load + validate {p['load_s'] * 1000:,.0f} ms, "
                       f"compile {p['compile_s'] * 1000:,.0f} ms)",
                       f"{p['criteria']} conditions, {p['rules']} durable-rules rules"
                       + (f"; median of {repeat}" if k == 1 else ""))
        else:
            report.add("load", what, f"FAILS: {p['error']}")
    working = [k for k, p in probes.items() if p["ok"]]
    if largest not in working and working:
        best = max(working)
        p = probes[best]
        report.add("load", f"largest synthetic list that works: {best}×",
                   f"{p['total_s'] * 1000:,.0f} ms (load {p['load_s'] * 1000:,.0f} ms, compile {p['compile_s'] * 1000:,.0f} ms)",
                   f"{p['criteria']} conditions, {p['rules']} rules")
    first = probes[1]
    report.target("load + compile of all bundled rules ≤ 1 s", first["ok"] and first["total_s"] <= 1.0,
                  f"{first['total_s'] * 1000:,.0f} ms" if first["ok"] else first["error"])
    report.data["load"] = probes
    return probes


def growth_section(report: Report, multiples: dict[int, Path], working: list[int], corpus: list[dict],
                   as_of: dt.date, rounds: int) -> None:
    _section(f"5. growth: judgement time at {', '.join(f'{k}×' for k in multiples)} the criteria")
    engines: dict[int, dict[str, Engine]] = {}
    for k in working:
        bundle = load(multiples[k])
        engines[k] = {"durable": Engine(bundle, "durable"), "oracle": Engine(bundle, "oracle")}
    times = {(k, n): [] for k in working for n in ("durable", "oracle")}
    verdicts: dict[tuple[int, str], list[str]] = {key: [""] * len(corpus) for key in times}
    keys = list(times)
    chunk = 50
    for r in range(rounds):
        for n_chunk, start in enumerate(range(0, len(corpus), chunk)):
            j = (n_chunk + r) % len(keys)
            for k, name in keys[j:] + keys[:j]:
                judge = engines[k][name].judge
                for i in range(start, min(start + chunk, len(corpus))):
                    t0 = time.perf_counter()
                    verdicts[(k, name)][i] = judge(corpus[i], as_of).classification
                    times[(k, name)].append(time.perf_counter() - t0)
    for k in working:
        engines[k]["durable"].close()
    reference = verdicts[(1, "durable")]
    for key, got in verdicts.items():
        wrong = sum(a != b for a, b in zip(got, reference))
        if wrong:
            raise BenchFailure(f"{key[0]}× list, {key[1]}: {wrong} facilities classified unlike the bundled list "
                               "(a clone must judge the same)")
    med = {key: statistics.median(t) for key, t in times.items()}
    for k in multiples:
        if k not in working:
            report.add("growth", f"{k}× criteria", "not measured: durable-rules fails at this size (see load)")
            continue
        d, o = med[(k, "durable")], med[(k, "oracle")]
        report.add("growth", f"{k}× criteria", f"durable-rules median {_us(d)}, oracle {_us(o)}",
                   f"{d / med[(1, 'durable')]:.2f}× / {o / med[(1, 'oracle')]:.2f}× the 1× time")
    # growth exponent b in time ∝ k^b (least squares on logs); linear is b = 1
    exponents = {}
    if len(working) >= 2:
        for name in ("durable", "oracle"):
            xs = [math.log(k) for k in working]
            ys = [math.log(med[(k, name)]) for k in working]
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            exponents[name] = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        report.add("growth", "time ∝ criteria^b", f"b = {exponents['durable']:.2f} durable-rules, "
                   f"{exponents['oracle']:.2f} oracle", "b ≤ 1: no worse than linear")
        worst = max(med[(k, "durable")] / med[(1, "durable")] / k for k in working if k > 1)
        holds = exponents["durable"] <= 1.0 + 0.05 and worst <= 1.1
        report.target("growth with the number of criteria no worse than linear", holds,
                      f"b = {exponents['durable']:.2f} over {', '.join(f'{k}×' for k in working)}"
                      + ("" if set(working) == set(multiples) else
                         f" (durable-rules fails beyond {max(working)}×)"))
    else:
        report.target("growth with the number of criteria no worse than linear", None, "fewer than two sizes work")
    report.data["growth"] = {f"{k}x_{n}": v for (k, n), v in med.items()} | {"exponents": exponents}


# --- 4. memory ------------------------------------------------------------------------------------

def memory_section(report: Report, judgements: int, as_of: dt.date) -> None:
    _section(f"4. memory: resident size before and after {judgements:,} judgements (child process)")
    p = probe(["memory", "--judgements", str(judgements), "--as-of", as_of.isoformat()], timeout=max(600, judgements / 200))
    if not p.get("judgements"):
        raise BenchFailure(f"memory probe failed: {p.get('error')}")
    report.add("memory", f"RSS before / after {judgements:,} judgements",
               f"{p['before_kb'] / 1024:,.1f} MB → {p['after_kb'] / 1024:,.1f} MB ({p['change'] * 100:+.1f} %)",
               f"durable-rules path, {p['judgements'] / p['seconds']:,.0f}/s in that loop")
    report.target("resident size within ±10 % after the judgements", abs(p["change"]) <= 0.10,
                  f"{p['change'] * 100:+.1f} % after {judgements:,}")
    report.data["memory"] = p


# --- the table -----------------------------------------------------------------------------------------

def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def markdown(report: Report, args: argparse.Namespace, started: dt.datetime, elapsed: float, load_start: str) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    head = (f"Run {started:%Y-%m-%d %H:%M} UTC, {elapsed / 60:.1f} min; {os.cpu_count()} CPUs ({cpu}); "
            f"Python {platform.python_version()}; command: `.venv/bin/python -m bench"
            f"{' --quick' if args.quick else ''}`; judged as of {args.as_of}; load average (1/5/15 min) "
            f"{load_start} at the start, {_load_average()} at the end (the machine is shared).")
    lines = [head, "", "| section | what | result | relative / detail |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.section} | {r.what} | {r.result} | {r.relative} |" for r in report.rows]
    lines += ["", "| target | holds | measured |", "| --- | --- | --- |"]
    word = {True: "**holds**", False: "**missed**", None: "not measured"}
    lines += [f"| {t} | {word[h]} | {m} |" for t, h, m in report.targets]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts: proves the benchmark works (CI)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 1),
                        help="judgement date (default 2025-06-01: every encoded standard but GA 653-2006 in force)")
    parser.add_argument("--count", type=int, help="corpus facilities (default 2,000; quick 120)")
    parser.add_argument("--rounds", type=int, help="times each facility is judged per evaluator (default 3; quick 1)")
    parser.add_argument("--seconds", type=int, help="wrk run length (default 15; quick 1)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, nargs="+", help="server worker counts (default 1 2; quick 1)")
    parser.add_argument("--memory-judgements", type=int, help="default 1,000,000; quick 500")
    parser.add_argument("--multiples", type=int, nargs="+", help="criteria multiples (default 1 2 5 10; quick 1 2)")
    parser.add_argument("--impact-records", type=int, help=f"default {TARGET_RECORDS:,}; quick 500")
    parser.add_argument("--skip", nargs="+", default=[],
                        choices=["engine", "http", "load", "memory", "growth", "log", "impact", "sheets"])
    parser.add_argument("--sheet-rows", type=int, help="rows of the judged spreadsheet (default 10,000; quick 200)")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    args = parser.parse_args(argv)
    quick = args.quick
    count = args.count or (120 if quick else 2000)
    rounds = args.rounds or (1 if quick else 3)
    seconds = args.seconds or (1 if quick else 15)
    workers = args.workers or ([1] if quick else [1, 2])
    memory_n = args.memory_judgements or (500 if quick else 1_000_000)
    multiples = sorted(set(args.multiples or ([1, 2] if quick else [1, 2, 5, 10])) | {1})
    batch, stream, repeat = (50, 100, 1) if quick else (1000, 10000, 3)
    if not quick and count < 1000:
        parser.error("the corpus must hold at least 1,000 facilities (or use --quick)")

    started, t0, load_start = dt.datetime.now(dt.UTC), time.perf_counter(), _load_average()
    report = Report()
    print(f"benchmark{' (quick: numbers are meaningless)' if quick else ''}: as of {args.as_of}, "
          f"zen-engine {'available' if zen_model.available() else 'NOT installed'}", flush=True)
    try:
        bundle = load(ROOT / "rules")
        corpus = facilities(bundle, count)
        expected: dict[int, str] = {}
        if "engine" not in args.skip:
            expected = engine_section(report, bundle, corpus, args.as_of, rounds)
            answer_section(report, bundle, corpus, args.as_of, rounds)
        else:
            with Engine(bundle) as engine:
                expected = {i: engine.judge(f, args.as_of).classification for i, f in enumerate(corpus)}
        if "http" not in args.skip:
            http_section(report, corpus, expected, args.as_of, workers, seconds, args.connections, batch, stream, repeat)
        with tempfile.TemporaryDirectory(prefix="bench-rules-") as tmp:
            dirs = {k: (ROOT / "rules" if k == 1 else make_rules(Path(tmp) / f"x{k}", k)) for k in multiples}
            working = [1]
            if "load" not in args.skip or "growth" not in args.skip:
                probes = load_section(report, dirs, max(multiples), 1 if quick else 5, 50 if quick else 200, args.as_of)
                working = [k for k in multiples if probes[k]["ok"]]
            if "memory" not in args.skip:
                memory_section(report, memory_n, args.as_of)
            if "growth" not in args.skip:
                growth_section(report, dirs, working, corpus[: 40 if quick else 400], args.as_of, rounds)
        if "log" not in args.skip:
            decision_log_section(report, corpus, args.as_of, seconds, args.connections, 1 if quick else 3)
        if "impact" not in args.skip:
            impact_section(report, ROOT, bundle, args.impact_records or (500 if quick else TARGET_RECORDS), args.as_of)
        if "sheets" not in args.skip:
            sheet_section(report, bundle, corpus, args.as_of, args.sheet_rows or (200 if quick else 10_000), BenchFailure)
    except BenchFailure as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - t0
    table = markdown(report, args, started, elapsed, load_start)
    print("\n" + table)
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report.data, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
