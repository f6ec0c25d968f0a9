"""A fixed, realistic corpus of facilities for benchmarks: the bundled examples and the compliant
baselines of the living documentation, perturbed.

Deterministic (seeded): every run judges the same facilities. The bases are the example
facilities (examples/*.yaml: mostly hazardous) and the compliant baselines (features/baselines/*.yaml:
one complete, compliant facility per kind of place, written in Chinese labels). Perturbations
flip booleans, move numbers across their thresholds, change enum states and drop facts, so the
corpus holds major, ordinary, none and indeterminate judgements across many kinds of place.
Values are JSON values (the same facilities are posted to the service).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path
from typing import Any

import yaml

from engine.bundle import Bundle
from engine.errors import FactError
from engine.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parent.parent


def _examples() -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.yaml"))]


def _baselines(bundle: Bundle) -> list[dict[str, Any]]:
    """The compliant baselines, from Chinese labels and value words to fact names and values."""
    vocab = bundle.vocabulary
    by_label = {f.label: name for name, f in vocab.facts.items()}
    out = []
    for path in sorted((ROOT / "features" / "baselines").glob("*.yaml")):
        facts: dict[str, Any] = {}
        for word, raw in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            name = by_label.get(str(word), str(word))
            definition = vocab.facts.get(name)
            if definition is None or raw is None:
                continue  # a baseline written for other rules: skip what this vocabulary lacks
            if definition.type == "boolean":
                value = {"是": True, "否": False}.get(raw, raw)
            elif definition.type == "enum":
                value = next((code for code, label in (definition.values or {}).items() if raw in (code, label)), raw)
            else:
                value = raw
            facts[name] = value
        out.append(facts)
    return out


def bases(bundle: Bundle) -> list[dict[str, Any]]:
    return _examples() + _baselines(bundle)


def _perturb(rng: random.Random, facts: dict[str, Any], bundle: Bundle) -> dict[str, Any]:
    out = dict(facts)
    vocab = bundle.vocabulary.facts
    for name in rng.sample(sorted(out), k=min(len(out), rng.choice([0, 0, 1, 1, 2, 3]))):
        definition, value = vocab[name], out[name]
        if definition.type == "boolean":
            out[name] = not value
        elif definition.type == "enum":
            out[name] = rng.choice(sorted(definition.values))
        elif definition.type in ("integer", "number") and value is not None:
            scaled = value * rng.choice([0.5, 0.79, 0.8, 1.0, 1.25, 2])
            out[name] = round(scaled) if definition.type == "integer" else round(scaled, 2)
            low, high = definition.minimum, definition.maximum
            if low is not None:
                out[name] = max(out[name], type(out[name])(low))
            if high is not None:
                out[name] = min(out[name], type(out[name])(high))
    if rng.random() < 0.15:  # an inspector who left a question unanswered
        out.pop(rng.choice(sorted(out)), None)
    return consistent(bundle.vocabulary, out)


def facilities(bundle: Bundle, count: int, seed: int = 20261129) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    base = bases(bundle)
    return [_perturb(rng, rng.choice(base), bundle) for _ in range(count)]


def random_facts(vocab: Vocabulary, rng: random.Random, present: float | None = None,
                 nulls: float = 0.0) -> dict[str, Any]:
    """Valid facts over a whole vocabulary: each absent (chance 1 - present; present itself drawn
    when not given), null (chance nulls) or a value of its type in range. Numbers include the
    range's ends, a value below 1e-4 (Python writes it with an exponent) and rounded values."""
    present = rng.random() if present is None else present
    out: dict[str, Any] = {}
    for name, f in vocab.facts.items():
        if rng.random() >= present:
            continue
        if rng.random() < nulls:
            out[name] = None
        elif f.type == "boolean":
            out[name] = rng.random() < 0.5
        elif f.type == "enum":
            out[name] = rng.choice(sorted(f.values))
        elif f.type == "date":
            out[name] = (dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 12000))).isoformat()
        else:
            low = f.minimum if f.minimum is not None else -1000
            high = f.maximum if f.maximum is not None else 1000
            if f.type == "integer":
                out[name] = rng.randint(math.ceil(low), math.floor(min(high, low + 1000)))
            else:
                x = rng.uniform(low, min(high, low + 1000))
                out[name] = rng.choice([x, round(x, rng.choice([0, 1, 2])), float(low),
                                        1e-05 if low <= 1e-05 <= high else float(high)])
    return consistent(vocab, out)


def consistent(vocab: Vocabulary, facts: dict[str, Any]) -> dict[str, Any]:
    """The facts without those that contradict others (the vocabulary's constraints refuse them):
    of each contradiction, the fact it names first is left out, until none is left."""
    facts = dict(facts)
    while True:
        try:
            vocab.check(facts)
            return facts
        except FactError as exc:
            contradicting = [p.fact for p in exc.problems if p.related]
            if not contradicting:
                return facts  # any other problem is the caller's to see
            for name in contradicting:
                facts.pop(name, None)


def judge_days(bundle: Bundle, also: tuple[dt.date, ...] = ()) -> list[dt.date]:
    """Days worth judging on: each version's first day and the day before, each end and the day
    before, and the days given."""
    days = set(also)
    for v in bundle.versions:
        for mark in (v.meta.effective, v.meta.superseded):
            if mark is not None and mark.date is not None:
                days |= {mark.date, mark.date - dt.timedelta(days=1)}
    return sorted(days)
