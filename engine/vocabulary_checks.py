"""The checks of the fact vocabulary's files, as a named, ordered list (the per-file stages of the
loader's "vocabulary" stage, engine/load_stages.py).

`VOCABULARY_CHECKS` runs in order over the vocabulary's files, each validated (or, when it is not,
what of it is valid on its own) by the loader: hazard kinds and fact names each defined once, a
vocabulary found at all, one place fact; then, once every file could be read, the derived facts
(no cycle) and the constraints (once each, naming known facts). Their words are in
engine/rule_messages.py; what they find goes into the loader's problems (file, line, field).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .conditions import ConditionParser, Node, _suggest
from .errors import RuleProblem
from .rule_messages import words
from .schema import ConstraintDef, FactDef
from .vocabulary import Constraint, DerivedFact, Vocabulary
from .yaml_source import SourceDoc

if TYPE_CHECKING:
    from .loader import _Loader


@dataclass(frozen=True)
class VocabularyInFile:
    """One vocabulary file as the checks see it: its entries (of a file that failed validation,
    those valid on their own), and whether it is valid as a whole."""

    doc: SourceDoc
    valid: bool
    sections: tuple[tuple[str, dict[str, Any]], ...]  # ("facts", {name: FactDef}), ("derived", {name: DerivedDef})
    hazards: dict[str, str]
    constraints: dict[str, ConstraintDef]


@dataclass
class VocabularyState:
    """What the vocabulary checks have found so far."""

    files: list[VocabularyInFile]
    facts: dict[str, FactDef] = field(default_factory=dict)
    derived_raw: dict[str, tuple[SourceDoc, Any]] = field(default_factory=dict)
    place_facts: list[tuple[str, SourceDoc]] = field(default_factory=list)
    hazards: dict[str, str] = field(default_factory=dict)
    derived: dict[str, DerivedFact] = field(default_factory=dict)
    constraints: tuple[Constraint, ...] = ()

    def vocabulary(self, complete: bool) -> Vocabulary | None:
        """None without facts; without every file, no derived fact and no constraint: which facts
        exist is unknown, so no condition is checked against them (as for versions)."""
        if not self.facts:
            return None
        if not complete:
            return Vocabulary(self.facts, {}, self.hazards, ())
        return Vocabulary(self.facts, self.derived, self.hazards, self.constraints)


def _say(loader: _Loader, doc: SourceDoc, path: tuple, key: str, **names: object) -> None:
    loader.problem(doc, path, *words(key, **names))


def hazard_kinds_once(loader: _Loader, state: VocabularyState) -> None:
    """A valid file's hazard kind defined earlier is named; an invalid file's never win over earlier ones."""
    for file in state.files:
        if not file.valid:
            state.hazards = {**file.hazards, **state.hazards}
            continue
        for name, label in file.hazards.items():
            if name in state.hazards:
                _say(loader, file.doc, ("hazards", name), "hazard_twice", name=name)
            state.hazards[name] = label


def fact_names_once(loader: _Loader, state: VocabularyState) -> None:
    """Facts and derived facts share one name space across the files; the first definition counts."""
    seen: dict[str, str] = {}
    for file in state.files:
        doc = file.doc
        for section, entries in file.sections:
            for name, definition in entries.items():
                if name in seen:
                    _say(loader, doc, (section, name), "fact_twice", name=name, where=seen[name])
                    continue
                seen[name] = f"{doc.file}:{doc.line_of((section, name))}"
                if section == "facts":
                    state.facts[name] = definition
                    if definition.place:
                        state.place_facts.append((name, doc))
                else:
                    state.derived_raw[name] = (doc, definition)


def vocabulary_found(loader: _Loader, state: VocabularyState) -> None:
    if state.facts:
        return
    if loader.vocabulary_complete and not loader.broken:  # else the unreadable file says why
        loader.problems.append(RuleProblem(loader.name(loader.root / "facts"), None, (), *words("no_vocabulary")))
    loader.vocabulary_complete = False


def one_place_fact(loader: _Loader, state: VocabularyState) -> None:
    if not state.facts or not state.place_facts:
        return
    first, first_doc = state.place_facts[0]
    for name, doc in state.place_facts[1:]:
        _say(loader, doc, ("facts", name, "place"), "place_fact_twice", first=first,
             where=f"{first_doc.file}:{first_doc.line_of(('facts', first, 'place'))}")


def derived_facts(loader: _Loader, state: VocabularyState) -> None:
    """Each derived fact's condition, over facts and other derived facts, with no cycle."""
    if not loader.vocabulary_complete:
        return
    facts, raw = state.facts, state.derived_raw
    done: dict[str, DerivedFact | None] = {}
    visiting: list[str] = []

    def resolve(name: str) -> Node | None:
        if name in done:
            return done[name].condition if done[name] else None
        doc, definition = raw[name]
        if name in visiting:
            cycle = " → ".join(visiting[visiting.index(name):] + [name])
            _say(loader, doc, ("derived", name, "condition"), "derived_cycle", cycle=cycle)
            return None
        visiting.append(name)
        parser = ConditionParser(facts, resolve, list(raw), frozenset(loader.broken))
        node = parser.parse(definition.condition, ("derived", name, "condition"),
                            lambda p, zh, en: loader.problem(doc, p, zh, en))
        visiting.pop()
        done[name] = DerivedFact(name, definition, node) if node is not None else None
        return node

    for name in raw:
        resolve(name)
    loader.broken.update(n for n, d in done.items() if d is None)
    state.derived = {n: d for n, d in done.items() if d is not None}


def constraints(loader: _Loader, state: VocabularyState) -> None:
    """Each constraint once, its conditions valid and the facts it wants absent known."""
    if not loader.vocabulary_complete:
        return
    facts, derived = state.facts, state.derived
    parser = ConditionParser(facts, lambda n: derived[n].condition if n in derived else None, list(derived),
                             frozenset(loader.broken))
    out, seen = [], set()
    for doc, name, spec in ((f.doc, name, c) for f in state.files if f.valid for name, c in f.constraints.items()):
        where = ("constraints", name)
        say = lambda p, zh, en: loader.problem(doc, p, zh, en)  # noqa: E731, B023
        if name in seen:
            _say(loader, doc, where, "constraint_twice", name=name)
            continue
        seen.add(name)
        when = parser.parse(spec.when, where + ("when",), say) if spec.when is not None else None
        require = parser.parse(spec.require, where + ("require",), say) if spec.require is not None else None
        unknown = [(j, n) for j, n in enumerate(spec.absent or []) if n not in facts]
        for j, n in unknown:
            _say(loader, doc, where + ("absent", j), "constraint_fact_unknown", name=n, hint=_suggest(n, list(facts)))
        if (spec.when is not None and when is None) or (spec.require is not None and require is None) or unknown:
            continue
        out.append(Constraint(name, spec.label, when, require, tuple(spec.absent or ())))
    state.constraints = tuple(out)


VOCABULARY_CHECKS: tuple[tuple[str, Callable[[_Loader, VocabularyState], None]], ...] = (
    ("hazard kinds defined once", hazard_kinds_once),
    ("fact names defined once", fact_names_once),
    ("a vocabulary found", vocabulary_found),
    ("one place fact", one_place_fact),
    ("derived facts without cycles", derived_facts),
    ("constraints", constraints),
)
