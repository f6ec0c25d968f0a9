"""The checks of one list file (rules/lists/*.yaml), as a named, ordered list (the per-file stages of
the loader's "lists" stage, engine/load_stages.py).

`LIST_CHECKS` runs in order over one validated list: its areas' ids once, an area without include
saying why, the places of its areas, and what each include selects (a standard, hazard kinds and
entries the bundle declares). Each check yields (field path, message key, names); the words are in
engine/rule_messages.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .conditions import _suggest
from .schema import ListFile
from .vocabulary import Vocabulary

Found = tuple[tuple, str, dict]  # where in the file, the message key, the names it is worded with


@dataclass(frozen=True)
class ListInFile:
    """One list file as its checks see it, with what the bundle declares."""

    parsed: ListFile
    vocabulary: Vocabulary | None  # None when the vocabulary is incomplete
    standards: frozenset[str]
    entry_ids: frozenset[str]
    unreadable_standards: frozenset[str] = frozenset()  # their entries are unknown (already reported)
    broken_hazards: frozenset[str] = frozenset()  # defined, but wrongly (already reported)


def area_ids_once(file: ListInFile) -> Iterator[Found]:
    seen: set[str] = set()
    for i, area in enumerate(file.parsed.areas):
        if area.id in seen:
            yield ("areas", i, "id"), "area_twice", {"id": area.id}
        seen.add(area.id)


def empty_areas_explained(file: ListInFile) -> Iterator[Found]:
    for i, area in enumerate(file.parsed.areas):
        if not area.include and not area.not_encoded:
            yield ("areas", i), "area_unexplained", {}


def area_places_known(file: ListInFile) -> Iterator[Found]:
    vocab = file.vocabulary
    if not vocab:
        return
    places = list((vocab.facts[vocab.place_fact].values or {}) if vocab.place_fact else {})
    for i, area in enumerate(file.parsed.areas):
        for j, place in enumerate(area.places):
            if place not in places:
                yield ("areas", i, "places", j), "area_place_unknown", {"place": place, "hint": _suggest(place, places)}


def includes_known(file: ListInFile) -> Iterator[Found]:
    """What an include selects exists: its standard, its hazard kinds, its entries."""
    vocab, standards, entry_ids = file.vocabulary, sorted(file.standards), sorted(file.entry_ids)
    for i, area in enumerate(file.parsed.areas):
        for j, selection in enumerate(area.include):
            at = ("areas", i, "include", j)
            if selection.standard in file.unreadable_standards:
                continue
            if selection.standard not in file.standards:
                yield (at + ("standard",), "include_standard_unknown",
                       {"standard": selection.standard, "hint": _suggest(selection.standard, standards)})
            for k, hazard in enumerate(selection.hazards or []):
                if vocab and hazard not in vocab.hazards and hazard not in file.broken_hazards:
                    yield at + ("hazards", k), "include_hazard_unknown", {"hazard": hazard}
            for k, ref in enumerate(selection.criteria or []):
                if ref not in file.entry_ids:
                    yield at + ("criteria", k), "include_criterion_unknown", {"ref": ref, "hint": _suggest(ref, entry_ids)}


LIST_CHECKS: tuple[tuple[str, Callable[[ListInFile], Iterator[Found]]], ...] = (
    ("area ids once", area_ids_once),
    ("an area without include says why", empty_areas_explained),
    ("areas' places known", area_places_known),
    ("what an include selects exists", includes_known),
)
