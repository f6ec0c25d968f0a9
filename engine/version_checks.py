"""The checks of one standard version's file, as a named, ordered list (the per-file stages of the
loader's "standard versions" stage, engine/load_stages.py).

`VERSION_CHECKS` runs in order over one validated file: its dates, what an encoded version must and
must not hold (a method; sections, the direct rule, the combined rules and the entries' methods only
once it has one), then what needs the vocabulary (hazard kinds, the places of the gaps; skipped when
the vocabulary is incomplete). Each check yields (field path, message key, names); the words are in
engine/rule_messages.py. The loader then compiles the conditions (engine/loader.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .conditions import _suggest, _suggest_en
from .schema import VersionFile
from .vocabulary import Vocabulary

Found = tuple[tuple, str, dict]  # where in the file, the message key, the names it is worded with


@dataclass(frozen=True)
class VersionInFile:
    """One version file as its checks see it."""

    meta: VersionFile
    vocabulary: Vocabulary | None = None  # None when the vocabulary is incomplete
    broken_hazards: frozenset[str] = frozenset()  # defined, but wrongly (already reported)

    @property
    def methods(self) -> dict[str, str]:
        return {c.id: c.method for c in self.meta.criteria}


def _with_method(meta: VersionFile) -> bool:
    """An encoded version with a method: only then are its entries checked against each other."""
    return meta.encoded and meta.method is not None


def dates_in_order(file: VersionInFile) -> Iterator[Found]:
    meta = file.meta
    issued, effective = meta.issued.date, meta.effective.date
    if issued and effective and effective < issued:
        yield ("effective", "date"), "effective_before_issued", {}
    if meta.superseded and meta.superseded.date and effective and meta.superseded.date <= effective:
        yield ("superseded", "date"), "superseded_not_after_effective", {}


def encoded_or_not(file: VersionInFile) -> Iterator[Found]:
    meta = file.meta
    if not meta.encoded and (meta.criteria or meta.method):
        yield ("encoded",), "not_encoded_has_entries", {}
    if meta.encoded and meta.method is None:
        yield ("encoded",), "encoded_needs_method", {}


def sections_once(file: VersionInFile) -> Iterator[Found]:
    if not _with_method(file.meta):
        return
    clauses = [section.clause for section in file.meta.sections]
    for i, clause in enumerate(clauses):
        if clause in clauses[:i]:
            yield ("sections", i, "clause"), "section_twice", {"clause": clause}


def direct_rule_declared(file: VersionInFile) -> Iterator[Found]:
    if _with_method(file.meta) and "direct" in file.methods.values() and file.meta.method.direct is None:
        yield ("method", "direct"), "direct_rule_missing", {}


def combined_rules(file: VersionInFile) -> Iterator[Found]:
    """Each combined rule counts combined elements of this version, each once, and can be met."""
    if not _with_method(file.meta):
        return
    methods = file.methods
    for i, rule in enumerate(file.meta.method.combined):
        where = ("method", "combined", i)
        for j, element in enumerate(rule.elements):
            if methods.get(element) != "combined":
                yield where + ("elements", j), "combined_element_unknown", {"element": element}
        if len(set(rule.elements)) != len(rule.elements):
            yield where + ("elements",), "combined_elements_twice", {}
        if rule.at_least > len(rule.elements):
            yield where + ("at_least",), "combined_unreachable", {"at_least": rule.at_least, "count": len(rule.elements)}


def combined_elements_counted(file: VersionInFile) -> Iterator[Found]:
    if not _with_method(file.meta):
        return
    counted = {element for rule in file.meta.method.combined for element in rule.elements}
    for i, criterion in enumerate(file.meta.criteria):
        if criterion.method == "combined" and criterion.id not in counted:
            yield ("criteria", i, "method"), "combined_element_uncounted", {}


def readings_and_governs(file: VersionInFile) -> Iterator[Found]:
    """An exemption or precondition declares its reading and governs direct or combined elements;
    no other entry takes either."""
    if not _with_method(file.meta):
        return
    methods = file.methods
    for i, criterion in enumerate(file.meta.criteria):
        where = ("criteria", i)
        if criterion.method in ("exemption", "precondition"):
            if criterion.reading is None:
                yield where + ("method",), "reading_missing", {}
            for j, target in enumerate(criterion.governs or []):
                if methods.get(target) not in ("direct", "combined"):
                    yield where + ("governs", j), "governs_unknown", {"target": target}
        else:
            if criterion.governs is not None:
                yield where + ("governs",), "governs_not_taken", {}
            if criterion.reading is not None:
                yield where + ("reading",), "reading_not_taken", {}


def hazard_kinds(file: VersionInFile) -> Iterator[Found]:
    vocab, meta = file.vocabulary, file.meta
    if vocab is None:
        return
    named = [(("criteria", i, "hazards", j), h) for i, c in enumerate(meta.criteria) for j, h in enumerate(c.hazards)]
    if meta.precedence:
        named += [(("precedence", "yields_on", j), h) for j, h in enumerate(meta.precedence.yields_on)]
    for where, hazard in named:
        if hazard not in vocab.hazards and hazard not in file.broken_hazards:
            yield where, "hazard_unknown", {"hazard": hazard, "hint": _suggest(hazard, list(vocab.hazards))}


def gaps_places(file: VersionInFile) -> Iterator[Found]:
    vocab = file.vocabulary
    if vocab is None:
        return
    kinds = list((vocab.facts[vocab.place_fact].values or {}) if vocab.place_fact else {})
    for i, gap in enumerate(file.meta.gaps):
        for j, place in enumerate(gap.places if isinstance(gap.places, list) else []):
            if place not in kinds:
                yield (("gaps", i, "places", j), "gap_place_unknown",
                       {"place": place, "hint": _suggest(place, kinds), "hint_en": _suggest_en(place, kinds)})
        if gap.places == []:
            yield ("gaps", i, "places"), "gap_places_empty", {}


VERSION_CHECKS: tuple[tuple[str, Callable[[VersionInFile], Iterator[Found]]], ...] = (
    ("dates in order", dates_in_order),
    ("encoded with a method, or nothing to judge", encoded_or_not),
    ("sections listed once", sections_once),
    ("a direct rule for direct elements", direct_rule_declared),
    ("combined rules count combined elements", combined_rules),
    ("every combined element counted", combined_elements_counted),
    ("readings and governs", readings_and_governs),
    ("hazard kinds known", hazard_kinds),
    ("gaps' places known", gaps_places),
)
