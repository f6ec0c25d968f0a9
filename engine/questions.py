"""Which of the missing answers decide the case, and what each answer would do.

A missing fact is decisive when answering it could change the classification: resolve an
indeterminate verdict (alone, or with the other decisive answers), or establish an exception or
precondition that lowers a major. While no element is known to hold, every missing fact is; once
one holds, only those on a path to a major hazard are. The answers come from the conditions
themselves: yes/no, each enum value, and for numbers the intervals between the thresholds the
conditions compare it with (a constant, or another fact's value times a percentage). Each answer
is tried by re-evaluating only the conditions that read the fact, with every other missing fact
still unknown, and says what it does: the classification it leads to and why, or the questions
it opens. Two missing facts compared with each other (a width and its required value) are asked
together. The rest of the missing facts could add findings but not change the verdict.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Field

from .bundle import Bundle, Version, ask_ranks
from .conditions import (NEGATED, Compare, Kleene, Node, Ref, Values, describe, display_value, evaluate, k_or, missing_behind,
                         ratio_of)
from .method import Classification, Outcome, Plan, apply, classify, covering, outcomes
from .schema import FactDef
from .vocabulary import DEFAULT_LIMIT

LABELS = {"major": "重大事故隐患", "ordinary": "一般隐患", "none": "未发现隐患", "indeterminate": "无法判定"}
CITED_AT_MOST = 3  # clauses named in one answer's effect
FOLLOW_UPS_NAMED = 2  # questions an answer opens, named in its effect


class Answer(BaseModel):
    answer: str = Field(description="答案（文字）/ the answer in words, e.g. 是, 小于 2.88 m")
    classification: Classification = Field(description="按此回答、其余未知事实仍未知时的判定 / the classification it leads to")
    effect: str = Field(description="此回答的作用 / what the answer does, e.g. 不计入（GB 35181-2017 5.1.3 b））→ 一般隐患")


class AskedFact(BaseModel):
    name: str
    label: str
    unit: str | None = None


class DecisiveQuestion(BaseModel):
    facts: list[AskedFact] = Field(description="要回答的事实：一项，或相互比较的两项 / one fact, or two compared with each other")
    needed_by: list[str]
    answers: list[Answer]
    every_answer_decides: bool = Field(description="无论怎样回答都能作出判定 / any answer settles an indeterminate verdict")


class MissingFact(BaseModel):
    name: str
    label: str
    description: str = Field("", description="帮助说明（只在 detail=full 时给出）/ help text (detail=full only)")
    unit: str | None = None
    needed_by: list[str]


class MissingFacts(BaseModel):
    decisive: list[DecisiveQuestion] = Field(description=(
        "能改变判定结论的问题，按“最少的回答即可定案”排序 / questions an answer to which could change the "
        "classification, ordered so that the fewest answers decide"))
    other: list[MissingFact] = Field(description="其余缺少的事实：可能增加发现，不改变结论 / could add findings, not change the verdict")

    def names(self) -> list[str]:
        """Every missing fact asked for: those of the decisive questions, then the others."""
        return list(dict.fromkeys([f.name for q in self.decisive for f in q.facts] + [m.name for m in self.other]))


@dataclass(frozen=True)
class Situation:
    """One facility's judgement so far: what the questions are asked against."""

    bundle: Bundle
    versions: list[Version]   # in force on the day (encoded or not)
    status: dict[str, Kleene]
    values: Values
    classification: Classification
    outcomes: list[Outcome]   # of the encoded versions, in order

    @cached_property
    def cover(self) -> dict[str, set[str]]:
        place_fact = self.bundle.vocabulary.place_fact
        return covering(self.versions, self.values.get(place_fact) if place_fact else None)

    @cached_property
    def still_open(self) -> frozenset[str]:
        """For an indeterminate verdict, the elements that keep it open whatever else is answered,
        as long as they stay unknown and no element comes to hold: while no element holds, every
        unknown one; once one holds, the direct elements whose count is unknown."""
        if self.classification != "indeterminate":
            return frozenset()
        encoded = [v for v in self.versions if v.meta.encoded]
        if k_or(*(o.present for o in self.outcomes)) is True:
            return frozenset(i for v, o in zip(encoded, self.outcomes) for i in Plan.of(v).direct_ids
                             if o.counts.get(i, False) is None)
        return frozenset(i for v in encoded for i in Plan.of(v).element_ids if self.status[i] is None)

    @cached_property
    def element_ids(self) -> frozenset[str]:
        return frozenset(i for v in self.versions if v.meta.encoded for i in Plan.of(v).element_ids)

    def simulate(self, changes: Values) -> Tried | None:
        """The verdict if these facts were known (None: they would contradict other facts). Only the
        conditions that read them are re-evaluated, and only the versions those belong to applied
        again (all of them when the kind of place changes: precedence depends on it)."""
        values = {**self.values, **changes}
        constraints = self.bundle.vocabulary.constraints_on
        if any(c.violated(values) for name in changes for c in constraints.get(name, ())):
            return None
        status = dict(self.status)
        conditions = self.bundle.conditions
        touched = tuple(dict.fromkeys(t for name in changes for t in self.bundle.readers.get(name, ()) if t in status))
        changed = set()
        for condition_id in touched:
            status[condition_id] = evaluate(conditions[condition_id][1], values)
            if status[condition_id] is not self.status[condition_id]:
                changed.add(condition_id)
        place_fact = self.bundle.vocabulary.place_fact
        if place_fact in changes:
            found = outcomes(self.versions, status, values.get(place_fact))
        elif not changed or self._stays_open(changed, status, touched):
            return Tried(self.classification, self.outcomes, values, status, touched)
        else:
            again = {conditions[t][0].key for t in changed}
            encoded = [v for v in self.versions if v.meta.encoded]
            found = [apply(Plan.of(v), status, self.cover, before, frozenset(changed)) if v.key in again else before
                     for v, before in zip(encoded, self.outcomes)]
        return Tried(classify(found), found, values, status, touched)

    def _stays_open(self, changed: set[str], status: dict[str, Kleene], touched: tuple[str, ...]) -> bool:
        """The answer only rules out elements (none comes to hold, no gate or category changes), and an
        element it does not touch keeps the verdict open: it stays indeterminate, no need to apply the
        method again (most answers to a facility with many unknown facts are of this kind)."""
        if not self.still_open or not self.still_open.difference(touched):
            return False
        return all(t in self.element_ids and status[t] is False for t in changed)


@dataclass(frozen=True)
class Tried:
    """The verdict with some answers given."""

    classification: Classification
    outcomes: list[Outcome]
    values: Values
    status: dict[str, Kleene]
    touched: tuple[str, ...]  # the conditions re-evaluated


def decisive_entries(s: Situation) -> set[str] | None:
    """The entries whose unknown facts could change an indeterminate verdict (None: all of them).
    While no element is known to hold, any unknown one could make the hazard ordinary rather
    than none; once one holds, only those on a path to a major hazard can change the verdict:
    direct elements whose count is unknown, and the undecided elements and place category of a
    combined rule whose outcome is unknown, with the definitional gates that keep them undecided."""
    if s.classification != "indeterminate":
        return set()
    if k_or(*(o.present for o in s.outcomes)) is not True:
        return None
    ids: set[str] = set()
    for version, o in zip([v for v in s.versions if v.meta.encoded], s.outcomes):
        open_rules = {r for r, major in o.combined.items() if major is None}
        members = {e for r in version.combined if r.id in open_rules for e in r.spec.elements}
        ids |= open_rules
        for e in Plan.of(version).elements:
            if o.counts.get(e.id, False) is None and (e.direct or e.id in members):
                ids.add(e.id)
                ids.update(g.id for g in o.undecided.get(e.id, ()))
    return ids


def _leaves(node: Node, name: str) -> list[Compare]:
    if isinstance(node, Compare):
        return [node] if name in (node.fact, node.other) else []
    if isinstance(node, Ref):
        return _leaves(node.body, name)
    return [leaf for item in node.items for leaf in _leaves(item, name)]


def _amount(definition: FactDef, value: float) -> str:
    if definition.type == "date":
        return display_value(definition, int(value))
    text = f"{value:g}"
    return f"{text} {definition.unit}" if definition.unit else text


@dataclass(frozen=True)
class _Region:
    low: float
    low_in: bool
    high: float
    high_in: bool
    sample: Any


# Where a comparison puts the threshold itself: with the values below it (left), above it (right),
# or apart from both (point: eq, ne).
_SIDE = {"lt": "right", "ge": "right", "le": "left", "gt": "left", "eq": "point", "ne": "point"}
_FLIPPED = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}


def _regions(definition: FactDef, cuts: dict[float, set[str]]) -> list[_Region]:
    """The intervals between the thresholds, each with a value in it that the fact can take
    (intervals with none are left out). A threshold that every comparison puts on one side joins
    that side's interval; otherwise it is an interval of its own."""
    whole = definition.type in ("integer", "date")
    lowest = definition.minimum if definition.minimum is not None else -DEFAULT_LIMIT
    highest = definition.maximum if definition.maximum is not None else DEFAULT_LIMIT
    points = sorted(cuts)
    joins = {t: next(iter(sides)) if len(sides) == 1 and "point" not in sides else "point" for t, sides in cuts.items()}
    spans, low, low_in = [], -math.inf, False
    for t in points:
        spans.append((low, low_in, t, joins[t] == "left"))
        if joins[t] == "point":
            spans.append((t, True, t, True))
        low, low_in = t, joins[t] == "right"
    spans.append((low, low_in, math.inf, False))
    out = []
    for span in spans:
        sample = _sample(*span, lowest, highest, whole)
        if sample is not None:
            out.append(_Region(*span, sample))
    return out


def _sample(low: float, low_in: bool, high: float, high_in: bool, lowest: float, highest: float, whole: bool) -> Any:
    """A value the fact can take in the interval (within its declared bounds), or None."""
    if low < lowest:
        low, low_in = lowest, True
    if high > highest:
        high, high_in = highest, True
    if whole:
        first = math.ceil(low) if low_in else math.floor(low) + 1
        last = math.floor(high) if high_in else math.ceil(high) - 1
        return int(first) if first <= last else None
    if low < high:
        return (low + high) / 2
    return low if low == high and low_in and high_in else None


def _interval_words(definition: FactDef, low: float, low_in: bool, high: float, high_in: bool) -> str:
    if low == high:
        return f"等于 {_amount(definition, low)}"
    parts = []
    if not math.isinf(low):
        parts.append(f"{'不小于' if low_in else '大于'} {_amount(definition, low)}")
    if not math.isinf(high):
        parts.append(f"{'不大于' if high_in else '小于'} {_amount(definition, high)}")
    return " 且 ".join(parts) or "任意值"


class _Asker:
    """Tries the answers to the missing facts of one situation."""

    def __init__(self, situation: Situation, needed: dict[str, list[str]]):
        self.s = situation
        self.needed = needed
        self.vocab = situation.bundle.vocabulary
        self.conditions = situation.bundle.conditions
        self.ranks = ask_ranks(situation.versions)
        self._leaves: dict[str, list[Compare]] = {}

    def leaves(self, name: str) -> list[Compare]:
        """The comparisons on the fact in the conditions in force (asked for twice per fact)."""
        found = self._leaves.get(name)
        if found is None:
            unique: dict[Compare, None] = {}
            for condition_id in self.s.bundle.readers.get(name, ()):
                if condition_id in self.s.status:
                    unique.update(dict.fromkeys(_leaves(self.conditions[condition_id][1], name)))
            found = self._leaves[name] = list(unique)
        return found

    def answers(self, name: str) -> list[tuple[Values, str]]:
        """Candidate answers for one fact, each as the facts it sets and its words."""
        definition = self.vocab.facts[name]
        if definition.type == "boolean":
            return [({name: True}, "是"), ({name: False}, "否")]
        if definition.type == "enum":
            return self._enum_answers(name, definition)
        cuts: dict[float, set[str]] = {}
        for leaf in self.leaves(name):
            if leaf.fact == name and leaf.other is None:
                cut, op = float(leaf.value), leaf.op
            elif leaf.fact == name and leaf.other in self.s.values:
                cut, op = ratio_of(self.s.values[leaf.other], leaf.ratio), leaf.op
            elif leaf.other == name and leaf.fact in self.s.values and leaf.ratio != 0:
                cut, op = self.s.values[leaf.fact] / float(leaf.ratio), _FLIPPED[leaf.op]
            else:
                continue
            cuts.setdefault(cut, set()).add(_SIDE[op])
        if not cuts:
            return []
        return [({name: r.sample}, r) for r in _regions(definition, cuts)]

    def _enum_answers(self, name: str, definition: FactDef) -> list[tuple[Values, str]]:
        """Each value a condition names, and one for all the others (they cannot differ)."""
        named = {leaf.value for leaf in self.leaves(name) if leaf.fact == name and leaf.other is None}
        values = definition.values or {}
        rest = [code for code in values if code not in named]
        tries = [({name: code}, label) for code, label in values.items() if code in named]
        if rest:
            tries.append(({name: rest[0]}, "、".join(values[code] for code in rest)))
        return tries

    def effect(self, tried: Tried, asked: list[str]) -> str:
        classification = tried.classification
        if classification == self.s.classification:
            return self._unchanged(tried, asked)
        taken, made = [], []
        versions = [v for v in self.s.versions if v.meta.encoded]
        for version, before, after in zip(versions, self.s.outcomes, tried.outcomes):
            if after is before:
                continue
            doc = version.meta.document_number
            clauses = {c.id: c.spec.clause for c in version.criteria}
            clauses.update({r.id: r.spec.clause for r in version.combined})
            for element, gates in after.taken_out.items():
                if before.counts.get(element) is not False:
                    taken += [f"{doc} {clauses[g.id]}" for g in gates if g not in before.taken_out.get(element, [])]
            if classification == "major":
                made += [f"{doc} {clauses[e.id]}" for e in Plan.of(version).elements
                         if e.direct and after.counts.get(e.id) is True and before.counts.get(e.id) is not True]
                made += [f"{doc} {clauses[r]}" for r, major in after.combined.items()
                         if major is True and before.combined.get(r) is not True]
        if made:
            return f"{LABELS[classification]}（{_cite(made)}）"
        if taken:
            return f"不计入（{_cite(taken)}）→ {LABELS[classification]}"
        return LABELS[classification]

    def _unchanged(self, tried: Tried, asked: list[str]) -> str:
        """The verdict stays: say which questions the answer opens, if any."""
        still = f"仍为{LABELS[tried.classification]}"
        if tried.classification != "indeterminate":
            return still
        opened = [n for t in tried.touched if tried.status[t] is None
                  for n in missing_behind(self.conditions[t][1], tried.values, self.ranks)]
        for outcome in tried.outcomes:  # an element that now holds asks for its undecided gates (仍继续使用)
            opened += [n for element, gates in outcome.undecided.items()
                       if tried.status[element] is True and self.s.status[element] is not True
                       for g in gates for n in missing_behind(g.entry.condition, tried.values, self.ranks)]
        new = [n for n in dict.fromkeys(opened) if n not in asked and n not in self.needed]
        if not new:
            return f"{still}（取决于其他问题）"
        more = f"等 {len(new)} 项" if len(new) > FOLLOW_UPS_NAMED else ""
        return f"{still}，还需回答：{'、'.join(self.vocab.label(n) for n in new[:FOLLOW_UPS_NAMED])}{more}"

    def question(self, names: list[str], tries: list[tuple[Values, Any]], needed_by: list[str],
                 required: bool) -> DecisiveQuestion | None:
        """The question, with its answers (those with the same result merged: adjacent intervals of
        a number, values of an enum); None unless it is required or some answer changes the
        classification."""
        groups: list[tuple[tuple[Classification, str], list[Any]]] = []
        for changes, words in tries:
            tried = self.s.simulate(changes)
            if tried is None:
                continue
            key = (tried.classification, self.effect(tried, names))
            if isinstance(words, _Region) and groups and groups[-1][0] == key:
                groups[-1][1].append(words)
                continue
            same = next((g for g in groups if g[0] == key), None) if not isinstance(words, _Region) else None
            if same:
                same[1].append(words)
            else:
                groups.append((key, [words]))
        changes_it = any(key[0] != self.s.classification for key, _ in groups)
        if not (required or changes_it):
            return None
        definition = self.vocab.facts[names[0]]
        answers = [Answer(answer=self._words(definition, words), classification=key[0], effect=key[1])
                   for key, words in groups]
        settles = self.s.classification == "indeterminate" and bool(answers) and all(
            a.classification != "indeterminate" for a in answers)
        question = DecisiveQuestion(facts=[AskedFact(name=n, label=self.vocab.label(n), unit=self.vocab.facts[n].unit)
                                           for n in names],
                                    needed_by=needed_by, answers=answers, every_answer_decides=settles)
        return question

    @staticmethod
    def _words(definition: FactDef, words: list[Any]) -> str:
        if isinstance(words[0], _Region):
            first, last = words[0], words[-1]
            return _interval_words(definition, first.low, first.low_in, last.high, last.high_in)
        return "、".join(words)

    def pair(self, leaf: Compare) -> list[tuple[Values, str]]:
        """Both sides of a comparison between two missing facts: the comparison holds, or not."""
        definition, other = self.vocab.facts[leaf.fact], self.vocab.facts[leaf.other]
        base = _within(other, 100.0)
        threshold = ratio_of(base, leaf.ratio)
        tries = []
        for holds in (True, False):
            op = leaf.op if holds else NEGATED.get(leaf.op, leaf.op)
            value = _within(definition, _beside(threshold, op))
            changes = {leaf.fact: value, leaf.other: base}
            if evaluate(leaf, changes) is holds:
                node = leaf if holds else Compare(leaf.fact, op, other=leaf.other, ratio=leaf.ratio)
                tries.append((changes, describe(node, self.vocab.facts, self.vocab.derived_labels())))
        return tries


def _beside(threshold: float, op: str) -> float:
    """A value on the side of the threshold that the operator asks for."""
    step = max(abs(threshold) * 0.25, 1.0)
    return {"lt": threshold - step, "le": threshold, "gt": threshold + step, "ge": threshold,
            "eq": threshold, "ne": threshold + step}[op]


def _within(definition: FactDef, value: float) -> Any:
    low = definition.minimum if definition.minimum is not None else -DEFAULT_LIMIT
    high = definition.maximum if definition.maximum is not None else DEFAULT_LIMIT
    value = min(max(value, low), high)
    return round(value) if definition.type in ("integer", "date") else value


def _cite(items: list[str]) -> str:
    return "、".join(list(dict.fromkeys(items))[:CITED_AT_MOST])


def ask(situation: Situation, needed: dict[str, list[str]]) -> MissingFacts:
    """needed: missing fact -> ids of the entries that need it (in the order they were found).

    Decisive: for an indeterminate verdict, the facts of the entries that could change it (each
    answer tried for what it does); for any verdict, a fact some answer to which changes the
    classification alone (e.g. establishing an exception that lowers a major). Ordered: questions
    any answer to which settles the verdict, then those some answer to which changes it, then
    those that decide only together with others; a pair of facts after single facts; within each
    of these, the facts the versions' `ask_order` lists first, in its order."""
    asker = _Asker(situation, needed)
    ranks = asker.ranks
    if ranks:  # a stable sort: the facts not listed keep the order they were found in
        needed = dict(sorted(needed.items(), key=lambda item: ranks.get(item[0], len(ranks))))
    vocab = situation.bundle.vocabulary
    entries = decisive_entries(situation)
    required = {n for n, ids in needed.items() if entries is None or entries.intersection(ids)}
    # Answers that could change the verdict alone, beyond those: establishing an exception still to
    # confirm (it may lower a major). Nothing else can change a major, an ordinary or a none.
    pending = {g.id for o in situation.outcomes for gates in o.pending.values() for g in gates}
    tried = required | {n for n, ids in needed.items() if pending.intersection(ids)}
    ranked: list[tuple[tuple, DecisiveQuestion]] = []
    asked: set[str] = set()

    def add(question: DecisiveQuestion | None, names: list[str], pair: bool, order: int) -> None:
        if question is None:
            return
        alone = any(a.classification != situation.classification for a in question.answers)
        ranked.append(((0 if question.every_answer_decides else 1 if alone else 2, pair, order), question))
        asked.update(names)

    for order, (name, needed_by) in enumerate(needed.items()):
        tries = asker.answers(name) if name in tried else []
        if tries:
            add(asker.question([name], tries, needed_by, name in required), [name], False, order)
    for order, (name, needed_by) in enumerate(needed.items()):
        if name not in required:
            continue
        for leaf in asker.leaves(name):
            pair = [leaf.fact, leaf.other]
            if leaf.fact != name or leaf.other is None or leaf.other not in needed or asked.issuperset(pair):
                continue
            add(asker.question(pair, asker.pair(leaf), list(dict.fromkeys(needed_by + needed[leaf.other])),
                               bool(required.intersection(pair))), pair, True, order)
    ranked.sort(key=lambda item: item[0])
    other = [MissingFact(name=n, label=vocab.label(n), description=vocab.facts[n].description,
                         unit=vocab.facts[n].unit, needed_by=ids) for n, ids in needed.items() if n not in asked]
    return MissingFacts(decisive=[q for _, q in ranked], other=other)
