"""The questionnaire an inspector takes on site: every question the criteria in force can ask
about one kind of place, grouped by standard and section, gate questions first.

Everything is derived from the compiled conditions, never from description prose:
- a criterion is asked about when its condition can hold for the kind of place (the condition is
  decided as far as the place fact alone decides it, and what the place settles is dropped);
- inside an `all`, the facts of a later item are follow-ups of the earlier items ("只在……时填写"),
  the items reading facts a version's `ask_order` lists counting as the earliest;
  a fact asked unconditionally anywhere is a top-level question, otherwise it is asked under the
  union of the circumstances in which a criterion needs it;
- derived facts are not asked: their definitions are, in their place;
- within a section, the facts a version's `ask_order` lists come first, in its order (a
  follow-up still after the questions it depends on);
- an exemption or precondition is asked about only when an element it governs can hold, and then
  only once the governed elements' shared first condition holds (or once one of them is found).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from .bundle import Bundle, Version, ask_ranks
from .conditions import All, AnyOf, Compare, Node, asked_first, describe, display_value, evaluate, expand, facts_of
from .notes import gap_text
from .places import place_kinds
from .schema import FactDef, Section, clause_in_section
from .vocabulary import Vocabulary

TYPE_WORDS = {"boolean": "是/否", "integer": "整数", "number": "数值", "enum": "选项", "date": "日期"}
OTHER_CLAUSES = "其他条款"
ELEMENT_METHODS = ("direct", "combined")


class UnknownPlaceKind(ValueError):
    """The kind of place asked for is neither a code nor a Chinese label of the place fact."""

    def __init__(self, word: str, allowed: dict[str, str]):
        listed = "、".join(f"{code}（{label}）" for code, label in allowed.items()) or "无（词汇表中没有场所类型事实）"
        super().__init__(f"未知场所类型 “{word}”；可选：{listed} / unknown place kind '{word}'; "
                         f"allowed: {', '.join(allowed) or 'none (the vocabulary has no place fact)'}")


class ClauseRef(BaseModel):
    document_number: str
    clause: str
    criterion: str  # the criterion's id (a combined rule's id for its place category)


class Gate(BaseModel):
    """One circumstance in which a follow-up question is to be answered."""

    words: str                 # e.g. “场所有锅炉（前提）”答“是”
    facts: list[str]           # the questions whose answers decide it
    elements: list[ClauseRef]  # when not empty: once one of these elements is found


class Question(BaseModel):
    number: int
    fact: str
    label: str
    help: str
    type: str
    type_label: str            # 是/否, 整数, 数值, 选项, 日期
    unit: str | None
    answers: list[str]         # the allowed answers as labels (是/否, an enum's labels); empty: free entry
    range: str | None          # numbers: the allowed range
    clauses: list[ClauseRef]   # every clause whose condition reads the fact
    only_if: list[Gate]        # empty: always asked
    only_if_text: str | None   # 仅当……时填写
    level: int                 # 0: top level; n: a follow-up of a question at level n - 1


class QuestionGroup(BaseModel):
    section: str | None        # the section's clause; None: clauses under no section
    title: str
    questions: list[Question]


class StandardQuestions(BaseModel):
    standard: str
    version: str
    document_number: str
    title: str
    groups: list[QuestionGroup]
    gaps: list[str]            # parts not encoded that concern this kind of place: nothing is asked for them


class Questionnaire(BaseModel):
    place_kind: str
    place_label: str
    as_of: dt.date
    rules_digest: str
    standards: list[StandardQuestions]
    notes: list[str]


def place_kind_code(vocab: Vocabulary, word: str) -> str:
    """The place fact's code for a code or a Chinese label; UnknownPlaceKind otherwise."""
    kinds = place_kinds(vocab)
    if word in kinds:
        return word
    code = next((code for code, label in kinds.items() if label == word), None)
    if code is None:
        raise UnknownPlaceKind(word, kinds)
    return code


# --- deciding conditions for a kind of place -------------------------------------------------

def decide_place(node: Node, place_fact: str | None, kind: str) -> Node | bool:
    """The condition with only the place known: True or False when the place decides it, else
    what is left once the comparisons the place decides are dropped. Takes an expanded node."""
    if isinstance(node, Compare):
        if node.fact == place_fact and node.other is None:
            return evaluate(node, {place_fact: kind}) is True
        return node
    is_all = isinstance(node, All)
    left: list[Node] = []
    for item in node.items:
        part = decide_place(item, place_fact, kind)
        if part is (not is_all):  # a false part of an `all`, a true part of an `any`
            return part
        if part is not is_all:
            left += part.items if isinstance(part, type(node)) else [part]
    if not left:
        return is_all
    return left[0] if len(left) == 1 else type(node)(tuple(left))


@dataclass(frozen=True)
class _Circumstance:
    """When a question is to be answered: every one of `conditions` (earlier answers) holds and,
    when `found` is not empty, one of those elements has been found."""

    conditions: tuple[Node, ...] = ()
    found: tuple[str, ...] = ()  # criterion ids
    all_of: str | None = None    # `found` is every element of this document (a gate governing them all)

    def covers(self, other: _Circumstance) -> bool:
        """True when this circumstance holds whenever the other does."""
        fewer_conditions = set(self.conditions) <= set(other.conditions)
        return fewer_conditions and (not self.found or bool(other.found) and set(other.found) <= set(self.found))


@dataclass(frozen=True)
class _Entry:
    """A condition that asks questions: a criterion, or a combined rule's place category."""

    version: Version
    id: str
    clause: str
    condition: Node
    outer: _Circumstance  # when any of its questions is to be asked


def _first_condition(node: Node | bool, ranks: dict[str, int]) -> Node | None:
    if isinstance(node, bool):
        return None
    return asked_first(node.items, ranks)[0] if isinstance(node, All) else node


def _gate_circumstance(governed: dict[str, Node | bool], all_of: str | None, ranks: dict[str, int]) -> _Circumstance:
    """An exemption or precondition matters only when a governed element holds: its questions
    wait for the elements' shared first condition, or else for one of them to be found."""
    firsts = {_first_condition(node, ranks) for node in governed.values()}
    if len(firsts) == 1 and None not in firsts:
        return _Circumstance(conditions=(firsts.pop(),))
    return _Circumstance(found=tuple(governed), all_of=all_of)


def _entries(version: Version, vocab: Vocabulary, kind: str, ranks: dict[str, int]) -> list[_Entry]:
    """The version's conditions that can hold for the kind of place, in file order, criteria
    first: a combined rule's place category is asked with the first element that reads its facts."""
    def scoped(node: Node) -> Node | bool:
        return decide_place(expand(node), vocab.place_fact, kind)

    elements = {c.id: scoped(c.condition) for c in version.criteria if c.spec.method in ELEMENT_METHODS}
    possible = {cid: node for cid, node in elements.items() if node is not False}
    out = []
    for compiled in version.criteria:
        spec = compiled.spec
        if spec.method in ELEMENT_METHODS:
            condition, outer = possible.get(spec.id, False), _Circumstance()
        else:
            governed = {g: possible[g] for g in (spec.governs or elements) if g in possible}
            if not governed:
                continue
            every = version.meta.document_number if spec.governs is None else None
            condition, outer = scoped(compiled.condition), _gate_circumstance(governed, every, ranks)
        if not isinstance(condition, bool):
            out.append(_Entry(version, spec.id, spec.clause, condition, outer))
    for rule in version.combined:
        category = scoped(rule.category)
        if not isinstance(category, bool) and any(e in possible for e in rule.spec.elements):
            out.append(_Entry(version, rule.id, rule.spec.clause, category, _Circumstance()))
    return out


def _asked(node: Node, ranks: dict[str, int] | None = None,
           under: tuple[Node, ...] = ()) -> Iterator[tuple[str, tuple[Node, ...]]]:
    """Each fact the condition reads, with the items of the `all`s around it asked before it
    (those written earlier, the parts reading facts the ask_order lists first)."""
    if isinstance(node, Compare):
        yield node.fact, under
        if node.other:
            yield node.other, under
    elif isinstance(node, AnyOf):
        for item in node.items:
            yield from _asked(item, ranks, under)
    else:
        items = asked_first(node.items, ranks)
        for i, item in enumerate(items):
            yield from _asked(item, ranks, under + items[:i])


def _choices(definition: FactDef) -> list:
    """The answers a yes/no or choice question allows, as engine values (none for other types)."""
    return [True, False] if definition.type == "boolean" else list(definition.values or {})


def _union(circumstances: list[_Circumstance], vocab: Vocabulary) -> list[_Circumstance]:
    """The circumstances without those another one covers; [] when the fact is always asked."""
    kept: list[_Circumstance] = []
    for c in dict.fromkeys(circumstances):
        if not any(k.covers(c) for k in kept):
            kept = [k for k in kept if not c.covers(k)] + [c]
    return [] if _Circumstance() in kept or _whatever_the_answers(kept, vocab) else kept


def _whatever_the_answers(circumstances: list[_Circumstance], vocab: Vocabulary) -> bool:
    """True when, between them, the circumstances hold for every answer to the yes/no and choice
    questions they depend on (e.g. “A”答“是”, or “A”答“否”): the fact is always asked."""
    names = sorted({name for c in circumstances for node in c.conditions for name in facts_of(node)})
    if any(c.found for c in circumstances) or any(vocab.facts[n].type not in ("boolean", "enum") for n in names):
        return False
    return all(any(all(evaluate(node, dict(zip(names, answers))) is True for node in c.conditions)
                   for c in circumstances)
               for answers in itertools.product(*(_choices(vocab.facts[n]) for n in names)))


# --- words ------------------------------------------------------------------------------------

def _answer_words(node: Node, vocab: Vocabulary) -> str | None:
    """A condition on one yes/no or choice question as the answers that satisfy it
    (“所在位置”答“地下室”或“半地下室”); None for any other condition."""
    names = facts_of(node)
    if len(names) != 1:
        return None
    name = next(iter(names))
    definition = vocab.facts[name]
    if definition.type not in ("boolean", "enum"):
        return None
    held = [c for c in _choices(definition) if evaluate(node, {name: c}) is True]
    return f"“{definition.label}”答" + "或".join(f"“{display_value(definition, c)}”" for c in held) if held else None


def condition_words(node: Node, vocab: Vocabulary) -> str:
    """A condition on earlier answers in words: answers as labels, other comparisons as
    `describe` words them."""
    answer = _answer_words(node, vocab)
    if answer is not None:
        return answer
    if isinstance(node, (All, AnyOf)):
        return ("且" if isinstance(node, All) else "或").join(_part_words(part, vocab) for part in _by_question(node))
    return describe(node, vocab.facts, vocab.derived_labels())


def _by_question(node: All | AnyOf) -> list[Node]:
    """The items of an `all` or `any`, those about one and the same question taken together, so
    that their answers are named once (“所在位置”答“半地下室”或“地下室”)."""
    together: dict[object, list[Node]] = {}
    for item in node.items:
        names = facts_of(item)
        together.setdefault(next(iter(names)) if len(names) == 1 else item, []).append(item)
    return [items[0] if len(items) == 1 else type(node)(tuple(items)) for items in together.values()]


def _part_words(node: Node, vocab: Vocabulary) -> str:
    """A part of a larger condition: bracketed when it is itself an `all` or `any` of several answers."""
    words = condition_words(node, vocab)
    compound = isinstance(node, (All, AnyOf)) and _answer_words(node, vocab) is None
    return f"（{words}）" if compound else words


def clause_words(refs: list[ClauseRef], ids: bool = False) -> str:
    """Clauses named by document: GB 45067-2024 5.2.1、5.2.2；教发厅函〔2024〕20号 第三条（一）1
    (each followed by its criterion's id when `ids`)."""
    by_document: dict[str, dict[str, None]] = defaultdict(dict)  # ordered sets: clauses may share a number
    for ref in refs:
        by_document[ref.document_number][f"{ref.clause}（{ref.criterion}）" if ids else ref.clause] = None
    return "；".join(f"{doc} {'、'.join(clauses)}" for doc, clauses in by_document.items())


def only_if_text(gates: list[Gate]) -> str | None:
    return f"仅当{'，或'.join(g.words for g in gates)}时填写" if gates else None


# --- the questionnaire ------------------------------------------------------------------------

def section_of(clause: str, sections: list[Section]) -> Section | None:
    """The section whose clause is the longest prefix of this one."""
    return max((s for s in sections if clause_in_section(clause, s.clause)), key=lambda s: len(s.clause), default=None)


@dataclass
class _Draft:
    """A question while the questionnaire is being put together."""

    fact: str
    home: _Entry                      # the first entry (in file order) that reads it
    entries: list[_Entry]
    circumstances: list[_Circumstance]

    @property
    def gates(self) -> set[str]:
        return {name for c in self.circumstances for node in c.conditions for name in facts_of(node)}

    @property
    def after_findings(self) -> bool:
        """Asked only once an element is found (an exemption or precondition of several elements)."""
        return bool(self.circumstances) and all(c.found for c in self.circumstances)


def _drafts(entries: list[_Entry], vocab: Vocabulary, ranks: dict[str, int]) -> list[_Draft]:
    """One draft per fact asked, in the order the entries first read them."""
    drafts: dict[str, _Draft] = {}
    for entry in entries:
        for name, under in _asked(entry.condition, ranks):
            if name == vocab.place_fact:
                continue
            # a question is never conditional on its own answer
            conditions = tuple(n for n in entry.outer.conditions + under if name not in facts_of(n))
            draft = drafts.setdefault(name, _Draft(name, entry, [], []))
            if entry not in draft.entries:
                draft.entries.append(entry)
            draft.circumstances.append(_Circumstance(conditions, entry.outer.found, entry.outer.all_of))
    for draft in drafts.values():
        draft.circumstances = _union(draft.circumstances, vocab)
    return list(drafts.values())


def _asking_order(drafts: list[_Draft], ranks: dict[str, int]) -> list[tuple[_Draft, int]]:
    """A group's questions in the order they are asked, with their level: every follow-up after
    each question it depends on and nested under the last of them; the facts `ask_order` lists
    (ranks) first, in its order; then questions that open follow-ups before those that do not;
    otherwise in the order the clauses read them."""
    drafts = sorted(drafts, key=lambda d: ranks.get(d.fact, len(ranks)))  # stable: unlisted keep their order
    here = {d.fact for d in drafts}
    placed: list[_Draft] = []
    pending = list(drafts)
    while pending:  # every question after its gates; a cycle of gates keeps the clauses' order
        done = {d.fact for d in placed}
        ready = next((d for d in pending if d.gates & here <= done), pending[0])
        pending.remove(ready)
        placed.append(ready)
    position = {d.fact: i for i, d in enumerate(placed)}
    gates = {d.fact: {g for g in d.gates & here if position[g] < position[d.fact]} for d in placed}
    opens = {d.fact: any(d.fact in gates[other.fact] for other in placed) for d in placed}
    out: list[tuple[_Draft, int]] = []
    asked: set[str] = set()
    path: list[str] = []  # the question just asked and those it is nested under
    while len(out) < len(placed):
        ready = [d for d in placed if d.fact not in asked and gates[d.fact] <= asked]
        while path and not any(path[-1] in gates[d.fact] for d in ready):
            path.pop()
        candidates = [d for d in ready if path and path[-1] in gates[d.fact]] or ready
        chosen = min(candidates, key=lambda d: (ranks.get(d.fact, len(ranks)), not opens[d.fact], position[d.fact]))
        out.append((chosen, len(path)))
        asked.add(chosen.fact)
        path.append(chosen.fact)
    return out


def _entry_ref(entry: _Entry) -> ClauseRef:
    return ClauseRef(document_number=entry.version.meta.document_number, clause=entry.clause, criterion=entry.id)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value}"


def _range(definition: FactDef) -> str | None:
    if definition.type not in ("integer", "number"):
        return None
    low, high, unit = definition.minimum, definition.maximum, definition.unit or ""
    if low is not None and high is not None:
        return f"{_number(low)}～{_number(high)}{unit}"
    if low is not None:
        return f"不小于 {_number(low)}{unit}"
    return f"不大于 {_number(high)}{unit}" if high is not None else None


def _facts_in_order(node: Node) -> list[str]:
    return list(dict.fromkeys(name for name, _ in _asked(node)))


def _criterion_ref(bundle: Bundle, criterion_id: str) -> ClauseRef:
    version, compiled = bundle.criteria[criterion_id]
    return ClauseRef(document_number=version.meta.document_number, clause=compiled.spec.clause, criterion=criterion_id)


def _gate(circumstance: _Circumstance, bundle: Bundle) -> Gate:
    elements = [_criterion_ref(bundle, cid) for cid in circumstance.found]
    if circumstance.all_of:
        words = [f"发现 {circumstance.all_of} 的任一判定要素"]
    else:
        words = [f"发现所列要素（{clause_words(elements)}）"] if elements else []
    alone = len(words) + len(circumstance.conditions) == 1
    words += [(condition_words if alone else _part_words)(node, bundle.vocabulary) for node in circumstance.conditions]
    facts = list(dict.fromkeys(name for node in circumstance.conditions for name in _facts_in_order(node)))
    return Gate(words="且".join(words), facts=facts, elements=elements)


def _question(number: int, draft: _Draft, level: int, bundle: Bundle) -> Question:
    definition = bundle.vocabulary.facts[draft.fact]
    gates = [_gate(c, bundle) for c in draft.circumstances]
    return Question(number=number, fact=draft.fact, label=definition.label, help=definition.description.strip(),
                    type=definition.type, type_label=TYPE_WORDS[definition.type], unit=definition.unit,
                    answers=[display_value(definition, c) for c in _choices(definition)], range=_range(definition),
                    clauses=[_entry_ref(e) for e in draft.entries], only_if=gates, only_if_text=only_if_text(gates),
                    level=level)


def _gaps(version: Version, kind: str) -> list[str]:
    return [gap_text(gap) for gap, scope in zip(version.meta.gaps, version.gap_scopes)
            if scope is None or kind in scope]


def _group(section: Section | None, questions: list[Question]) -> QuestionGroup:
    title = OTHER_CLAUSES if section is None else f"{section.clause} {section.title or ''}".rstrip()
    return QuestionGroup(section=section.clause if section else None, title=title, questions=questions)


def questionnaire(bundle: Bundle, place_kind: str, day: dt.date) -> Questionnaire:
    """The questionnaire for a kind of place (its code or Chinese label) under the versions in force
    on the day; UnknownPlaceKind if the vocabulary has no such kind."""
    vocab = bundle.vocabulary
    kind = place_kind_code(vocab, place_kind)
    encoded = [v for v in bundle.versions_on(day) if v.meta.encoded]
    ranks = ask_ranks(encoded)
    # the drafts come in the order the clauses first read them, so do the sections they fill
    # (a chapter's own clauses, e.g. 7.5, after its subsections 7.1～7.3 that precede them)
    sections: dict[str, dict[Section | None, list[_Draft]]] = defaultdict(dict)
    for draft in _drafts([e for v in encoded for e in _entries(v, vocab, kind, ranks)], vocab, ranks):
        section = section_of(draft.home.clause, draft.home.version.meta.sections)
        sections[draft.home.version.key].setdefault(section, []).append(draft)
    numbers = itertools.count(1)
    standards = []
    for version in encoded:
        # sections whose questions wait for an element to be found (e.g. 5.1.2、5.1.3) after the others
        filled = sorted(sections[version.key].items(), key=lambda item: all(d.after_findings for d in item[1]))
        groups = [_group(section, [_question(next(numbers), d, level, bundle) for d, level in _asking_order(drafts, ranks)])
                  for section, drafts in filled]
        if groups:
            meta = version.meta
            standards.append(StandardQuestions(standard=version.standard, version=version.version,
                                               document_number=meta.document_number, title=meta.title,
                                               groups=groups, gaps=_gaps(version, kind)))
    label = place_kinds(vocab)[kind]
    notes = [f"{v.meta.document_number}《{v.meta.title}》在 {day} 有效，但其条文尚未编码：本问卷不含其问题，"
             f"也未改用其被替代的旧版本" for v in bundle.versions_on(day) if not v.meta.encoded]
    if not standards:
        notes.append(f"{day} 没有适用于“{label}”的已编码判定条款，本问卷没有问题")
    return Questionnaire(place_kind=kind, place_label=label, as_of=day, rules_digest=bundle.digest,
                         standards=standards, notes=notes)
