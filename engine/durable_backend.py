"""The only module that touches durable-rules: compile a bundle's conditions into rulesets
(one, or shards of a large list) and decide each condition as true, false or unknown through
its C core.

Each condition becomes two rules: T (the condition holds) and P (it could hold: every
comparison also passes when a fact it needs is missing). T fired ⇒ true; only P fired ⇒
unknown; neither ⇒ false. Only conditions that hold or might hold produce matches, which
is what durable-rules' cost grows with.

Measured behaviour this design follows (shared/reference/durable-rules-notes.md):
- the raw C API (no `Host`): no background threads, `delete_ruleset` for reloads;
- a fresh session per judgement, deleted in `finally`, also when the assert itself fails
  (1,024 live sessions is the limit);
- a synthetic rule matched by the first fact of a new ruleset (else `delete_state` may crash);
- a comparison with another fact holds only if that fact exists (`_holds`): durable-rules
  matches any comparison against a missing `$m` attribute;
- a guard first in every pattern (a bucket key), so no pattern can match the engine's own
  state message, and rules grouped into buckets so no network node gets too many siblings;
- buckets grouped into shards, one ruleset each, of no more buckets than the bundled rules
  have (`SHARD_BUCKETS`) and no more facts read than one durable-rules fact can hold
  (`SHARD_FACTS`: 255 properties at most, error 302); a judgement asserts into each shard
  holding a version in force only the facts that shard's rules read, so neither the vocabulary
  nor one version is bounded by what one fact holds. In one ruleset every bucket on waits at the root of durable-rules' depth-first walk,
  whose stack holds 64 nodes (error 303 when full): a list 3× the bundled one failed
  judgements. And a session allocates and zeroes state for every rule of its ruleset, which
  costs more per rule once it outgrows the CPU cache (a 10× ruleset: 21× the 1× session cost;
  ten 1× shards: 10×);
- all calls serialised under one lock: the C core has no locks of its own;
- JSON written for its own parser (`_dumps`): it rejects a number such as 1e-05 whose
  exponent has no decimal point before it (error 204), which Python writes for valid
  values below 1e-4 or from 1e16;
- fact names namespaced (`_key`): a fact called `sid` or `id` would otherwise be
  overwritten by, or read as, the engine's own session and fact identifiers.
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
from typing import Any

import durable_rules_engine as dre

from .conditions import All, AnyOf, Compare, Kleene, Node, Values, expand, facts_of
from .errors import EngineFault

BUCKET_RULES = 48     # rules per bucket, under the ~50 the notes measured as safe
SHARD_BUCKETS = 10    # buckets per ruleset: the bundled rules' 10 buckets in force at once are safe
# Properties a fact asserted here may hold: 252 (measured; a 253rd is refused with error 302,
# durable-rules keeps the rest of its 255 for itself). A judgement's fact for a shard holds the
# session id and the shard's bucket guards besides the facts the shard reads.
FACT_PROPERTIES = 252
SHARD_FACTS = FACT_PROPERTIES - 1 - SHARD_BUCKETS
MAX_RULES_PER_CONDITION = BUCKET_RULES
WARMUP = "__warmup__"
_WARMUP_RULE = {WARMUP: {"all": [{"m": {WARMUP: 1}}]}}
_OPS = {"eq": "$eq", "ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}

_LOCK = threading.Lock()
_names = itertools.count()
_sids = itertools.count()


def _key(name: str) -> str:
    """The attribute a fact is held under: never `sid`, `id`, a guard or the warm-up key
    (fact names start with a lower-case letter or digit; guards start with `_`)."""
    return f"f_{name}"


def _number(value: float) -> str:
    """A double as durable-rules' JSON parser reads it back exactly: repr() round-trips,
    but the parser only takes an exponent after a decimal point (`1.0e-05`, not `1e-05`)."""
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


@functools.lru_cache(maxsize=8192)
def _string(text: str) -> str:
    return json.dumps(text)


def _dumps(obj: Any) -> str:
    """JSON for durable-rules (rules and facts): json.dumps except for doubles."""
    kind = type(obj)
    if kind is dict:
        return "{" + ",".join(f"{_string(str(k))}:{_dumps(v)}" for k, v in obj.items()) + "}"
    if kind is bool:
        return "true" if obj else "false"
    if kind is int:
        return str(obj)
    if kind is float:
        return _number(obj)
    if kind is str:
        return _string(obj)
    if kind in (list, tuple):
        return "[" + ",".join(_dumps(v) for v in obj) + "]"
    return json.dumps(obj)


def _rule_of(message: str) -> str:
    """The rule named in an action message, '{"T3_0":{"m":{...the fact...}}}', read without
    parsing the fact (which costs more than the match itself). Every rule here has a single
    pattern, so a message names one rule; rule names hold no quotes."""
    if message.startswith('{"'):
        end = message.find('"', 2)
        if end > 2 and message.startswith('":{', end):
            return message[2:end]
    try:
        parsed = json.loads(message)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or len(parsed) != 1:
        raise EngineFault(f"unexpected durable-rules action message: {message[:200]!r}")
    return next(iter(parsed))


def _operand(node: Compare) -> Any:
    if node.other is None:
        return node.value
    ref: Any = {"$m": _key(node.other)}
    if node.ratio != 1:
        ref = {"$div": {"$l": {"$mul": {"$l": ref, "$r": float(node.ratio.numerator)}},
                        "$r": float(node.ratio.denominator)}}
    return ref


def _holds(leaf: Compare, may: bool = False) -> dict:
    """durable-rules pattern that matches when the comparison is true (may=True: or when the
    other fact of a fact-vs-fact comparison is missing)."""
    if leaf.op == "eq" and leaf.other is None:
        return {_key(leaf.fact): leaf.value}
    test = {_OPS[leaf.op]: {_key(leaf.fact): _operand(leaf)}}
    if leaf.other is None or may:
        return test
    # durable-rules does not fail a comparison whose right-hand `$m` attribute is missing: in
    # a minimal ruleset every operator matches (x < y and x > y both), in the bundle it varied
    # with the fact's other attributes; so `damaged > total × 50 %` held with `total` unknown.
    # Require the other fact to exist.
    return {"$and": [{"$ex": {_key(leaf.other): 1}}, test]}


Atom = Compare | AnyOf  # a comparison, or an `any` of comparisons


def _terms(node: Node) -> list[list[Atom]]:
    """The condition as an `any` of `all`s of atoms (distributivity holds in three-valued
    logic too). durable-rules accepts an `$or` of plain comparisons inside an `$and`, but
    rejects an `$or` of a dozen `$and`s (error 113), so each term becomes a rule of its own."""
    if isinstance(node, Compare):
        return [[node]]
    if isinstance(node, All):
        terms: list[list[Atom]] = [[]]
        for item in node.items:
            terms = [left + right for left in terms for right in _terms(item)]
        return terms
    plain = [i for i in node.items if isinstance(i, Compare)]
    terms = [[plain[0] if len(plain) == 1 else AnyOf(tuple(plain))]] if plain else []
    for item in node.items:
        if not isinstance(item, Compare):
            terms += _terms(item)
    return terms


def _atom(atom: Atom, may: bool) -> dict:
    """Pattern for an atom; with may=True it also matches when a fact it needs is missing."""
    leaves = atom.items if isinstance(atom, AnyOf) else (atom,)
    alternatives = [_holds(leaf, may) for leaf in leaves]
    if may:
        for name in sorted({n for leaf in leaves for n in (leaf.fact, leaf.other) if n}):
            alternatives.append({"$nex": {_key(name): 1}})
    return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}


def _rules_for(guard: str, node: Node, index: int) -> dict:
    """T{index}_{k}: term k holds; P{index}_{k}: term k may hold."""
    rules = {}
    for k, term in enumerate(_terms(expand(node))):
        for kind, may in (("T", False), ("P", True)):
            parts: list[dict] = [{guard: 1}]
            for atom in term:
                pattern = _atom(atom, may)
                parts += pattern.get("$and", [pattern])
            pattern = {"$and": parts}
            rules[f"{kind}{index}_{k}"] = {"all": [{"m": pattern}]}
    return rules


def rule_count(node: Node) -> int:
    return 2 * len(_terms(expand(node)))


def _drain(handle: int, sid: str, fact: dict) -> list[str]:
    fired: list[str] = []
    try:
        code, state = dre.assert_fact(handle, _dumps(dict(fact, sid=sid)))
    except dre.error:
        # A failed assert (e.g. error 303) still leaves the session allocated: without this,
        # 1,024 such failures and every later judgement fails with MemoryError. (A parse
        # error allocates none, and deleting then reports 309, which is ignored.)
        try:
            dre.delete_state(handle, sid)
        except dre.error:
            pass
        raise
    try:
        if code == 0:  # 1 = nothing matched
            result = dre.start_action_for_state(handle, state)
            while result:
                fired.append(_rule_of(result[1] if isinstance(result, tuple) else result))
                result = dre.complete_and_start_action(handle, state)
    finally:
        dre.delete_state(handle, sid)
    return fired


def expressible(node: Node) -> str | None:
    """None if durable-rules accepts this condition's rules, else what stops it, in words."""
    if rule_count(node) > MAX_RULES_PER_CONDITION:
        return (f"展开后需要 {rule_count(node)} 条规则（上限 {MAX_RULES_PER_CONDITION}），请拆分 / "
                f"expands to {rule_count(node)} rules (limit {MAX_RULES_PER_CONDITION}); split it")
    rules = {WARMUP: {"all": [{"m": {WARMUP: 1}}]}, **_rules_for("_b0", node, 0)}
    with _LOCK:
        try:
            handle = dre.create_ruleset(f"check{next(_names)}", _dumps(rules))
        except dre.error as exc:
            return str(exc)
        dre.delete_ruleset(handle)
    return None


class _Layout:
    """Conditions placed into buckets (a guard each, at most BUCKET_RULES rules, one version)
    and buckets into shards (one ruleset each, at most SHARD_BUCKETS buckets and SHARD_FACTS
    facts read); a condition's rules are numbered by its index in `ids`."""

    def __init__(self, conditions: dict[str, tuple[Any, Node]]):
        self.ids: list[str] = []
        self.buckets_of_version: dict[str, list[str]] = {}
        self.indexes_of_version: dict[str, list[int]] = {}
        self.shard_of_bucket: dict[str, int] = {}
        self.shards: list[dict[str, dict]] = [dict(_WARMUP_RULE)]
        self.reads: list[set[str]] = [set()]  # per shard, the facts its rules read
        self._bucket, self._size, self._version, self._buckets_in_shard = -1, BUCKET_RULES, None, 0
        for condition_id, (version, node) in conditions.items():
            self._place(condition_id, version, node)

    def _place(self, condition_id: str, version: Any, node: Node) -> None:
        index = len(self.ids)
        new_rules = _rules_for(f"_b{self._bucket}", node, index)
        reads = facts_of(node)
        too_wide = len(self.reads[-1] | reads) > SHARD_FACTS
        if version != self._version or self._size + len(new_rules) > BUCKET_RULES or too_wide:
            self._new_bucket(version, new_shard=too_wide or self._buckets_in_shard == SHARD_BUCKETS)
            new_rules = _rules_for(f"_b{self._bucket}", node, index)
        self.shards[-1].update(new_rules)
        self.reads[-1] |= reads
        self.indexes_of_version.setdefault(version, []).append(index)
        self.ids.append(condition_id)
        self._size += len(new_rules)

    def _new_bucket(self, version: Any, new_shard: bool) -> None:
        self._bucket, self._size, self._version = self._bucket + 1, 0, version
        if self._bucket and new_shard:
            self.shards.append(dict(_WARMUP_RULE))
            self.reads.append(set())
            self._buckets_in_shard = 0
        self._buckets_in_shard += 1
        self.buckets_of_version.setdefault(version, []).append(f"_b{self._bucket}")
        self.shard_of_bucket[f"_b{self._bucket}"] = len(self.shards) - 1


class DurableRuleset:
    """One bundle's conditions, live in durable-rules. Close it when retired."""

    def __init__(self, conditions: dict[str, tuple[Any, Node]]):
        """conditions: condition id -> (version key, condition)."""
        layout = _Layout(conditions)
        self._ids = layout.ids
        self._bucket_of_version = layout.buckets_of_version
        self._indexes_of_version = layout.indexes_of_version
        self._shard_of_bucket = layout.shard_of_bucket
        self._keys_of_shard = [{name: _key(name) for name in sorted(reads)} for reads in layout.reads]
        self._handles: list[int] = []
        shards = layout.shards
        # The first fact of each new ruleset matches the warm-up rule and nothing else: if the
        # first fact fails or matches nothing, deleting its session may crash the process (seen
        # as `free(): invalid pointer` when this fact also carried every bucket and hit error
        # 303). Then the widest case (every fact missing, every bucket on), so a limit hit
        # shows here, as an EngineFault, rather than in a judgement.
        try:
            for shard, rules in enumerate(shards):
                with _LOCK:
                    try:
                        self._handles.append(dre.create_ruleset(f"bundle{next(_names)}", _dumps(rules)))
                    except dre.error as exc:
                        raise EngineFault(f"durable-rules rejected the compiled rules: {exc}") from exc
                every_bucket = [b for b, s in self._shard_of_bucket.items() if s == shard]
                self._run(shard, {WARMUP: 1})
                self._run(shard, {WARMUP: 1, **{b: 1 for b in every_bucket}})
        except EngineFault:
            self.close()
            raise

    def _run(self, shard: int, fact: dict) -> list[str]:
        sid = f"s{next(_sids)}"
        with _LOCK:
            try:
                return _drain(self._handles[shard], sid, fact)
            except dre.error as exc:
                raise EngineFault(f"durable-rules failed: {exc}") from exc

    def statuses(self, values: Values, versions: list[str]) -> dict[str, Kleene]:
        """Each condition of the given versions: True, False, or None (unknown)."""
        on: dict[int, dict[str, int]] = {}  # shard -> its buckets of the versions given
        for version in versions:
            for b in self._bucket_of_version.get(version, []):
                on.setdefault(self._shard_of_bucket[b], {})[b] = 1
        fired: list[str] = []
        for shard, buckets in (on or {0: {}}).items():  # nothing in force: still asked (matches nothing)
            keys = self._keys_of_shard[shard]  # only the facts this shard's rules read
            fact = {keys[name]: value for name, value in values.items() if name in keys}
            fact.update(buckets)
            fired += self._run(shard, fact)
        true = {int(name[1:].split("_")[0]) for name in fired if name[0] == "T"}
        maybe = {int(name[1:].split("_")[0]) for name in fired if name[0] == "P"}
        return {self._ids[i]: True if i in true else (None if i in maybe else False)
                for version in versions for i in self._indexes_of_version.get(version, [])}

    def close(self) -> None:
        with _LOCK:
            handles, self._handles = self._handles, []
            for handle in handles:
                dre.delete_ruleset(handle)
