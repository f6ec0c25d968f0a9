"""Regression tests for durable-rules 2.0.28's known faults, each through the project's adapter
(engine.durable_backend / Engine), proving its workaround holds.

Where the fault itself is cheap and safe to show, the raw C API is exercised too, so a test
fails loudly if a new durable-rules version changes the behaviour the workaround assumes.
Anything that could crash or hang the interpreter runs in a subprocess with a timeout: a
segfault there is a negative return code, not a dead test run.

Everything is generic over the bundle (engine.load("rules")): no fact of it is named here.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import engine
from bench import corpus
from engine import durable_backend
from engine.conditions import evaluate, expand, facts_of
from engine.errors import EngineFault, FactError
from rule_text import criterion, version_header

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
PYTHON = sys.executable
DAY = dt.date(2025, 6, 1)


# --- helpers --------------------------------------------------------------------------------

def judge_days(bundle) -> list[dt.date]:
    return corpus.judge_days(bundle, also=(DAY, dt.date(1990, 1, 1)))


def random_facts(vocab, rng: random.Random, present: float = 0.5) -> dict:
    return corpus.random_facts(vocab, rng, present)


def summary(j) -> tuple:
    return (j.classification, [(f.criterion, f.counts_toward_major) for f in j.findings],
            j.missing_facts.names(), [(c.rule, c.major) for c in j.combined])


def run_python(code: str, timeout: float = 120, args: tuple = ()) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def write_rules(root: Path, facts_yaml: str, criteria_yaml: str) -> Path:
    (root / "facts").mkdir(parents=True)
    (root / "standards" / "s").mkdir(parents=True)
    (root / "facts" / "f.yaml").write_text(textwrap.dedent(facts_yaml), encoding="utf-8")
    (root / "standards" / "s" / "v1.yaml").write_text(version_header("T-1") + textwrap.dedent(criteria_yaml), encoding="utf-8")
    return root


RAW_HELPERS = """
import json, durable_rules_engine as dre
def ruleset(rules):
    return dre.create_ruleset("raw", json.dumps(dict(rules, __warmup__={"all": [{"m": {"__warmup__": 1}}]})))
def run(h, sid, fact):
    return run_text(h, sid, json.dumps(dict(fact, sid=sid)))
def run_text(h, sid, text):
    code, st = dre.assert_fact(h, text)
    fired = []
    try:
        if code == 0:
            r = dre.start_action_for_state(h, st)
            while r:
                fired += json.loads(r[1] if isinstance(r, tuple) else r).keys()
                r = dre.complete_and_start_action(h, st)
    finally:
        dre.delete_state(h, sid)
    return fired
def rule(*parts):
    return {"all": [{"m": {"$and": [{"_b0": 1}, *parts]}}]}
"""


def raw(code: str, timeout: float = 30) -> dict:
    """Run code against the raw C API in a subprocess; it prints one JSON line."""
    done = run_python(RAW_HELPERS + textwrap.dedent(code), timeout=timeout)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def bundle():
    return engine.load(RULES)


@pytest.fixture(scope="module")
def engines(bundle):
    durable = engine.Engine(bundle, "durable")
    oracle = engine.Engine(bundle, "oracle")
    yield durable, oracle
    durable.close()


# --- first-fact crash ---------------------------------------------------------------------------

CHILD = """
import datetime as dt, json, random, sys
sys.path.insert(0, "tests")
import engine
from engine import durable_backend
from test_durable_faults import random_facts, judge_days

seed = int(sys.argv[1])
bundle = engine.load("rules")
first = []
original = durable_backend._drain
def spy(handle, sid, fact):
    fired = original(handle, sid, fact)
    first.append((sorted(fact), fired))
    return fired
durable_backend._drain = spy
ruleset = durable_backend.DurableRuleset({t: (v.key, n) for t, (v, n) in bundle.conditions.items()})
durable_backend._drain = original
assert first[0] == (["__warmup__"], ["__warmup__"]), first[0]   # the first fact matches (only) the warm-up rule
# straight away: facts that match no rule (no bucket of any version is on)
rng = random.Random(seed)
values = bundle.vocabulary.check(random_facts(bundle.vocabulary, rng))
assert durable_backend._drain(ruleset._handles[0], f"nomatch{seed}", dict(values)) == []
assert all(s is None or s is False for s in ruleset.statuses(values, []).values())
ruleset.close()
# and through an Engine: a day on which no version is in force, then 200 random judgements
with engine.Engine(bundle) as e:
    assert e.judge({}, dt.date(1900, 1, 1)).classification in ("none", "indeterminate")
    days = judge_days(bundle)
    for i in range(200):
        e.judge(random_facts(bundle.vocabulary, rng, rng.random()), rng.choice(days))
print("ok")
"""


def test_first_fact_matching_nothing_does_not_crash_fresh_processes():
    procs = [subprocess.Popen([PYTHON, "-c", CHILD, str(seed)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for seed in range(10)]
    results = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        results.append((p.returncode, out.strip(), err[-1500:]))
    assert all(code == 0 and out == "ok" for code, out, _ in results), results


def test_first_fact_of_a_new_ruleset_is_the_bare_warm_up(monkeypatch, bundle):
    """The warm-up is the first fact and matches the warm-up rule; only then the widest case."""
    calls = []
    original = durable_backend._drain

    def spy(handle, sid, fact):
        fired = original(handle, sid, fact)
        calls.append((dict(fact), fired))
        return fired

    monkeypatch.setattr(durable_backend, "_drain", spy)
    ruleset = durable_backend.DurableRuleset({t: (v.key, n) for t, (v, n) in bundle.conditions.items()})
    try:
        assert calls[0] == ({durable_backend.WARMUP: 1}, [durable_backend.WARMUP])
        widest, fired = calls[1]
        buckets = {b for bs in ruleset._bucket_of_version.values() for b in bs}
        assert set(widest) == {durable_backend.WARMUP} | buckets     # every bucket on, every fact missing
        assert durable_backend.WARMUP in fired
    finally:
        ruleset.close()


# --- more than 1,024 sessions ------------------------------------------------------------------------

def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_sessions_are_deleted_3000_judgements_flat_rss(engines, bundle):
    durable, _ = engines
    rng = random.Random(7)
    facts = [random_facts(bundle.vocabulary, rng, rng.random()) for _ in range(200)]
    # sessions, not rules, are under test: the day with the fewest conditions in force keeps it quick
    size = {d: sum(len(v.criteria) for v in bundle.versions_on(d) if v.meta.encoded) for d in judge_days(bundle)}
    day = min((d for d in size if size[d]), key=size.get)
    for i in range(300):                      # warm-up: pydantic, caches, allocator
        durable.judge(facts[i % 200], day)
    gc.collect()
    before = _rss_kb()
    for i in range(3000):
        durable.judge(facts[i % 200], day)
    gc.collect()
    grown = _rss_kb() - before
    print(f"RSS {before} kB -> {before + grown} kB over 3,000 judgements")
    assert grown < 4 * 1024, f"RSS grew {grown} kB over 3,000 judgements"


def test_raw_sessions_not_deleted_exhaust_at_1024():
    """The fault the adapter's `finally: delete_state` avoids (pinned on the raw API)."""
    result = raw("""
        h = ruleset({"r": rule({"x": 1})})
        run(h, "w", {"__warmup__": 1})
        failed_at = None
        for i in range(1100):
            try:
                dre.assert_fact(h, json.dumps({"_b0": 1, "x": 2, "sid": f"s{i}"}))   # matches nothing, never deleted
            except Exception:
                failed_at = i
                break
        print(json.dumps({"failed_at": failed_at}))
    """)
    assert result["failed_at"] is not None and 1000 <= result["failed_at"] <= 1024, result


def test_failed_assert_does_not_leak_its_session(monkeypatch, bundle):
    """Error 303 (alpha stack of 64) leaves the session allocated; without deleting it, 1,024
    failed judgements make every later one fail with MemoryError (and RSS near 1 GB)."""
    # one bucket guard with 70 comparisons that all match: more than 63 siblings at once
    result = raw("""
        rules = {f"r{i}": rule({"$lt": {f"x{i}": 5}}) for i in range(70)}
        h = ruleset(rules)
        run(h, "w", {"__warmup__": 1})
        bad = dict({f"x{i}": 1 for i in range(70)}, _b0=1)
        errors = 0
        for i in range(1100):
            try:
                run(h, f"s{i}", bad)
            except dre.error as exc:
                errors += "303" in str(exc)
                try:
                    dre.delete_state(h, f"s{i}")
                except dre.error:
                    pass
        print(json.dumps({"errors": errors, "after": run(h, "z", {"_b0": 1, "x1": 1})}))
    """, timeout=60)
    assert result == {"errors": 1100, "after": ["r1"]}
    # the adapter does the same deletion inside _drain
    with engine.Engine(bundle) as e:
        deleted = []
        real_delete = durable_backend.dre.delete_state

        def failing_assert(h, text):
            raise durable_backend.dre.error("Could not assert fact, error code: 303")

        monkeypatch.setattr(durable_backend.dre, "assert_fact", failing_assert)
        monkeypatch.setattr(durable_backend.dre, "delete_state", lambda h, sid: deleted.append(sid) or real_delete(h, sid))
        with pytest.raises(EngineFault):
            e._evaluator.statuses({}, [v.key for v in bundle.versions])
        assert len(deleted) == 1      # the failed session was deleted (here: 309, not found, ignored)
        monkeypatch.undo()
        assert e.judge({}, DAY).classification in ("none", "indeterminate")


# --- action errors swallowed into state -------------------------------------------------------------

def test_raw_host_swallows_an_action_error_into_the_state():
    """durable-rules' Python host catches an exception raised in an action and writes it into
    the session's state: the caller gets an answer, not the error. The adapter runs no Python
    actions (the raw C API; matches are read as messages), so nothing can be swallowed there."""
    done = run_python(textwrap.dedent("""
        import json
        from durable.lang import assert_fact, m, ruleset, when_all
        with ruleset("swallow"):
            @when_all(m.x > 1)
            def act(c):
                raise ValueError("boom in action")
        print(json.dumps(assert_fact("swallow", {"x": 5})))
    """), timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert "boom in action" in state["exception"]  # the error is in the state; nothing was raised


def test_the_engine_never_loads_durable_rules_python_host():
    done = run_python(textwrap.dedent("""
        import datetime as dt, json, sys
        import engine
        with engine.Engine(engine.load("rules")) as e:
            e.judge({}, dt.date(2025, 6, 1))
        print(json.dumps(sorted(m for m in sys.modules if m == "durable" or m.startswith("durable."))))
    """))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("failure", ["error", "not json", "a list", "two rules"])
def test_a_failure_while_reading_matches_is_a_fault_never_an_answer(monkeypatch, bundle, failure):
    """Reading the matches of a judgement can fail (a durable-rules error, or a message that is not
    what the adapter expects): the judgement fails as an EngineFault (503 over the API), its
    session is deleted, and the next judgement is right."""
    facts = {name: True for name, f in bundle.vocabulary.facts.items() if f.type == "boolean"}
    message = {"not json": "T1_0 fired", "a list": '["T1_0"]', "two rules": '{ "T1_0": {}, "T2_0": {} }'}.get(failure)
    with engine.Engine(bundle) as e, engine.Engine(bundle, "oracle") as oracle:
        want = summary(oracle.judge(facts, DAY))
        deleted = []
        real_delete = durable_backend.dre.delete_state
        real_start = durable_backend.dre.start_action_for_state

        def broken_start(h, state):
            if message is None:
                raise durable_backend.dre.error("Could not start action, error code: 1")
            real_start(h, state)
            return message

        monkeypatch.setattr(durable_backend.dre, "start_action_for_state", broken_start)
        monkeypatch.setattr(durable_backend.dre, "delete_state", lambda h, sid: deleted.append(sid) or real_delete(h, sid))
        with pytest.raises(EngineFault):
            e.judge(facts, DAY)
        assert deleted
        monkeypatch.undo()
        assert summary(e.judge(facts, DAY)) == want


# --- type coercion ---------------------------------------------------------------------------------------

def test_raw_durable_coerces_types_silently():
    result = raw("""
        h = ruleset({"gt40": rule({"$gt": {"n": 40}}), "isfalse": rule({"b": False}), "lt2": rule({"$lt": {"n": 2}})})
        run(h, "w", {"__warmup__": 1})
        print(json.dumps({"str50": run(h, "a", {"_b0": 1, "n": "50"}), "strfalse": run(h, "b", {"_b0": 1, "b": "false"}),
                          "zero": run(h, "c", {"_b0": 1, "b": 0}), "true": run(h, "d", {"_b0": 1, "n": True})}))
    """)
    assert result == {"str50": ["gt40"], "strfalse": ["isfalse"], "zero": ["isfalse"], "true": ["lt2"]}


def test_engine_refuses_coercible_values_before_durable(monkeypatch, engines, bundle):
    durable, _ = engines
    facts = bundle.vocabulary.facts
    by_type = {}
    for name, f in facts.items():
        by_type.setdefault(f.type, name)
    bad = []
    if "integer" in by_type:
        bad += [{by_type["integer"]: "50"}, {by_type["integer"]: True}, {by_type["integer"]: 2.5}]
    if "number" in by_type:
        bad += [{by_type["number"]: "1.5"}, {by_type["number"]: False}, {by_type["number"]: float("nan")},
                {by_type["number"]: float("inf")}]
    if "boolean" in by_type:
        bad += [{by_type["boolean"]: "false"}, {by_type["boolean"]: 0}, {by_type["boolean"]: 1}, {by_type["boolean"]: "true"}]
    if "enum" in by_type:
        bad += [{by_type["enum"]: "no-such-code"}, {by_type["enum"]: 1}]
    assert len(bad) >= 6
    calls = []
    monkeypatch.setattr(durable_backend.dre, "assert_fact", lambda *a: calls.append(a))
    for facts_in in bad:
        with pytest.raises(FactError) as err:
            durable.judge(facts_in, DAY)
        assert next(iter(facts_in)) in str(err.value)
    assert calls == []   # nothing reached durable-rules


# --- missing facts: unknown (P rules), never silently false ----------------------------------------------

def test_raw_missing_attribute_is_a_silent_non_match():
    result = raw("""
        h = ruleset({"ne": rule({"$neq": {"x": 1}}), "lt": rule({"$lt": {"x": 5}}), "nex": rule({"$nex": {"x": 1}})})
        run(h, "w", {"__warmup__": 1})
        print(json.dumps({"missing": sorted(run(h, "a", {"_b0": 1}))}))
    """)
    assert result == {"missing": ["nex"]}     # `x != 1` and `x < 5` are simply not matched


def test_raw_missing_right_hand_fact_matches_every_comparison():
    """`x < $m y` AND `x > $m y` both match when y is missing: why the adapter requires `$ex y`."""
    result = raw("""
        ops = ["$lt", "$lte", "$gt", "$gte", "$eq", "$neq"]
        h = ruleset({op: rule({op: {"x": {"$m": "y"}}}) for op in ops})
        run(h, "w", {"__warmup__": 1})
        print(json.dumps({"y_missing": sorted(run(h, "a", {"_b0": 1, "x": 3})), "y_present": sorted(run(h, "b", {"_b0": 1, "x": 3, "y": 100}))}))
    """)
    assert result["y_missing"] == sorted(["$lt", "$lte", "$gt", "$gte", "$eq", "$neq"])
    assert result["y_present"] == sorted(["$lt", "$lte", "$neq"])


def test_every_condition_is_unknown_with_every_fact_missing(engines, bundle):
    durable, oracle = engines
    keys = [v.key for v in bundle.versions if v.meta.encoded]
    got = durable._evaluator.statuses({}, keys)
    assert got and set(got.values()) == {None}
    assert got == oracle._evaluator.statuses({}, keys)


def test_each_needed_fact_missing_gives_unknown_not_false(engines, bundle):
    """For each condition: complete facts that make it hold, then each fact it uses left out in
    turn. durable-rules must say what the oracle says, and that is often unknown, never a
    silent false where a fact was needed."""
    durable, _ = engines
    rng = random.Random(3)
    holding: dict[str, dict] = {}
    for _ in range(400):
        values = bundle.vocabulary.check(random_facts(bundle.vocabulary, rng, 1.0))
        for test_id, (_, node) in bundle.conditions.items():
            if test_id not in holding and evaluate(node, values) is True:
                holding[test_id] = values
    assert len(holding) >= len(bundle.conditions) // 2
    unknown = 0
    for test_id, values in holding.items():
        version, node = bundle.conditions[test_id]
        for name in sorted(facts_of(expand(node))):
            less = {k: v for k, v in values.items() if k != name}
            want = evaluate(node, less)
            assert want is not False
            got = durable._evaluator.statuses(less, [version.key])[test_id]
            assert got == want, (test_id, name, got, want)
            unknown += want is None
    assert unknown > len(holding)


def test_fact_vs_fact_with_other_fact_missing_is_unknown(tmp_path):
    rules_dir = write_rules(tmp_path / "r", """
        facts:
          a: {type: number, label: a, description: d, minimum: 0, maximum: 100}
          b: {type: number, label: b, description: d, minimum: 0, maximum: 100}
          c: {type: boolean, label: c, description: d}
        """, criterion("lt", "{fact: a, lt: {fact: b, percent: 80}}") + criterion("gt", "{fact: a, gt: {fact: b}}")
        + criterion("any", "{any: [{fact: c, eq: true}, {fact: a, ge: {fact: b, percent: 50}}]}"))
    b = engine.load(rules_dir)
    with engine.Engine(b) as e:
        keys = [v.key for v in b.versions]
        for facts_in in ({"a": 0}, {"a": 50}, {"a": 100}, {"a": 3, "c": False}, {"b": 10}):
            got = e._evaluator.statuses(b.vocabulary.check(facts_in), keys)
            assert got == {"lt": None, "gt": None, "any": None}, (facts_in, got)
        assert e.judge({"a": 0, "c": False}, DAY).classification == "indeterminate"
        # the compiled T pattern requires the other fact to exist
        t_rules = durable_backend._rules_for("_b0", b.conditions["lt"][1], 0)
        assert {"$ex": {durable_backend._key("b"): 1}} in t_rules["T0_0"]["all"][0]["m"]["$and"]


# --- numbers and names durable-rules' parser and session model get wrong ------------------------------------

def test_raw_parser_rejects_exponent_without_decimal_point():
    """Python writes 1e-05 and 1e+16; durable-rules' JSON parser wants a '.' before the 'e'."""
    result = raw("""
        h = ruleset({"r": rule({"$lt": {"x": 1}})})
        run(h, "w", {"__warmup__": 1})
        out = {}
        for i, text in enumerate(["1e-05", "1.0e-05", "0.00001", "1e+16", "1.0e+16"]):
            try:
                out[text] = run_text(h, f"p{i}", '{"_b0": 1, "x": %s, "sid": "p%d"}' % (text, i))
            except dre.error as exc:
                out[text] = str(exc)[-3:]
        print(json.dumps(out))
    """)
    assert result == {"1e-05": "204", "1.0e-05": ["r"], "0.00001": ["r"], "1e+16": "204", "1.0e+16": []}


def test_numbers_python_writes_with_an_exponent_are_judged(engines, bundle):
    durable, oracle = engines
    numbers = [n for n, f in bundle.vocabulary.facts.items() if f.type == "number"]
    if not numbers:
        pytest.skip("no number facts in the bundle")
    checked = []
    for name in numbers:
        f = bundle.vocabulary.facts[name]
        for value in (1e-05, 2.5e-07, 5e-324, 1e16, 1.5e300, -1e-05, float(f.maximum or 0) / 3):
            facts_in = {name: value}
            try:
                bundle.vocabulary.check(facts_in)
            except FactError:
                continue   # out of this fact's range
            checked.append(value)
            assert summary(durable.judge(facts_in, DAY)) == summary(oracle.judge(facts_in, DAY))
    assert any("e" in repr(v) for v in checked), checked
    assert durable_backend._dumps({"x": 1e-05, "y": [1e16, -2.5e-07], "z": 0.5, "b": True}) == \
        '{"x":1.0e-05,"y":[1.0e+16,-2.5e-07],"z":0.5,"b":true}'


def test_facts_named_like_engine_keys_are_namespaced(tmp_path):
    """`sid` and `id` are legal fact names; unprefixed, `sid` was overwritten by the session id and
    `id` taken as the fact's identity: wrong statuses, and a segfault (so: in a subprocess)."""
    rules_dir = write_rules(tmp_path / "r", """
        facts:
          sid: {type: boolean, label: s, description: d}
          id: {type: integer, label: i, description: d, minimum: 0, maximum: 10}
          t: {type: boolean, label: t, description: d}
          n: {type: integer, label: n, description: d, minimum: 0, maximum: 10}
        """, criterion("s", "{fact: sid, eq: true}") + criterion("i", "{any: [{fact: id, ge: 3}, {fact: t, eq: true}]}")
        + criterion("n", "{fact: n, lt: {fact: id}}"))
    code = f"""
import random, sys
sys.path.insert(0, "tests")
import engine
from engine import durable_backend
from test_durable_faults import random_facts
b = engine.load({str(rules_dir)!r})
keys = [v.key for v in b.versions]
assert all(durable_backend._key(n).startswith("f_") for n in b.vocabulary.facts)
rng = random.Random(5)
with engine.Engine(b) as e, engine.Engine(b, "oracle") as o:
    cases = [{{"sid": True}}, {{"sid": False}}, {{"id": 0}}, {{"id": 4}}, {{"id": 1, "t": False}}, {{"sid": True, "id": 9}}]
    cases += [random_facts(b.vocabulary, rng, rng.random()) for _ in range(500)]
    for facts_in in cases:
        values = b.vocabulary.check(facts_in)
        assert e._evaluator.statuses(values, keys) == o._evaluator.statuses(values, keys), facts_in
print("ok")
"""
    done = run_python(code, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", (done.returncode, done.stderr[-2000:])


# --- the `$nex`-only / self-match loop ---------------------------------------------------------------------

def test_raw_nex_only_pattern_matches_the_engines_own_state_message():
    result = raw("""
        h = ruleset({"nexonly": {"all": [{"m": {"$nex": {"zz": 1}}}]}, "guarded": rule({"$nex": {"zz": 1}})})
        print(json.dumps({"fired": run(h, "a", {"_b0": 1})}))
    """)
    assert sorted(result["fired"]) == ["guarded", "nexonly", "nexonly"]   # fires twice: once for the state message


def test_every_compiled_pattern_starts_with_a_bucket_guard(monkeypatch, bundle):
    created = []
    original = durable_backend.dre.create_ruleset
    monkeypatch.setattr(durable_backend.dre, "create_ruleset", lambda name, text: created.append(text) or original(name, text))
    ruleset = durable_backend.DurableRuleset({t: (v.key, n) for t, (v, n) in bundle.conditions.items()})
    ruleset.close()
    rules = json.loads(created[0])
    assert rules.pop(durable_backend.WARMUP) == {"all": [{"m": {durable_backend.WARMUP: 1}}]}
    assert len(rules) == sum(durable_backend.rule_count(n) for _, (_, n) in bundle.conditions.items())
    buckets = {b for bs in ruleset._bucket_of_version.values() for b in bs}
    for name, body in rules.items():
        pattern = body["all"][0]["m"]
        assert list(pattern) == ["$and"], name
        guard = pattern["$and"][0]
        assert len(guard) == 1 and next(iter(guard)) in buckets and guard[next(iter(guard))] == 1, (name, guard)
        assert len(pattern["$and"]) >= 2
    # and straight from _rules_for, for every condition
    for i, (_, (_, node)) in enumerate(bundle.conditions.items()):
        for name, body in durable_backend._rules_for("_b7", node, i).items():
            assert body["all"][0]["m"]["$and"][0] == {"_b7": 1}, name


# --- limits: rejected at lint time, with a clear message, not a hang -------------------------------------------

LINT_CHILD = """
import json, sys
import engine
out = {}
for root in sys.argv[1:]:
    out[root] = [p.zh + " / " + p.en for p in engine.lint(root)]
print(json.dumps(out, ensure_ascii=False))
"""


def test_limits_rejected_at_lint_time(tmp_path):
    facts = """
        facts:
          e: {type: enum, label: e, description: d, values: {%s}}
          b1: {type: boolean, label: b1, description: d}
          b2: {type: boolean, label: b2, description: d}
          n: {type: integer, label: n, description: d, minimum: 0, maximum: 100}
        """ % ", ".join(f"v{i}: v{i}" for i in range(45))
    branch = ("{any: [{all: [{fact: b1, eq: true}, {fact: n, gt: 1}]}, {all: [{fact: b2, eq: true}, {fact: n, gt: 2}]}, "
              "{all: [{fact: b1, eq: false}, {fact: n, gt: 3}]}]}")
    cases = {
        "too_many_rules": criterion("c", "{all: [%s, %s, %s]}" % (branch, branch, branch)),           # 27 terms -> 54 rules
        "in_41": criterion("c", "{fact: e, in: [%s]}" % ", ".join(f"v{i}" for i in range(41))),
        "in_40": criterion("c", "{fact: e, in: [%s]}" % ", ".join(f"v{i}" for i in range(40))),
        "leaves_65": criterion("c", "{any: [%s]}" % ", ".join(f"{{fact: n, eq: {i}}}" for i in range(65))),
    }
    roots = {k: str(write_rules(tmp_path / k, facts, v)) for k, v in cases.items()}
    done = run_python(LINT_CHILD, timeout=120, args=tuple(roots.values()))
    assert done.returncode == 0, done.stderr[-2000:]
    problems = {k: json.loads(done.stdout)[v] for k, v in roots.items()}
    assert len(problems["too_many_rules"]) == 1 and "54" in problems["too_many_rules"][0] \
        and str(durable_backend.MAX_RULES_PER_CONDITION) in problems["too_many_rules"][0], problems
    assert len(problems["in_41"]) == 1 and "40" in problems["in_41"][0], problems
    assert problems["in_40"] == [], problems
    assert len(problems["leaves_65"]) == 1 and "64" in problems["leaves_65"][0], problems


def test_raw_rule_limit_is_4096_and_clean():
    """Past 4,096 rules create_ruleset fails with error 106 (cleanly, no hang)."""
    result = raw("""
        out = {}
        for n in (4095, 4096):   # plus the warm-up rule
            rules = {f"r{i}": {"all": [{"m": {"$and": [{f"_b{i // 48}": 1}, {f"x{i % 40}": True}]}}]} for i in range(n)}
            try:
                h = ruleset(rules); dre.delete_ruleset(h); out[n] = "ok"
            except dre.error as exc:
                out[n] = str(exc)[-3:]
        print(json.dumps(out))
    """, timeout=60)
    assert result == {"4095": "ok", "4096": "106"}


def test_bundle_beyond_one_ruleset_is_sharded_and_judges(tmp_path):
    """A bundle far beyond what one durable-rules ruleset takes (2,100 criteria: 4,200 rules,
    more than the 4,096 a ruleset holds; 88 buckets, while in one ruleset a 3× copy of the bundled
    rules, 27 buckets on at once, overflowed the 64-node match stack with error 303) is compiled
    into shards of at most SHARD_BUCKETS buckets, and judges as the oracle does. Built in a child
    process: a crash or hang stays there."""
    facts = "facts:\n" + "".join(f"  n{i}: {{type: integer, label: n{i}, description: d, minimum: 0, maximum: 9}}\n"
                                 for i in range(24))
    conds = "".join(criterion(f"c{i}", f"{{fact: n{i % 24}, lt: 5}}") for i in range(2100))
    rules_dir = write_rules(tmp_path / "big", facts, conds)
    code = f"""
import random, engine
from engine import durable_backend
b = engine.load({str(rules_dir)!r})
with engine.Engine(b) as durable, engine.Engine(b, "oracle") as oracle:
    shards = len(durable._evaluator._handles)
    assert shards == -(-88 // durable_backend.SHARD_BUCKETS), shards
    keys = [v.key for v in b.versions]
    rng = random.Random(7)
    for _ in range(30):
        values = b.vocabulary.check({{f"n{{i}}": rng.randint(0, 9) for i in range(24) if rng.random() < 0.8}})
        assert durable._evaluator.statuses(values, keys) == oracle._evaluator.statuses(values, keys)
print("ok", shards)
"""
    done = run_python(code, timeout=300)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.startswith("ok"), done.stdout


# --- the warm-up fact with every bucket on and every fact missing ---------------------------------------------------

def test_warm_up_of_bundled_rules_succeeds(monkeypatch, bundle):
    calls = []
    original = durable_backend._drain

    def spy(handle, sid, fact):
        fired = original(handle, sid, fact)
        calls.append((fact, fired))
        return fired

    monkeypatch.setattr(durable_backend, "_drain", spy)
    ruleset = durable_backend.DurableRuleset({t: (v.key, n) for t, (v, n) in bundle.conditions.items()})
    monkeypatch.undo()
    try:
        widest, fired = calls[-1]
        every = {b for bs in ruleset._bucket_of_version.values() for b in bs}
        assert every and every <= set(widest)
        # with every fact missing, every condition may hold: each one's P rule fired
        indexes = {int(name[1:].split("_")[0]) for name in fired if name.startswith("P")}
        assert indexes == set(range(len(bundle.conditions)))
        keys = [v.key for v in bundle.versions if v.meta.encoded]
        assert set(ruleset.statuses({}, keys).values()) == {None}
    finally:
        ruleset.close()


# --- thread safety ------------------------------------------------------------------------------------------

def test_eight_threads_share_one_durable_engine(engines, bundle):
    durable, oracle = engines
    days = judge_days(bundle)
    work = []
    for t in range(8):
        rng = random.Random(100 + t)
        cases = [(random_facts(bundle.vocabulary, rng, rng.random()), rng.choice(days)) for _ in range(500)]
        work.append([(facts_in, day, summary(oracle.judge(facts_in, day))) for facts_in, day in cases])
    mismatches, errors = [], []
    start = threading.Barrier(8)

    def worker(cases):
        start.wait()
        for facts_in, day, want in cases:
            try:
                got = summary(durable.judge(facts_in, day))
            except Exception as exc:  # noqa: BLE001 - every error counts
                errors.append(repr(exc))
                continue
            if got != want:
                mismatches.append((facts_in, day, got, want))

    threads = [threading.Thread(target=worker, args=(cases,)) for cases in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == [] and mismatches == [], (errors[:3], mismatches[:3])
