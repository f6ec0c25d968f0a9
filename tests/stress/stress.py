"""Stress run: no wrong answer under load, reloads (good, broken, hostile) and a real server.

    .venv/bin/python tests/stress/stress.py                 # 100,000 judgements, 100 reloads (minutes)
    .venv/bin/python tests/stress/stress.py --quick         # 3,000+ judgements, 6 reloads (CI, ~1 min)

Starts `hazard serve` (2 workers) on a temporary copy of rules/, and 64 client threads send a mix
of single (POST /v1/judgements) and batch (POST /v1/judgements/batch) judgements of generated
facilities (bench/corpus.py's perturbed examples, random facts over the vocabulary, and a few
facilities with a wrong fact). Every answer is checked against the plain-Python oracle
(Engine(bundle, "oracle")) for that request's own facts and date, under the rules version the
answer names (X-Rules-Digest, provenance.rules_digest): the whole judgement must be equal, not
only the classification. A wrong fact must be refused with problem+json naming it (JSON pointer).

Meanwhile the rules are reloaded through POST /v1/admin/reload: alternating real edits (a
criterion's note, so the digest changes), and every fourth (quick: third) a broken file
(unknown fact, half-written file, duplicate id, Python object tag; with --hostile, the default
of the full run, twice files that pass lint but hang durable-rules' create_ruleset, refused by
the build in a child process with a timeout). A good reload must answer 200 with the digest
computed locally for those files; a broken one 422, with the old digest still serving. Each
answer's digest must be one the rules could have at that moment: the active version, or during
a reload the old or the new one (never another, never a digest no complete load produced).
Resident memory (VmRSS) of the worker processes is read from /proc before traffic, after a
warm-up (5 % of the judgements, 10 % of the reloads), every 5 s and at the end. Under full load it
rises to a working size over the first minutes (with or without reloads), then stays there: it
must not move by more than 10 % over the second half of the run. The worker processes must be
the same at the end (none died). Exit status 0 only if every check holds; the summary table says what was sent and found.

Network: loopback only (the server is bound to 127.0.0.1 on a free port).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.corpus import facilities, judge_days, random_facts  # noqa: E402
from engine import Engine, FactError, load  # noqa: E402
from engine.bundle import Bundle  # noqa: E402
from live_server import copy_rules, rss_kib, running_server, worker_pids  # noqa: E402
from rule_text import criterion, version_header  # noqa: E402

TOKEN = "stress-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TARGET = Path("standards") / "moe-edu-guide" / "2024.yaml"  # the file edited between reloads
NOTE = "note: 管理类条款"
FIXED_DAYS = [dt.date(2015, 6, 1), dt.date(2020, 1, 1), dt.date(2025, 6, 1), dt.date(2026, 1, 15)]


# --- rule variants --------------------------------------------------------------------------------

def good_variants(original: str) -> list[str]:
    """Complete, valid contents of TARGET, each with a different digest (and different answers:
    the note shows in every finding of that criterion)."""
    assert NOTE in original, f"{TARGET} no longer holds {NOTE!r}; update the stress script"
    return [original, original.replace(NOTE, "note: 压力测试甲。管理类条款"),
            original.replace(NOTE, "note: 压力测试乙。管理类条款")]


def broken_variants(original: str) -> list[tuple[str, str]]:
    """(name, content of TARGET) that lint must refuse."""
    raw = original.encode("utf-8")
    out = [
        ("unknown fact", original.replace("condition: {fact: fire_responsibility_system_sound, eq: false}",
                                          "condition: {fact: no_such_fact, eq: false}", 1)),
        ("half-written file", raw[: len(raw) // 2].decode("utf-8", errors="ignore")),
        ("duplicate id", original.replace("id: moe-edu-guide-2024.3.1.2\n", "id: moe-edu-guide-2024.3.1.1\n", 1)),
        ("python object tag", original + '\nextra: !!python/object/apply:os.system ["echo owned"]\n'),
    ]
    for name, text in out:
        assert text != original, name
    return out


def hostile_files(rules: Path) -> list[Path]:
    """A fact and a standard that pass lint but hang durable-rules' create_ruleset: 13 criteria
    `in` 40 distinct values each of one enum fall into one bucket, whose node then has more than
    512 sibling conditions (tests/test_untrusted_build.py). Returns what to remove afterwards."""
    fact_file = rules / "facts" / "zz-hostile.yaml"
    fact_file.write_text("facts:\n  zz_hostile_e: {type: enum, label: 压力测试, description: d, values: {%s}}\n"
                         % ", ".join(f"v{i}: v{i}" for i in range(520)), encoding="utf-8")
    folder = rules / "standards" / "zz-hostile"
    folder.mkdir()
    criteria = "".join(criterion(f"zzhostile.c{c}", "{fact: zz_hostile_e, in: [%s]}"
                                 % ", ".join(f"v{j}" for j in range(c * 40, c * 40 + 40))) for c in range(13))
    (folder / "2020.yaml").write_text(version_header("HOSTILE-1", "压力测试") + criteria, encoding="utf-8")
    return [fact_file, folder]


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".stress-tmp")
    tmp.write_bytes(text.encode("utf-8"))
    tmp.replace(path)


# --- facilities -------------------------------------------------------------------------------

def wrong_facts(bundle: Bundle, rng: random.Random, base: dict[str, Any]) -> dict[str, Any]:
    """A facility with one or two wrong facts: unknown name, wrong type or out of range."""
    out = dict(base)
    vocab = bundle.vocabulary.facts
    for _ in range(rng.choice([1, 1, 2])):
        kind = rng.choice(["unknown", "type", "range"])
        name = rng.choice(sorted(vocab))
        if kind == "unknown":
            out[name + "_x"] = True
        elif kind == "type":
            out[name] = {"boolean": "true", "enum": 3, "date": 20200101}.get(vocab[name].type, "12")
        else:
            out[name] = 10 ** 13 if vocab[name].type in ("integer", "number") else [1]
    return out


# --- the oracle -------------------------------------------------------------------------------

def canonical(judgement: dict[str, Any]) -> str:
    """A judgement as compared: all of it, except which evaluator produced it."""
    judgement = dict(judgement, provenance=dict(judgement["provenance"], evaluator="-"))
    text = json.dumps(judgement, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Oracles:
    """One oracle engine per rules digest (computed locally from the same files), and the
    expected answer per (digest, facility, day), cached: the corpus repeats facilities."""

    def __init__(self, facts_pool: list[dict[str, Any]], days: list[dt.date]):
        self.engines: dict[str, Engine] = {}
        self.pool, self.days = facts_pool, days
        self._cache: dict[tuple[str, int, int], tuple[str, Any]] = {}

    def add(self, rules_dir: Path) -> str:
        bundle = load(rules_dir)
        self.engines.setdefault(bundle.digest, Engine(bundle, "oracle"))
        return bundle.digest

    def expected(self, digest: str, facility: int, day: int) -> tuple[str, Any]:
        """("judgement", canonical hash) or ("error", sorted fact names refused)."""
        key = (digest, facility, day)
        found = self._cache.get(key)
        if found is None:
            try:
                judgement = self.engines[digest].judge(self.pool[facility], self.days[day])
            except FactError as exc:
                found = ("error", sorted(p.fact for p in exc.problems))
            else:
                found = ("judgement", canonical(judgement.dump()))
            self._cache[key] = found
        return found

    def full(self, digest: str, facility: int, day: int) -> Any:
        """The whole expected answer, for a mismatch report."""
        try:
            return self.engines[digest].judge(self.pool[facility], self.days[day]).dump()
        except FactError as exc:
            return {"error": [str(p) for p in exc.problems]}


# --- digests allowed at each moment ------------------------------------------------------------------

class Allowed:
    """The digests an answer may carry, by generation: {active}, or {old, new} during a reload.
    An answer may carry any digest allowed between its request's sending and its receipt."""

    def __init__(self, digest: str):
        self._lock = threading.Lock()
        self._history: list[frozenset[str]] = [frozenset({digest})]

    @property
    def generation(self) -> int:
        return len(self._history) - 1

    def set(self, digests: set[str]) -> None:
        with self._lock:
            self._history.append(frozenset(digests))

    def between(self, start: int, end: int) -> frozenset[str]:
        with self._lock:
            return frozenset().union(*self._history[start:end + 1])


# --- the run ----------------------------------------------------------------------------------------

@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    judgements: int = 0          # facilities sent
    requests: int = 0
    singles: int = 0
    batches: int = 0
    judged: int = 0              # answers compared equal to the oracle
    refused_ok: int = 0          # wrong facts refused naming exactly those facts
    errors: list[str] = field(default_factory=list)       # transport errors, unexpected statuses
    mismatches: list[str] = field(default_factory=list)   # answer differs from the oracle
    bad_digests: list[str] = field(default_factory=list)  # digest not allowed at that moment
    digests_seen: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    def add(self, attr: str, text: str) -> None:
        with self.lock:
            getattr(self, attr).append(text)


class Run:
    def __init__(self, args: argparse.Namespace, base: str, rules: Path, oracles: Oracles, allowed: Allowed,
                 days: list[dt.date]):
        self.args, self.base, self.rules, self.oracles, self.allowed = args, base, rules, oracles, allowed
        self.days = days
        self.stats = Stats()
        self.stop = threading.Event()
        self.reloads_done = threading.Event()
        self.rss_mark = threading.Event()
        # per client: (when its latest answered request was sent, the digest it carried), and
        # when its latest answer arrived (a connection idle longer than the server's keep-alive
        # timeout may be closed by the server just as the client reuses it)
        self.latest: list[tuple[float, str | None]] = [(0.0, None)] * args.clients
        self.answered: list[float] = [time.monotonic()] * args.clients
        self.finished: list[bool] = [False] * args.clients
        self.deadline = time.monotonic() + args.max_seconds

    # clients -----------------------------------------------------------------------------------
    def client(self, index: int) -> None:
        try:
            self._client(index)
        finally:
            self.finished[index] = True

    def _client(self, index: int) -> None:
        rng = random.Random(self.args.seed * 1000 + index)
        with httpx.Client(base_url=self.base, timeout=120) as http:
            while not self.stop.is_set():
                with self.stats.lock:
                    if self.stats.judgements >= self.args.judgements and self.reloads_done.is_set():
                        return
                    size = 1 if rng.random() < self.args.single_share else rng.randint(2, self.args.batch_max)
                    self.stats.judgements += size
                    self.stats.requests += 1
                if time.monotonic() > self.deadline:
                    self.stats.add("errors", "time limit reached before the run completed")
                    self.stop.set()
                    return
                picks = [(rng.randrange(len(self.oracles.pool)), rng.randrange(len(self.days))) for _ in range(size)]
                self.send(index, http, picks, single=size == 1)

    def send(self, index: int, http: httpx.Client, picks: list[tuple[int, int]], single: bool) -> None:
        pool, days = self.oracles.pool, self.days
        start_gen, t0 = self.allowed.generation, time.monotonic()
        try:
            if single:
                facility, day = picks[0]
                r = http.post("/v1/judgements", json={"facts": pool[facility], "as_of": days[day].isoformat()})
            else:
                items = [{"id": f"f{n}-{facility}", "facts": pool[facility], "as_of": days[day].isoformat()}
                         for n, (facility, day) in enumerate(picks)]
                r = http.post("/v1/judgements/batch", json={"items": items})
        except httpx.HTTPError as exc:
            self.stats.add("errors", f"{type(exc).__name__}: {exc} (client {index}, its previous answer "
                                     f"{t0 - self.answered[index]:.1f} s before this request)")
            self.answered[index] = time.monotonic()
            return
        self.answered[index] = time.monotonic()
        elapsed = time.monotonic() - t0
        digest = r.headers.get("x-rules-digest")
        if digest:
            self.latest[index] = (t0, digest)
        end_gen = self.allowed.generation
        with self.stats.lock:
            self.stats.latencies.append(elapsed)
            if single:
                self.stats.singles += 1
            else:
                self.stats.batches += 1
        try:
            if single:
                self.check_single(r, picks[0], start_gen, end_gen)
            else:
                self.check_batch(r, picks, start_gen, end_gen)
        except (ValueError, KeyError, TypeError) as exc:
            self.stats.add("errors", f"unreadable answer {r.status_code}: {exc!r} {r.text[:300]}")

    def check_digest(self, digest: str, start_gen: int, end_gen: int) -> bool:
        with self.stats.lock:
            self.stats.digests_seen[digest] += 1
        if digest not in self.oracles.engines:
            self.stats.add("bad_digests", f"digest {digest[:12]} produced by no complete load")
            return False
        if digest not in self.allowed.between(start_gen, end_gen):
            self.stats.add("bad_digests", f"digest {digest[:12]} not active between generations {start_gen}–{end_gen}")
        return True

    def compare(self, where: str, digest: str, pick: tuple[int, int], judgement: dict | None,
                error: dict | None, prefix: str) -> None:
        kind, want = self.oracles.expected(digest, *pick)
        if kind == "judgement" and judgement is not None and canonical(judgement) == want:
            with self.stats.lock:
                self.stats.judged += 1
            return
        if kind == "error" and error is not None:
            pointers = sorted(e["pointer"] for e in error.get("errors", []))
            if pointers == sorted(f"{prefix}/facts/{name}" for name in want) and error.get("status") == 422:
                with self.stats.lock:
                    self.stats.refused_ok += 1
                return
        self.stats.add("mismatches", json.dumps({
            "where": where, "digest": digest[:12], "facts": self.oracles.pool[pick[0]],
            "as_of": self.days[pick[1]].isoformat(), "got": judgement or error,
            "want": self.oracles.full(digest, *pick)}, ensure_ascii=False, default=str)[:4000])

    def check_single(self, r: httpx.Response, pick: tuple[int, int], start_gen: int, end_gen: int) -> None:
        if r.status_code == 200:
            body = r.json()
            digest = body["provenance"]["rules_digest"]
            if r.headers.get("x-rules-digest") != digest:
                self.stats.add("errors", f"header digest {r.headers.get('x-rules-digest')} != body digest {digest}")
            if self.check_digest(digest, start_gen, end_gen):
                self.compare("single", digest, pick, body, None, "")
        elif r.status_code == 422 and r.headers.get("content-type", "").startswith("application/problem+json"):
            # A refused facility names no digest: it is refused under every version (same vocabulary).
            self.compare("single", min(self.allowed.between(start_gen, end_gen)), pick, None, r.json(), "")
        else:
            self.stats.add("errors", f"single: HTTP {r.status_code} {r.text[:300]}")

    def check_batch(self, r: httpx.Response, picks: list[tuple[int, int]], start_gen: int, end_gen: int) -> None:
        if r.status_code != 200:
            self.stats.add("errors", f"batch: HTTP {r.status_code} {r.text[:300]}")
            return
        body = r.json()
        digest = body["rules_digest"]
        if r.headers.get("x-rules-digest") != digest:
            self.stats.add("errors", f"batch header digest {r.headers.get('x-rules-digest')} != body {digest}")
        if not self.check_digest(digest, start_gen, end_gen):
            return
        results = body["results"]
        if [x["id"] for x in results] != [f"f{n}-{facility}" for n, (facility, _) in enumerate(picks)]:
            self.stats.add("mismatches", f"batch ids out of order or missing: {[x['id'] for x in results][:10]}")
            return
        for n, (pick, result) in enumerate(zip(picks, results)):
            judgement = result.get("judgement")
            if judgement is not None and judgement["provenance"]["rules_digest"] != digest:
                self.stats.add("bad_digests", "a batch judged under two rules versions")
            self.compare("batch", digest, pick, judgement, result.get("error"), f"/items/{n}")

    # reloads ----------------------------------------------------------------------------------------
    def reloader(self, goods: list[str], good_digests: list[str], brokens: list[tuple[str, str]],
                 plan: list[str], warmed: threading.Event, report: dict) -> None:
        """Reload as the plan says, spread over the judgements; record every outcome. After the
        first --warm-reloads reloads, `rss_mark` is set and memory is read: two rule versions
        are resident during a swap, and the allocator keeps the highest peak seen for a while
        (it settles within about ten reloads under full load, then stays flat)."""
        report.update(ok=0, refused=0, failures=[], propagation_s=[], reload_s=[])
        current = 0  # index into goods of the active content
        next_broken = 0
        warmed.wait()
        http = httpx.Client(base_url=self.base, timeout=300, headers=AUTH)
        try:
            start = self.stats.judgements
            for k, action in enumerate(plan):
                if k == self.args.warm_reloads:
                    self.rss_mark.set()
                due = start + (k + 1) * max(0, self.args.judgements - start) / (len(plan) + 1)
                while self.stats.judgements < due and not self.stop.is_set():
                    time.sleep(0.02)
                if self.stop.is_set():
                    report["failures"].append(f"stopped before reload {k + 1}")
                    return
                old = good_digests[current]
                if action == "good":
                    new = (current + 1) % len(goods)
                    self.allowed.set({old, good_digests[new]})  # either may answer until all workers follow
                    write_atomic(self.rules / TARGET, goods[new])
                    t0 = time.monotonic()
                    r = http.post("/v1/admin/reload")
                    report["reload_s"].append(time.monotonic() - t0)
                    if r.status_code != 200 or r.json().get("digest") != good_digests[new] \
                            or r.headers.get("x-rules-digest") != good_digests[new]:
                        report["failures"].append(f"good reload {k + 1}: HTTP {r.status_code} {r.text[:500]}")
                        return
                    report["ok"] += 1
                    current = new
                    waited = self.converge(good_digests[new], time.monotonic())
                    if waited is None:
                        report["failures"].append(f"reload {k + 1}: workers did not all follow within 180 s")
                        return
                    report["propagation_s"].append(waited)
                    self.allowed.set({good_digests[new]})
                else:
                    hostile: list[Path] = []
                    if action == "broken":
                        name, text = brokens[next_broken % len(brokens)]
                        next_broken += 1
                        write_atomic(self.rules / TARGET, text)
                    else:  # rule files that pass lint but hang durable-rules
                        name = action
                        hostile = hostile_files(self.rules)
                    t0 = time.monotonic()
                    r = http.post("/v1/admin/reload")
                    report["reload_s"].append(time.monotonic() - t0)
                    for path in hostile:
                        shutil.rmtree(path) if path.is_dir() else path.unlink()
                    write_atomic(self.rules / TARGET, goods[current])  # the same bytes: the same digest
                    problem = r.headers.get("content-type", "").startswith("application/problem+json")
                    if r.status_code != 422 or not problem or r.headers.get("x-rules-digest") != old:
                        report["failures"].append(f"{name} reload {k + 1}: HTTP {r.status_code} "
                                                  f"{r.headers.get('x-rules-digest')} {r.text[:500]}")
                        return
                    report["refused"] += 1
                    report.setdefault("refusals", Counter())[name] += 1
                    if hostile:
                        report.setdefault("hostile_detail", []).append(r.json()["detail"][:300])
                ready = httpx.get(f"{self.base}/readyz", timeout=60)  # still serving
                if ready.status_code != 200 or ready.json()["rules_digest"] != good_digests[current]:
                    report["failures"].append(f"after reload {k + 1}: readyz {ready.status_code} {ready.text[:300]}")
                    return
        except httpx.HTTPError as exc:
            report["failures"].append(f"reload request failed: {type(exc).__name__}: {exc}")
        finally:
            http.close()
            self.rss_mark.set()
            self.reloads_done.set()

    def converge(self, digest: str, since: float, limit: float = 180.0) -> float | None:
        """Seconds until every client's latest answer, to a request sent after `since`, carries
        the digest: each client keeps its connection to one worker, so then every worker serving
        traffic has followed the reload. None if not within the limit."""
        while time.monotonic() - since < limit:
            if all(done or (sent >= since and seen == digest)
                   for done, (sent, seen) in zip(self.finished, self.latest)):
                return time.monotonic() - since
            time.sleep(0.02)
        return None


def reload_plan(count: int, hostile: bool, broken_every: int) -> list[str]:
    """Every n-th reload broken; the hostile files (if asked) twice, in place of broken ones."""
    plan = ["broken" if k % broken_every == broken_every - 1 else "good" for k in range(count)]
    if hostile:
        broken = [k for k, action in enumerate(plan) if action == "broken"]
        for k in (broken[len(broken) // 3:len(broken) // 3 + 1] + broken[2 * len(broken) // 3:][:1]):
            plan[k] = "hostile (hangs durable-rules)"
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI size: 3,000 judgements, 6 reloads, batches up to 20")
    parser.add_argument("--judgements", type=int, help="facilities to judge, at least (default 100,000)")
    parser.add_argument("--reloads", type=int, help="reloads during the run (default 100)")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-max", type=int, help="largest batch (2..this facilities; default 40, quick 20)")
    parser.add_argument("--single-share", type=float, default=0.5, help="share of requests that are single")
    parser.add_argument("--hostile", action=argparse.BooleanOptionalAction, default=None,
                        help="also reload rule sets that hang/crash durable-rules (default: on, off with --quick)")
    parser.add_argument("--build-timeout", type=int, default=10, help="HAZARD_BUILD_TIMEOUT for the server")
    parser.add_argument("--max-seconds", type=float, help="give up after this long (default 7,200; quick 180)")
    parser.add_argument("--warm-reloads", type=int, help="reloads before memory is first read (default 10 %%, at least 2)")
    parser.add_argument("--rss-tolerance", type=float,
                        help="allowed change of worker RSS over the second half of the run (default 0.10; "
                             "quick 0.25: too short to reach the working size)")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--json", type=Path, help="also write the summary here as JSON")
    args = parser.parse_args(argv)
    args.judgements = args.judgements or (3_000 if args.quick else 100_000)
    args.reloads = args.reloads if args.reloads is not None else (6 if args.quick else 100)
    args.batch_max = args.batch_max or (20 if args.quick else 40)
    args.warm_reloads = args.warm_reloads if args.warm_reloads is not None else max(2, args.reloads // 10)
    args.rss_tolerance = args.rss_tolerance if args.rss_tolerance is not None else (0.25 if args.quick else 0.10)
    args.hostile = (not args.quick) if args.hostile is None else args.hostile
    args.max_seconds = args.max_seconds or (180 if args.quick else 7_200)
    started = dt.datetime.now(dt.UTC)
    t_start = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="hazard-stress-") as tmp:
        tmp_path = Path(tmp)
        rules = copy_rules(tmp_path / "rules")
        original = (rules / TARGET).read_text(encoding="utf-8")
        goods, brokens = good_variants(original), broken_variants(original)

        # One oracle per good variant, loaded from a complete copy with that content.
        bundle = load(rules)
        days = judge_days(bundle, also=tuple(FIXED_DAYS))
        rng = random.Random(args.seed)
        corpus = facilities(bundle, 3_000, seed=args.seed)
        randoms = [random_facts(bundle.vocabulary, rng, nulls=0.05) for _ in range(1_000)]
        wrongs = [wrong_facts(bundle, rng, rng.choice(corpus)) for _ in range(100)]
        pool = corpus + randoms + wrongs
        oracles = Oracles(pool, days)
        good_digests = []
        for n, text in enumerate(goods):
            variant = copy_rules(tmp_path / f"variant{n}")
            write_atomic(variant / TARGET, text)
            good_digests.append(oracles.add(variant))
        assert len(set(good_digests)) == len(goods) and good_digests[0] == bundle.digest

        env = {"HAZARD_BUILD_TIMEOUT": str(args.build_timeout)}
        with running_server(rules, workers=args.workers, token=TOKEN, **env) as (base, proc):
            workers_start = worker_pids(proc.pid)
            if len(workers_start) != args.workers:
                print(f"expected {args.workers} worker processes, found {workers_start}", file=sys.stderr)
                return 2
            allowed = Allowed(good_digests[0])
            run = Run(args, base, rules, oracles, allowed, days)
            warmed = threading.Event()
            reload_report: dict[str, Any] = {}
            plan = reload_plan(args.reloads, args.hostile, 3 if args.quick else 4)
            reloader = threading.Thread(target=run.reloader, args=(goods, good_digests, brokens, plan, warmed,
                                                                   reload_report))
            clients = [threading.Thread(target=run.client, args=(i,), daemon=True) for i in range(args.clients)]
            reloader.start()
            for c in clients:
                c.start()
            # Warm-up: 5 % of the judgements before reloads begin, and the first reloads (10 %), before
            # memory is read: the rest of the run must leave it where it is then.
            rss_cold = {pid: rss_kib(pid) for pid in workers_start}
            warm = max(200, args.judgements // 20)
            while run.stats.judgements < warm and not run.stop.is_set() and any(c.is_alive() for c in clients):
                time.sleep(0.05)
            warmed.set()
            while not run.rss_mark.wait(0.5) and any(c.is_alive() for c in clients):
                pass
            rss_start = {pid: rss_kib(pid) for pid in workers_start}
            rss_series = [(round(time.monotonic() - t_start, 1), sum(rss_start.values()))]
            while alive := [c for c in clients if c.is_alive()]:
                alive[0].join(timeout=5)
                try:
                    rss_series.append((round(time.monotonic() - t_start, 1),
                                       sum(rss_kib(pid) for pid in workers_start)))
                except (OSError, RuntimeError):
                    pass
                if not args.quick and len(rss_series) % 6 == 0:  # about every 30 s
                    st = run.stats
                    print(f"[{time.monotonic() - t_start:6.0f} s] sent {st.judgements:,}, checked "
                          f"{st.judged + st.refused_ok:,}, errors {len(st.errors)}, mismatches {len(st.mismatches)}, "
                          f"bad digests {len(st.bad_digests)}, reloads {reload_report.get('ok', 0)} ok / "
                          f"{reload_report.get('refused', 0)} refused, RSS {rss_series[-1][1] / 1024:.0f} MiB",
                          file=sys.stderr, flush=True)
                if time.monotonic() > run.deadline + 120:
                    run.stop.set()
                    run.stats.add("errors", "clients did not finish")
                    break
            reloader.join(timeout=600)
            workers_end = worker_pids(proc.pid)
            try:
                rss_end = {pid: rss_kib(pid) for pid in workers_start}
            except (OSError, RuntimeError):
                rss_end = {pid: 0 for pid in workers_start}
    stats = run.stats
    elapsed = time.monotonic() - t_start
    rss_change = sum(rss_end.values()) / sum(rss_start.values()) - 1
    # Memory rises to its working size over the first minutes of full load (with or without
    # reloads; see RELIABILITY.md), then stays: the check is on the second half of the run.
    middle = (rss_series[0][0] + rss_series[-1][0]) / 2
    rss_mid = next(v for t, v in rss_series if t >= middle)
    rss_late_change = sum(rss_end.values()) / rss_mid - 1
    lat = sorted(stats.latencies) or [0.0]
    summary = {
        "date": started.isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "clients": args.clients, "workers": args.workers,
        "judgements_sent": stats.judgements, "requests": stats.requests,
        "single_requests": stats.singles, "batch_requests": stats.batches,
        "answers_equal_to_oracle": stats.judged, "wrong_facts_refused_by_name": stats.refused_ok,
        "errors": len(stats.errors), "mismatches": len(stats.mismatches), "bad_digests": len(stats.bad_digests),
        "reloads_planned": len(plan), "reloads_ok": reload_report.get("ok", 0),
        "reloads_refused": reload_report.get("refused", 0),
        "refusals": dict(reload_report.get("refusals", {})),
        "reload_failures": reload_report.get("failures", []),
        "hostile_detail": reload_report.get("hostile_detail", []),
        "reload_seconds_max": round(max(reload_report.get("reload_s") or [0]), 2),
        "reload_seconds_mean": round(sum(reload_report.get("reload_s") or [0]) / max(1, len(reload_report.get("reload_s") or [])), 2),
        "propagation_seconds_max": round(max(reload_report.get("propagation_s") or [0]), 2),
        "propagation_seconds_mean": round(sum(reload_report.get("propagation_s") or [0]) / max(1, len(reload_report.get("propagation_s") or [])), 2),
        "digests_seen": len(stats.digests_seen),
        "warm_reloads": args.warm_reloads, "rss_tolerance": args.rss_tolerance,
        "rss_kib_cold": rss_cold, "rss_kib_start": rss_start, "rss_kib_end": rss_end, "rss_change": round(rss_change, 4),
        "rss_kib_mid_total": rss_mid, "rss_change_second_half": round(rss_late_change, 4),
        "rss_kib_max_total": max(v for _, v in rss_series),
        "rss_series_kib": rss_series,
        "workers_start": workers_start, "workers_end": workers_end,
        "latency_ms_p50": round(1000 * lat[len(lat) // 2], 1), "latency_ms_p99": round(1000 * lat[int(len(lat) * 0.99)], 1),
        "seconds": round(elapsed, 1), "judgements_per_second": round(stats.judgements / elapsed, 1),
        "error_samples": stats.errors[:5], "mismatch_samples": stats.mismatches[:3],
        "bad_digest_samples": stats.bad_digests[:5],
    }
    checks = {
        f"sent >= {args.judgements}": stats.judgements >= args.judgements,
        "errors == 0": not stats.errors,
        "every judgement checked": stats.judged + stats.refused_ok == stats.judgements,
        "mismatches == 0": not stats.mismatches,
        "every digest allowed": not stats.bad_digests,
        f"reloads {len(plan)} done as planned": not reload_report.get("failures")
        and reload_report.get("ok", 0) + reload_report.get("refused", 0) == len(plan),
        f"RSS flat over the second half (±{args.rss_tolerance:.0%})": abs(rss_late_change) <= args.rss_tolerance,
        "no worker died": workers_end == workers_start,
    }
    summary["checks"] = checks
    print_table(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0 if all(checks.values()) else 1


def print_table(s: dict[str, Any]) -> None:
    mib = lambda kib: f"{kib / 1024:.1f} MiB"  # noqa: E731
    rows = [
        ("date (UTC)", s["date"]), ("mode", f"{s['mode']}: {s['workers']} workers, {s['clients']} clients"),
        ("judgements sent", f"{s['judgements_sent']:,} in {s['requests']:,} requests "
                            f"({s['single_requests']:,} single, {s['batch_requests']:,} batch)"),
        ("answers equal to the oracle", f"{s['answers_equal_to_oracle']:,}"),
        ("wrong facts refused by name", f"{s['wrong_facts_refused_by_name']:,}"),
        ("errors", s["errors"]), ("mismatches", s["mismatches"]),
        ("digests not allowed", s["bad_digests"]),
        ("reloads ok / refused", f"{s['reloads_ok']} / {s['reloads_refused']} (of {s['reloads_planned']}; "
                                 + ", ".join(f"{k} {v}" for k, v in sorted(s["refusals"].items())) + ")"),
        ("reload / all workers following", f"mean {s['reload_seconds_mean']} s, max {s['reload_seconds_max']} s / "
                                           f"mean {s['propagation_seconds_mean']} s, max {s['propagation_seconds_max']} s"),
        ("rules digests seen", s["digests_seen"]),
        ("worker RSS before traffic", " + ".join(mib(v) for v in s["rss_kib_cold"].values())),
        (f"worker RSS after {s['warm_reloads']} reloads → end", " + ".join(mib(v) for v in s["rss_kib_start"].values()) + " → "
         + " + ".join(mib(v) for v in s["rss_kib_end"].values()) + f" ({s['rss_change']:+.1%})"),
        ("worker RSS mid-run → end (total)", f"{mib(s['rss_kib_mid_total'])} → {mib(sum(s['rss_kib_end'].values()))} "
                                             f"({s['rss_change_second_half']:+.1%}; max {mib(s['rss_kib_max_total'])})"),
        ("workers start → end", f"{s['workers_start']} → {s['workers_end']}"),
        ("latency p50 / p99", f"{s['latency_ms_p50']} ms / {s['latency_ms_p99']} ms per request"),
        ("duration", f"{s['seconds']} s ({s['judgements_per_second']:,} judgements/s)"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"| {'measure':{width}} | result |\n|{'-' * (width + 2)}|---|")
    for key, value in rows:
        print(f"| {key:{width}} | {value} |")
    print()
    for name, ok in s["checks"].items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    for label, key in (("error", "error_samples"), ("mismatch", "mismatch_samples"), ("digest", "bad_digest_samples"),
                       ("reload failure", "reload_failures")):
        for sample in s[key]:
            print(f"{label}: {sample}")


if __name__ == "__main__":
    sys.exit(main())
