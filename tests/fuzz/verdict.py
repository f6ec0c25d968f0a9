"""One mutated rule set, treated as the product treats rule files, and the promises checked.

The set is loaded and checked (`engine.load`, what `hazard lint` and a reload run), then, if it
passes, built for durable-rules (`Engine`, what a reload builds in a child process first). It must
load, or be refused with problems that each name a file of the set and a line in it (a whole
directory only for a problem about the directory), in Chinese and in English; an invisible
character slipped in alone must be refused at its very line and column, and a slip that keeps
the YAML's meaning (CRLF) alone must load. An exception out of either step is a crash.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import engine
from engine.characters import editor_lines
from engine.errors import RuleProblem
from rule_sets import MutatedSet

LOADED, REFUSED, REFUSED_BY_BUILD, CRASH = "loaded", "refused", "refused by build", "crash"
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Verdict:
    outcome: str
    faults: list[str] = field(default_factory=list)  # promises broken: any makes the set count as a crash
    problems: list[str] = field(default_factory=list)


def judge(root: Path, mutated: MutatedSet, building: Callable[[], None]) -> Verdict:
    """building() is called just before the durable-rules build: a hang after it is durable-rules'."""
    try:
        bundle = engine.load(root)
    except engine.RuleError as exc:
        faults = _location_faults(exc.problems, root, mutated)
        faults += [f"{a.describe()}: the YAML means the same, but the set was refused" for a in _alone(mutated)
                   if a.slip.harmless]
        return Verdict(REFUSED, faults, [str(p) for p in exc.problems])
    except Exception:  # noqa: BLE001 - what the fuzzer is looking for
        return Verdict(CRASH, [f"load raised: {traceback.format_exc()}"])
    faults = [f"{a.describe()}: loaded, but an invisible character must be refused"
              for a in _alone(mutated) if a.slip.exact]
    building()
    try:
        engine.Engine(bundle).close()
    except engine.EngineFault as exc:
        return Verdict(REFUSED_BY_BUILD, faults, [str(exc)])
    except Exception:  # noqa: BLE001
        return Verdict(CRASH, faults + [f"build raised: {traceback.format_exc()}"])
    return Verdict(LOADED, faults)


def _alone(mutated: MutatedSet) -> tuple:
    """The slip of a set with one slip only (with several, one may move or remove another)."""
    return mutated.applied if len(mutated.applied) == 1 else ()


def _location_faults(problems: list[RuleProblem], root: Path, mutated: MutatedSet) -> list[str]:
    faults = []
    for p in problems:
        path = Path(p.file)
        if not (CJK.search(p.zh) and p.en and "Traceback" not in str(p)):
            faults.append(f"not in Chinese and English: {p}")
        if "the engine failed while checking" in p.en:
            faults.append(f"an exception in the checks, turned into a problem: {p}")
        if root not in path.parents and path != root:
            faults.append(f"names no file of the set: {p}")
        elif path.is_dir():
            continue  # a problem with a directory (no vocabulary in facts/): no line to give
        elif not path.is_file():
            faults.append(f"names a file that is not there: {p}")
        elif p.line is None:
            faults.append(f"no line: {p}")
        elif not 1 <= p.line <= len(editor_lines(path.read_bytes().decode("utf-8", "replace"))):
            faults.append(f"line outside the file: {p}")
    for a in _alone(mutated):
        if a.slip.exact and not any(Path(p.file) == root / a.file and p.line == a.slip.line
                                    and p.column == a.slip.column for p in problems):
            faults.append(f"{a.describe()}: not reported at that line and column; got "
                          + "; ".join(str(p) for p in problems))
    return faults
