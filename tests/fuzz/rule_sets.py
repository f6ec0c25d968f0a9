"""Mutated rule sets: the bundled files with one to three editor slips, chosen by (seed, index).

The same seed and index always give the same set, so a finding is reproduced with one number
(`fuzz.py --write INDEX DIR`). Over consecutive indices every kind of slip comes round in every
file in turn; every fourth set has one or two more slips (in that file or others).
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from mutations import KINDS, Slip


@dataclass(frozen=True)
class Applied:
    kind: str
    file: str  # relative to the rules directory, '/'-separated
    slip: Slip

    def describe(self) -> str:
        where = f":{self.slip.line}" + (f":{self.slip.column}" if self.slip.column else "") if self.slip.line else ""
        return f"{self.kind} @ {self.file}{where}"


@dataclass(frozen=True)
class MutatedSet:
    index: int
    applied: tuple[Applied, ...]
    files: dict[str, str | bytes | None]  # the changed files' new content (None: deleted)


def base_files(rules_dir: Path) -> dict[str, str]:
    """Every rule file under rules_dir as it is now, by relative path."""
    return {p.relative_to(rules_dir).as_posix(): p.read_bytes().decode("utf-8")  # line ends as they are
            for p in sorted(rules_dir.rglob("*.y*ml"))}


def mutated_set(base: dict[str, str], seed: int, index: int) -> MutatedSet:
    rng = random.Random(f"{seed}:{index}")
    kinds, files = sorted(KINDS), sorted(base)
    # set k + r·K (K kinds) slips kind k into file k + r: any len(kinds) × len(files) consecutive
    # sets slip every kind into every file once
    wanted = [(kinds[index % len(kinds)], files[(index % len(kinds) + index // len(kinds)) % len(files)])]
    if index % 4 == 3:
        wanted += [(rng.choice(kinds), rng.choice(files)) for _ in range(rng.randint(1, 2))]
    current: dict[str, str | bytes | None] = {}
    applied = []
    for kind, first_file in wanted:
        start = files.index(first_file)
        for step in range(len(files)):  # a kind that does not apply to this file goes to the next one
            name = files[(start + step) % len(files)]
            text = current.get(name, base[name])
            if not isinstance(text, str):
                continue  # deleted or saved in another encoding: no text to slip in
            slip = KINDS[kind](text, rng)
            if slip is not None and slip.text != text:
                current[name] = slip.text
                applied.append(Applied(kind, name, slip))
                break
    return MutatedSet(index, tuple(applied), current)


def write(mutated: MutatedSet, base_dir: Path, target: Path) -> None:
    """The whole mutated set as a rules directory at target (a copy of base_dir, then the changes)."""
    shutil.copytree(base_dir, target, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    apply(mutated.files, target)


def apply(files: dict[str, str | bytes | None], root: Path) -> None:
    for name, content in files.items():
        path = root / name
        if content is None:
            path.unlink()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))  # bytes: no newline translation of CRLF sets


def restore(files: dict[str, str | bytes | None], base: dict[str, str], root: Path) -> None:
    for name in files:
        (root / name).write_bytes(base[name].encode("utf-8"))
