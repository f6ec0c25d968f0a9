"""Which of the missing answers decide the case, and what each answer would do.

A missing fact is decisive when some answer to it changes the classification: it resolves an
indeterminate verdict, or establishes an exception or precondition that lowers a major. The
answers come from the conditions themselves: yes/no, each enum value, and for numbers the
intervals between the thresholds the conditions compare it with (a constant, or another fact's
value times a percentage). Each answer is tried by re-evaluating only the conditions that read
the fact, with every other missing fact still unknown. Two missing facts compared with each other
(e.g. a width and its required value) are asked together. The rest of the missing facts could
add findings but not change the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from .bundle import Bundle, Version
from .conditions import NEGATED, Compare, Kleene, Node, Ref, Values, describe, display_value, evaluate, ratio_of
from .method import Classification, Outcome, Plan, classify, outcomes
from .schema import FactDef
from .vocabulary import DEFAULT_LIMIT

LABELS = {"major": "重大事故隐患", "ordinary": "一般隐患", "none": "未发现隐患", "indeterminate": "无法判定"}
CITED_AT_MOST = 3  # clauses named in one answer's effect


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

    def simulate(self, changes: Values) -> tuple[Classification, list[Outcome]] | None:
        """The verdict if these facts were known (None: they would contradict other facts)."""
        values = {**self.values, **changes}
        if any(c.violated(values) for c in self.bundle.vocabulary.constraints):
            return None
        status = dict(self.status)
        tests = self.bundle.tests
        for name in changes:
            for test_id in self.bundle.readers.get(name, ()):
                if test_id in status:
                    status[test_id] = evaluate(tests[test_id][1], values)
        place_fact = self.bundle.vocabulary.place_fact
        found = outcomes(self.versions, status, values.get(place_fact) if place_fact else None)
        return classify(found), found


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


def _regions(definition: FactDef, thresholds: list[float]) -> list[_Region]:
    """The intervals between the thresholds (and each threshold itself), each with a value in it
    that the fact can take; intervals with no such value are left out."""
    whole = definition.type in ("integer", "date")
    lowest = definition.minimum if definition.minimum is not None else -DEFAULT_LIMIT
    highest = definition.maximum if definition.maximum is not None else DEFAULT_LIMIT
    cuts = sorted(set(thresholds))
    spans = [(-math.inf, False, cuts[0], False)]
    for i, t in enumerate(cuts):
        spans.append((t, True, t, True))
        spans.append((t, False, cuts[i + 1] if i + 1 < len(cuts) else math.inf, False))
    out = []
    for low, low_in, high, high_in in spans:
        sample = _sample(low, high, lowest, highest, whole)
        if sample is not None:
            out.append(_Region(low, low_in, high, high_in, sample))
    return out


def _sample(low: float, high: float, lowest: float, highest: float, whole: bool) -> Any:
    """A value the fact can take in the open interval (low, high), or at the threshold when they
    are equal; None if there is none."""
    if low == high:
        ok = lowest <= low <= highest and (not whole or float(low).is_integer())
        return (int(low) if whole else low) if ok else None
    left, left_in = (low, False) if low >= lowest else (lowest, True)
    right, right_in = (high, False) if high <= highest else (highest, True)
    if whole:
        first = math.ceil(left) if left_in else math.floor(left) + 1
        last = math.floor(right) if right_in else math.ceil(right) - 1
        return int(first) if first <= last else None
    if left < right:
        return (left + right) / 2
    return left if left == right and left_in and right_in else None


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

    def __init__(self, situation: Situation):
        self.s = situation
        self.vocab = situation.bundle.vocabulary
        self.tests = situation.bundle.tests

    def leaves(self, name: str) -> list[Compare]:
        found: dict[Compare, None] = {}
        for test_id in self.s.bundle.readers.get(name, ()):
            if test_id in self.s.status:
                found.update(dict.fromkeys(_leaves(self.tests[test_id][1], name)))
        return list(found)

    def answers(self, name: str) -> list[tuple[Values, str]]:
        """Candidate answers for one fact, each as the facts it sets and its words."""
        definition = self.vocab.facts[name]
        if definition.type == "boolean":
            return [({name: True}, "是"), ({name: False}, "否")]
        if definition.type == "enum":
            return [({name: code}, label) for code, label in (definition.values or {}).items()]
        thresholds = []
        for leaf in self.leaves(name):
            if leaf.fact == name and leaf.other is None:
                thresholds.append(float(leaf.value))
            elif leaf.fact == name and leaf.other in self.s.values:
                thresholds.append(ratio_of(self.s.values[leaf.other], leaf.ratio))
            elif leaf.other == name and leaf.fact in self.s.values and leaf.ratio != 0:
                thresholds.append(self.s.values[leaf.fact] / float(leaf.ratio))
        if not thresholds:
            return []
        return [({name: r.sample}, r) for r in _regions(definition, thresholds)]

    def effect(self, result: tuple[Classification, list[Outcome]]) -> str:
        classification, found = result
        if classification == self.s.classification:
            return f"不改变判定（仍为{LABELS[classification]}）"
        taken, made = [], []
        versions = [v for v in self.s.versions if v.meta.encoded]
        for version, before, after in zip(versions, self.s.outcomes, found):
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
        cite = lambda items: "、".join(list(dict.fromkeys(items))[:CITED_AT_MOST])  # noqa: E731
        if made:
            return f"{LABELS[classification]}（{cite(made)}）"
        if taken:
            return f"不计入（{cite(taken)}）→ {LABELS[classification]}"
        return LABELS[classification]

    def question(self, names: list[str], tries: list[tuple[Values, Any]], needed_by: list[str]) -> DecisiveQuestion | None:
        """The question if some answer changes the classification; answers with the same result
        merged (adjacent intervals of a number, values of an enum)."""
        groups: list[tuple[tuple[Classification, str], list[Any]]] = []
        for changes, words in tries:
            result = self.s.simulate(changes)
            if result is None:
                continue
            key = (result[0], self.effect(result))
            if isinstance(words, _Region) and groups and groups[-1][0] == key:
                groups[-1][1].append(words)
                continue
            same = next((g for g in groups if g[0] == key), None) if not isinstance(words, _Region) else None
            if same:
                same[1].append(words)
            else:
                groups.append((key, [words]))
        if not any(key[0] != self.s.classification for key, _ in groups):
            return None
        definition = self.vocab.facts[names[0]]
        answers = [Answer(answer=self._words(definition, words), classification=key[0], effect=key[1])
                   for key, words in groups]
        settles = self.s.classification == "indeterminate" and all(a.classification != "indeterminate" for a in answers)
        return DecisiveQuestion(facts=[AskedFact(name=n, label=self.vocab.label(n), unit=self.vocab.facts[n].unit)
                                       for n in names],
                                needed_by=needed_by, answers=answers, every_answer_decides=settles)

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


def ask(situation: Situation, needed: dict[str, list[str]]) -> MissingFacts:
    """needed: missing fact -> ids of the entries that need it (in the order they were found)."""
    asker = _Asker(situation)
    vocab = situation.bundle.vocabulary
    ranked: list[tuple[tuple, DecisiveQuestion]] = []
    asked: set[str] = set()
    for order, (name, needed_by) in enumerate(needed.items()):
        question = asker.question([name], asker.answers(name), needed_by)
        if question:
            ranked.append(((not question.every_answer_decides, 0, order), question))
            asked.add(name)
    for order, (name, needed_by) in enumerate(needed.items()):
        for leaf in asker.leaves(name):
            pair = [leaf.fact, leaf.other]
            if leaf.fact != name or leaf.other is None or leaf.other not in needed or asked.issuperset(pair):
                continue
            question = asker.question(pair, asker.pair(leaf), list(dict.fromkeys(needed_by + needed[leaf.other])))
            if question:
                ranked.append(((not question.every_answer_decides, 1, order), question))
                asked.update(pair)
    ranked.sort(key=lambda item: item[0])
    other = [MissingFact(name=n, label=vocab.label(n), description=vocab.facts[n].description,
                         unit=vocab.facts[n].unit, needed_by=ids) for n, ids in needed.items() if n not in asked]
    return MissingFacts(decisive=[q for _, q in ranked], other=other)
