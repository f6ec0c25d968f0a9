"""Behaviour unchanged across a change of the rule files or the engine: the same answers, byte for byte.

    python -m bench.identical --base REV [--facilities 2000] [--tree DIR]

Judges the benchmark corpus (generated once, by the base tree) on every judge day of either
tree's rules (each version's first and last day and the day before each, and the days the
bench and tests use) with two trees: REV, checked out in a temporary `git worktree`, and DIR
(default: this tree). Each tree answers with its own engine and its own rules: the full and the
compact JSON of every judgement, and the JSON of every questionnaire and list in force on
those days. The answers are compared byte for byte once the ids the new rules renamed are
mapped through their aliases (`aliases` in the new tree's bundle, none before; also where a
note's sentence names one) and the rules
digest (which names the bytes of the rule files, so differs by design) is set aside.
Prints the count compared and every mismatch; exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRA_DAYS = ("2000-01-01", "2024-06-24", "2025-06-01", "2026-12-01", "2030-01-01")

# Run inside a tree (its own engine and rules first on the path): writes one JSON line per answer.
_WORKER = r"""
import datetime as dt, json, sys
tree, corpus_path, out_path, mode = sys.argv[1:5]
sys.path.insert(0, tree)
import engine
assert engine.__file__.startswith(tree), engine.__file__
from engine.loader import load
from engine.engine import Engine
from engine import catalogue, listing, questionnaire
bundle = load(tree + "/rules")
if mode == "corpus":
    from bench.corpus import facilities, judge_days
    count = int(out_path.split(":")[1])
    days = [d.isoformat() for d in judge_days(bundle)]
    json.dump({"facilities": facilities(bundle, count), "days": days}, open(corpus_path, "w"))
    sys.exit(0)
corpus = json.load(open(corpus_path))
days = sorted({*corpus["days"], *(d.isoformat() for v in bundle.versions
               for m in (v.meta.effective, v.meta.superseded) if m and m.date
               for d in (m.date, m.date - dt.timedelta(days=1)))})
aliases = getattr(bundle, "aliases", {})
with open(out_path, "w") as out, Engine(bundle) as judge:
    out.write(json.dumps({"aliases": aliases}) + "\n")
    for criterion_id in bundle.criteria:
        out.write(json.dumps([f"criterion {criterion_id}", catalogue.criterion(bundle, criterion_id).model_dump_json()]) + "\n")
    for day in map(dt.date.fromisoformat, days):
        for i, facts in enumerate(corpus["facilities"]):
            j = judge.judge(facts, day)
            for detail in ("full", "compact"):
                out.write(json.dumps([f"judge {day} {i} {detail}", j.dump_json(detail)]) + "\n")
        for kind in questionnaire.place_kinds(bundle.vocabulary):
            q = questionnaire.questionnaire(bundle, kind, day)
            out.write(json.dumps([f"questionnaire {day} {kind}", q.model_dump_json()]) + "\n")
        for list_id in bundle.lists:
            out.write(json.dumps([f"list {day} {list_id}", listing.list_in_force(bundle, list_id, day).model_dump_json()]) + "\n")
"""


def _run(tree: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-c", _WORKER, str(tree), *args], cwd=tree, check=True)


def _answers(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    with path.open() as lines:
        aliases = json.loads(next(lines))["aliases"]
        return aliases, dict(json.loads(line) for line in lines)


def _without_digest(value: object) -> object:
    if isinstance(value, dict):
        return {k: "-" if k == "rules_digest" else _without_digest(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_digest(v) for v in value]
    return value


def _comparable(answer: str, aliases: dict[str, str]) -> str:
    """The answer with the rules digest set aside and old ids renamed, as values and where a
    sentence names them (条款 moe2024.fire.10（…）)."""
    text = json.dumps(_without_digest(json.loads(answer)), ensure_ascii=False, separators=(",", ":"))
    if not aliases:
        return text
    names = "|".join(re.escape(old) for old in sorted(aliases, key=len, reverse=True))
    return re.sub(f"(?<![a-z0-9._-])({names})(?![a-z0-9_-]|\\.[a-z0-9])", lambda m: aliases[m.group(1)], text)


def _renamed(key: str, aliases: dict[str, str]) -> str:
    kind, _, rest = key.partition(" ")
    return f"{kind} {aliases.get(rest, rest)}" if kind == "criterion" else key


def compare(base: Path, tree: Path, count: int, work: Path) -> tuple[int, list[str]]:
    corpus = work / "corpus.json"
    _run(base, str(corpus), f"count:{count}", "corpus")
    _run(base, str(corpus), str(work / "base.jsonl"), "judge")
    _run(tree, str(corpus), str(work / "tree.jsonl"), "judge")
    _, before = _answers(work / "base.jsonl")
    aliases, after = _answers(work / "tree.jsonl")
    before = {_renamed(key, aliases): answer for key, answer in before.items()}
    mismatches = [key for key in sorted(before.keys() | after.keys())
                  if key not in before or key not in after
                  or _comparable(before[key], aliases) != _comparable(after[key], {})]
    return len(before.keys() | after.keys()), mismatches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit before the change")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the tree after the change (default: this one)")
    parser.add_argument("--facilities", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="keep the corpus and both trees' answers in this directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="identical-") as tmp:
        work, base = args.keep or Path(tmp), Path(tmp) / "base"
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True)
        try:
            compared, mismatches = compare(base, args.tree.resolve(), args.facilities, work)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=True)
    for key in mismatches[:50]:
        print(f"mismatch: {key}")
    print(f"{compared:,} answers compared, {len(mismatches):,} mismatches ({args.base} vs {args.tree})")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
