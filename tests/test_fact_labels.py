"""The scenarios in features/ name facts by their Chinese label and enum values by theirs
(features/hazard_bdd.py), so a label must name one fact, and a value label one value of its fact:
a repeated label would make a scenario test another fact than the one it says."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import engine

RULES = Path(__file__).resolve().parents[1] / "rules"


def _repeated(labels: list[str]) -> list[str]:
    return sorted(label for label, count in Counter(labels).items() if count > 1)


def test_every_fact_and_derived_fact_has_a_label_of_its_own():
    vocab = engine.load(RULES).vocabulary
    labels = [f.label for f in vocab.facts.values()] + [d.definition.label for d in vocab.derived.values()]
    assert len(labels) > 100  # the bundled vocabulary, not an empty one
    assert _repeated(labels) == []


def test_every_enum_value_has_a_label_of_its_own_within_its_fact():
    vocab = engine.load(RULES).vocabulary
    enums = {name: f.values for name, f in vocab.facts.items() if f.type == "enum"}
    assert enums
    assert {name: _repeated(list(values.values())) for name, values in enums.items() if _repeated(list(values.values()))} == {}
