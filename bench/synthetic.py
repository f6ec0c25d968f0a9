"""Synthetic rule lists k× the size of rules/: every standard cloned k − 1 times.

A clone of standard S is the standard `S-x<j>` with all its versions; every id in it (criteria,
combined rules, their former ids, and the references to them: governs, elements, element sets,
previous) gets the suffix
`-x<j>`. Facts, dates, document numbers and conditions stay as they are, so a clone judges the
same facilities the same way: a k× list has k× the criteria, and every facility keeps its
classification (the benchmark checks that too). Lists (rules/lists) are not cloned.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _renamed(data: dict[str, Any], suffix: str) -> dict[str, Any]:
    def ids(items: list[str] | None) -> list[str] | None:
        return None if items is None else [f"{i}{suffix}" for i in items]

    sets = data.get("element_sets") or {}
    for name, members in sets.items():
        sets[name] = ids(members)
    for criterion in data.get("criteria") or []:
        criterion["id"] += suffix
        if criterion.get("formerly"):
            criterion["formerly"] = ids(criterion["formerly"])
        if criterion.get("governs") is not None:
            criterion["governs"] = ids(criterion["governs"])
        if criterion.get("previous"):
            criterion["previous"] = ids(criterion["previous"])
    for rule in (data.get("method") or {}).get("combined") or []:
        rule["id"] += suffix
        rule["elements"] = [e if e in sets else f"{e}{suffix}" for e in rule["elements"]]
        if rule.get("formerly"):
            rule["formerly"] = ids(rule["formerly"])
        if rule.get("previous"):
            rule["previous"] = ids(rule["previous"])
    return data


def make_rules(target: Path, multiple: int, source: Path = ROOT / "rules") -> Path:
    """A rules directory at target holding `multiple` copies of every standard in source."""
    shutil.copytree(source, target)
    standards = sorted(p for p in (source / "standards").iterdir() if p.is_dir())
    for j in range(2, multiple + 1):
        suffix = f"-x{j}"
        for standard in standards:
            clone = target / "standards" / f"{standard.name}{suffix}"
            clone.mkdir()
            for version in sorted(standard.glob("*.yaml")):
                data = yaml.safe_load(version.read_text(encoding="utf-8"))
                (clone / version.name).write_text(
                    yaml.safe_dump(_renamed(data, suffix), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
