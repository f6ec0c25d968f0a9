"""Reuse in the rule language: what an expert says once, written out where it applies.

Rule files may declare a thing once and use it many times (none of it YAML anchors, which stay
refused): enum value sets (`value_sets`) and named place groups (`place_groups`, with `but` for
"every school place but …") in the vocabulary; in a version, `defaults` (source, hazards,
applies_to) that an entry inherits unless it says otherwise, the text status read from the
source's provenance mark, a section's `gate` that heads the condition of every element of the
section (and an exception or precondition at the section's heading governs them), and named
`element_sets` for combined rules.

Each stage below rewrites the parsed YAML document (dicts and lists, with the line of every
value moved along) into what the schema and the condition parser read, and reports what it
cannot rewrite, naming the file, line and field. The stages run in the order listed in
VOCABULARY_STAGES and VERSION_STAGES; their words are in rule_messages.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .conditions import _suggest
from .errors import RuleProblem
from .rule_messages import words
from .schema import clause_in_section
from .yaml_source import SourceDoc

Path_ = tuple[str | int, ...]

# The provenance mark a source begins with, and the text statuses it allows (the first is the
# one an entry without text_status takes). A VERBATIM copy may still lack characters (partial).
MARKS: dict[str, tuple[str, ...]] = {
    "VERBATIM-PARTIAL": ("partial",),
    "VERBATIM": ("verbatim", "partial"),
    "RECONSTRUCTED": ("reconstructed",),
    "SECONDARY": ("secondary",),
    "UNVERIFIED": ("unverified",),
}
_MARK = re.compile(r"^(" + "|".join(sorted(MARKS, key=len, reverse=True)) + r")(?![A-Z-])")
_ELEMENT_METHODS = ("direct", "combined")


@dataclass
class Draft:
    """One rule file's document on its way to the schema."""

    doc: SourceDoc
    data: Any
    lines: dict[Path_, int]
    problems: list[RuleProblem]

    @classmethod
    def of(cls, doc: SourceDoc, problems: list[RuleProblem]) -> Draft:
        return cls(doc, copy.deepcopy(doc.data), dict(doc.lines), problems)

    def say(self, path: Path_, key: str, **names: object) -> None:
        zh, en = words(key, **names)
        self.problems.append(SourceDoc(self.doc.file, None, self.lines).problem(path, zh, en))

    def line_of(self, path: Path_) -> str:
        return f"{self.doc.file}:{SourceDoc(self.doc.file, None, self.lines).line_of(path)}"

    def copy_lines(self, source: Path_, target: Path_) -> None:
        """The lines of source and everything under it, also for target (what it was written out as)."""
        for path, line in list(self.lines.items()):
            if path[:len(source)] == source:
                self.lines[target + path[len(source):]] = line

    def move_lines(self, source: Path_, target: Path_) -> None:
        moved = {p: n for p, n in self.lines.items() if p[:len(source)] == source}
        for path in moved:
            del self.lines[path]
        self.lines.update({target + p[len(source):]: n for p, n in moved.items()})

    def result(self) -> SourceDoc:
        return replace(self.doc, data=self.data, lines=self.lines)


@dataclass
class Places:
    """The kinds of place (in the vocabulary's order) and the named groups of them."""

    kinds: list[str] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class VocabularyResult:
    docs: list[SourceDoc]
    broken: set[str]      # facts left out (their mistake reported): their uses are no second mistake
    places: Places


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _entries(data: Any, section: str) -> dict:
    return _mapping(_mapping(data).get(section))


# -- vocabulary stages -----------------------------------------------------------------------
def value_sets(drafts: list[Draft], out: VocabularyResult) -> None:
    """`values: <set>` in a fact stands for the value set declared once under `value_sets`."""
    declared: dict[str, tuple[Draft, dict]] = {}
    for draft in drafts:
        for name, values in _entries(draft.data, "value_sets").items():
            if name in declared:
                draft.say(("value_sets", name), "value_set_twice", name=name, where=declared[name][0].line_of(("value_sets", name)))
            elif isinstance(values, dict):
                declared[name] = (draft, values)
    used: set[str] = set()
    for draft in drafts:
        facts = _entries(draft.data, "facts")
        for name, fact in list(facts.items()):
            wanted = _mapping(fact).get("values")
            if not isinstance(wanted, str):
                continue
            if wanted not in declared:
                draft.say(("facts", name, "values"), "value_set_unknown", name=wanted, hint=_suggest(wanted, list(declared)))
                del facts[name]
                out.broken.add(str(name))
                continue
            used.add(wanted)
            owner, values = declared[wanted]
            fact["values"] = dict(values)
            for path, line in list(owner.lines.items()):
                if path[:2] == ("value_sets", wanted) and len(path) > 2:
                    draft.lines[("facts", name, "values") + path[2:]] = line
    for name, (draft, _) in declared.items():
        if name not in used:
            draft.say(("value_sets", name), "value_set_unused", name=name)


def _place_kinds(drafts: list[Draft]) -> list[str]:
    """The kinds of place: the values of the fact marked `place: true` (the first one declared)."""
    for draft in drafts:
        for fact in _entries(draft.data, "facts").values():
            if _mapping(fact).get("place") is True and isinstance(fact.get("values"), dict):
                return [str(k) for k in fact["values"]]
    return []


def _declared_groups(drafts: list[Draft], kinds: list[str]) -> dict[str, tuple[Draft, Any]]:
    """Each group declared once and not named like a kind (else reported), with the file it is in."""
    declared: dict[str, tuple[Draft, Any]] = {}
    for draft in drafts:
        for name, spec in _entries(draft.data, "place_groups").items():
            if name in declared:
                draft.say(("place_groups", name), "group_twice", name=name, where=declared[name][0].line_of(("place_groups", name)))
            elif name in kinds:
                draft.say(("place_groups", name), "group_is_kind", name=name)
            else:
                declared[name] = (draft, spec)
    return declared


def _group_members(spec: Any, draft: Draft, at: Path_, kinds: list[str],
                   members: Callable[[str, Draft, Path_], list[str] | None]) -> set[str] | None:
    """The kinds one group's spec stands for (a list, or `of` … `but`); None: something in it was reported."""
    if isinstance(spec, list):
        parts = [members(str(item), draft, at + (j,)) for j, item in enumerate(spec)]
        return None if None in parts else {k for part in parts for k in part}
    if not (isinstance(spec, dict) and isinstance(spec.get("but", []), list)):
        return None  # not a list or mapping: the schema says so
    base = spec.get("of", "all")
    whole = kinds if base == "all" else members(str(base), draft, at + ("of",))
    left_out = [members(str(item), draft, at + ("but", j)) for j, item in enumerate(spec.get("but", []))]
    for j, part in enumerate(left_out):
        if part is not None and whole is not None and not set(part) & set(whole):
            draft.say(at + ("but", j), "group_but_outside", name=spec["but"][j], base=base)
    return None if whole is None or None in left_out else set(whole) - {k for p in left_out for k in p}


def place_groups(drafts: list[Draft], out: VocabularyResult) -> None:
    """`place_groups`: a list of kinds and groups, or `{of: all | <group>, but: [...]}` (every kind of
    `of` but those), so that a kind added to the vocabulary later joins the groups it belongs to."""
    kinds = out.places.kinds = _place_kinds(drafts)
    declared = _declared_groups(drafts, kinds)
    resolving: list[str] = []
    in_cycle: set[str] = set()  # a cycle is reported once, at the group where it was found

    def members(name: str, draft: Draft, path: Path_) -> list[str] | None:
        """The kinds a name stands for (a kind, `all` in `of`, or a group); None: reported."""
        if name in kinds:
            return [name]
        if name in out.places.groups:
            return out.places.groups[name]
        if name not in declared:
            known = kinds + list(declared)
            draft.say(path, "group_kind_unknown", name=name, hint=_suggest(str(name), known))
            return None
        if name in resolving:
            cycle = resolving[resolving.index(name):]
            if not in_cycle & set(cycle):
                declared[name][0].say(("place_groups", name), "group_cycle", cycle=" → ".join(cycle + [name]))
            in_cycle.update(cycle)
            return None
        if name in in_cycle:
            return None
        return resolve(name)

    def resolve(name: str) -> list[str] | None:
        draft, spec = declared[name]
        resolving.append(name)
        at = ("place_groups", name)
        chosen = _group_members(spec, draft, at, kinds, members)
        resolving.pop()
        if chosen is not None and not chosen:
            draft.say(at, "group_empty", name=name)
        if chosen:
            out.places.groups[name] = [k for k in kinds if k in chosen]
        return out.places.groups.get(name)

    for name in declared:
        if name not in out.places.groups and name not in in_cycle:
            resolve(name)


def citation_marks(drafts: list[Draft], out: VocabularyResult) -> None:
    """A derived fact's basis takes its text status from its source's mark."""
    for draft in drafts:
        for name, derived in _entries(draft.data, "derived").items():
            basis = _mapping(derived).get("basis")
            if isinstance(basis, dict):
                _text_status(draft, basis, ("derived", name, "basis"))


VOCABULARY_STAGES: tuple[tuple[str, Callable[[list[Draft], VocabularyResult], None]], ...] = (
    ("value sets", value_sets),
    ("place groups", place_groups),
    ("source marks", citation_marks),
)


def expand_vocabulary(docs: list[SourceDoc], problems: list[RuleProblem]) -> VocabularyResult:
    drafts = [Draft.of(doc, problems) for doc in docs]
    out = VocabularyResult([], set(), Places())
    for _, stage in VOCABULARY_STAGES:
        stage(drafts, out)
    out.docs = [d.result() for d in drafts]
    return out


# -- version stages --------------------------------------------------------------------------
def _criteria(draft: Draft) -> list[tuple[int, dict]]:
    items = _mapping(draft.data).get("criteria")
    return [(i, c) for i, c in enumerate(items) if isinstance(c, dict)] if isinstance(items, list) else []


def _combined(draft: Draft) -> list[tuple[int, dict]]:
    items = _mapping(_mapping(draft.data).get("method")).get("combined")
    return [(i, r) for i, r in enumerate(items) if isinstance(r, dict)] if isinstance(items, list) else []


def defaults(draft: Draft, places: Places) -> None:
    """`defaults`: source, hazards and applies_to set once for the version; an entry that states its
    own keeps it (a combined rule takes only the source)."""
    given = {k: v for k, v in _mapping(_mapping(draft.data).get("defaults")).items()
             if k in ("source", "hazards", "applies_to")}
    entries = [(("criteria", i), c, tuple(given)) for i, c in _criteria(draft)]
    entries += [(("method", "combined", i), r, ("source",)) for i, r in _combined(draft)]
    inherited: set[str] = set()
    for where, entry, fields in entries:
        for name in (f for f in fields if f in given):
            if name not in entry:
                entry[name] = copy.deepcopy(given[name])
                draft.copy_lines(("defaults", name), where + (name,))
                inherited.add(name)
            elif entry[name] == given[name]:
                draft.say(where + (name,), "default_repeated", field=name)
    for name in given:
        if name not in inherited and entries:
            draft.say(("defaults", name), "default_unused", field=name)


def _text_status(draft: Draft, entry: dict, where: Path_) -> None:
    source = entry.get("source")
    mark = _MARK.match(source) if isinstance(source, str) else None
    status = entry.get("text_status")
    if mark is None:
        if status is None and isinstance(source, str):
            draft.say(where + ("source",), "mark_missing", marks=" / ".join(MARKS))
            entry["text_status"] = "unverified"  # the problem above is the entry's one mistake
        return
    allowed = MARKS[mark.group(1)]
    if status is None:
        entry["text_status"] = allowed[0]
        draft.copy_lines(where + ("source",), where + ("text_status",))
    elif isinstance(status, str) and status not in allowed:
        draft.say(where + ("text_status",), "mark_disagrees", status=status, mark=mark.group(1), allowed=" / ".join(allowed))


def source_marks(draft: Draft, places: Places) -> None:
    """An entry without text_status takes it from its source's provenance mark (VERBATIM …);
    one that states it must agree with the mark."""
    for i, entry in _criteria(draft):
        _text_status(draft, entry, ("criteria", i))
    for i, rule in _combined(draft):
        _text_status(draft, rule, ("method", "combined", i))
    precedence = _mapping(draft.data).get("precedence")
    if isinstance(precedence, dict):
        _text_status(draft, precedence, ("precedence",))


def _splice(items: list, draft: Draft, at: Path_, named: dict[str, list], lines_of: Callable[[str], Path_ | None]) -> list:
    """The items with each name of `named` replaced by its members (the lines moved along)."""
    out: list = []
    origin: list[Path_] = []
    for j, item in enumerate(items):
        if isinstance(item, str) and item in named:
            source = lines_of(item)
            for k, member in enumerate(named[item]):
                out.append(member)
                origin.append(source + (k,) if source else at + (j,))
        else:
            out.append(item)
            origin.append(at + (j,))
    old = dict(draft.lines)
    for path in [p for p in draft.lines if p[:len(at)] == at and len(p) > len(at)]:
        del draft.lines[path]
    for j, source in enumerate(origin):
        draft.lines[at + (j,)] = old.get(source, old.get(at, 0))
    return out


def applies_to_groups(draft: Draft, places: Places) -> None:
    """`applies_to: <group>`, or a group's name among kinds, stands for the group's kinds."""
    for i, entry in _criteria(draft):
        at = ("criteria", i, "applies_to")
        value = entry.get("applies_to")
        if isinstance(value, str):
            if value not in places.groups:
                draft.say(at, "group_unknown", name=value, hint=_suggest(value, list(places.groups)))
                entry["applies_to"] = None  # reported above: no second problem for the same word
                continue
            value = [value]
        if isinstance(value, list):
            spelled = [g for g, kinds in places.groups.items() if len(value) > 1 and set(value) == set(kinds)]
            if spelled:
                draft.say(at, "group_spelled_out", name=spelled[0])
            entry["applies_to"] = _splice(value, draft, at, places.groups, lambda _: None)


def section_gates(draft: Draft, places: Places) -> None:
    """A section's `gate` heads the condition of each direct or combined element in the section;
    an exemption or precondition at the section's heading without `governs` governs them."""
    sections = _mapping(draft.data).get("sections")
    sections = [(k, s) for k, s in enumerate(sections) if isinstance(s, dict)] if isinstance(sections, list) else []
    gated = sorted(((k, s) for k, s in sections if isinstance(s.get("gate"), dict) and isinstance(s.get("clause"), str)),
                   key=lambda ks: -len(ks[1]["clause"]))  # the innermost first, so the outermost ends up first
    criteria = _criteria(draft)
    for k, section in gated:
        heading, gate = section["clause"], section["gate"]
        inside = [(i, c) for i, c in criteria if isinstance(c.get("clause"), str) and c["clause"] != heading
                  and clause_in_section(c["clause"], heading)]
        elements = [(i, c) for i, c in inside if c.get("method") in _ELEMENT_METHODS]
        if not elements:
            draft.say(("sections", k, "gate"), "gate_unused", section=heading)
        for i, criterion in elements:
            _gate_condition(draft, i, criterion, k, gate, heading)
        for i, criterion in criteria:
            if (criterion.get("clause") == heading and criterion.get("method") in ("exemption", "precondition")
                    and "governs" not in criterion):
                criterion["governs"] = [c.get("id") for _, c in elements]
                draft.copy_lines(("criteria", i), ("criteria", i, "governs"))
                for j in range(len(elements)):
                    draft.lines[("criteria", i, "governs", j)] = draft.lines.get(("criteria", i), 0)


def _gate_condition(draft: Draft, i: int, criterion: dict, k: int, gate: dict, heading: str) -> None:
    at = ("criteria", i, "condition")
    condition = criterion.get("condition")
    if not isinstance(condition, dict):
        return  # the schema says what is wrong with it
    items = condition.get("all") if len(condition) == 1 else None
    if isinstance(items, list) and items and items[0] == gate:
        draft.say(at + ("all", 0), "gate_repeated", section=heading)
    if isinstance(items, list):
        criterion["condition"] = {"all": [copy.deepcopy(gate), *items]}
        for j in range(len(items) - 1, -1, -1):
            draft.move_lines(at + ("all", j), at + ("all", j + 1))
    else:
        criterion["condition"] = {"all": [copy.deepcopy(gate), condition]}
        head = draft.lines.get(at)
        draft.move_lines(at, at + ("all", 1))
        draft.lines[at] = draft.lines[at + ("all",)] = head or draft.lines.get(("criteria", i), 0)
    draft.copy_lines(("sections", k, "gate"), at + ("all", 0))


def element_sets(draft: Draft, places: Places) -> None:
    """`element_sets`: a named list of elements; its name among a combined rule's elements stands for them."""
    declared = {name: members for name, members in _entries(draft.data, "element_sets").items() if isinstance(members, list)}
    ids = {c["id"] for _, c in _criteria(draft) if isinstance(c.get("id"), str)}
    for name in declared:
        if name in ids:
            draft.say(("element_sets", name), "element_set_is_id", name=name)
    used: set[str] = set()
    for i, rule in _combined(draft):
        elements = rule.get("elements")
        if isinstance(elements, list):
            used |= {e for e in elements if isinstance(e, str) and e in declared}
            rule["elements"] = _splice(elements, draft, ("method", "combined", i, "elements"), declared,
                                       lambda name: ("element_sets", name))
    for name in declared:
        if name not in used:
            draft.say(("element_sets", name), "element_set_unused", name=name)


VERSION_STAGES: tuple[tuple[str, Callable[[Draft, Places], None]], ...] = (
    ("defaults", defaults),
    ("source marks", source_marks),
    ("place groups", applies_to_groups),
    ("section gates", section_gates),
    ("element sets", element_sets),
)


def expand_version(doc: SourceDoc, places: Places, problems: list[RuleProblem]) -> SourceDoc:
    draft = Draft.of(doc, problems)
    for _, stage in VERSION_STAGES:
        stage(draft, places)
    return draft.result()
