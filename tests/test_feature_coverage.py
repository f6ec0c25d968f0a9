"""Coverage gate for the living documentation (features/*.feature).

Every criterion of the bundled rules (engine.load("rules").criteria) must have
  - a scenario tagged @<id> containing the step  条款 "<id>" 触发, and
  - a scenario tagged @<id> containing the step  条款 "<id>" 未触发.
Every combined rule (method.combined of each version: bundle.versions[i].combined[j].id) must have
  - a scenario tagged @<id> containing the step  综合判定 "<id>" 构成重大事故隐患, and
  - a scenario tagged @<id> containing the step  综合判定 "<id>" 不构成重大事故隐患.
A scenario outline counts once its placeholders are filled from an example row, so an outline
whose rows say 触发 and 未触发 covers both sides. The tag may sit on the scenario, on its
例子 block, or on the 规则 (Rule) that contains it.

The feature files are read with the `gherkin` parser that pytest-bdd itself uses.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from gherkin.parser import Parser

from engine import load

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "features"
RULES = ROOT / "rules"
STEP = re.compile(r'条款 "(?P<id>[^"]+)" (?P<word>触发|未触发)')
COMBINED_STEP = re.compile(r'综合判定 "(?P<id>[^"]+)" (?P<word>构成|不构成)重大事故隐患')
PLACEHOLDER = re.compile(r"<([^<>]+)>")
SIDES = ("触发", "未触发")
COMBINED_SIDES = ("构成", "不构成")


@dataclass(frozen=True)
class Scenario:
    file: str
    line: int
    name: str
    tags: frozenset[str]
    steps: tuple[str, ...]  # placeholders already filled for an outline's example row


def _tags(node: dict) -> set[str]:
    return {t["name"].lstrip("@") for t in node.get("tags", [])}


def _fill(text: str, row: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: row.get(m.group(1), m.group(0)), text)


def _scenarios(path: Path) -> list[Scenario]:
    document = Parser().parse(path.read_text(encoding="utf-8"))
    feature = document.get("feature")
    if not feature:
        return []
    out: list[Scenario] = []
    rel = str(path.relative_to(ROOT))

    def visit(children: list[dict], inherited: set[str], background: tuple[str, ...]) -> None:
        for child in children:
            if "background" in child:
                background = background + tuple(s["text"] for s in child["background"]["steps"])
            elif "rule" in child:
                rule = child["rule"]
                visit(rule.get("children", []), inherited | _tags(rule), background)
            elif "scenario" in child:
                sc = child["scenario"]
                tags = inherited | _tags(sc)
                steps = background + tuple(s["text"] for s in sc["steps"])
                line = sc["location"]["line"]
                if not sc.get("examples"):
                    out.append(Scenario(rel, line, sc["name"], frozenset(tags), steps))
                for examples in sc.get("examples", []):
                    header = [c["value"] for c in (examples.get("tableHeader") or {}).get("cells", [])]
                    for row in examples.get("tableBody", []):
                        values = dict(zip(header, (c["value"] for c in row["cells"])))
                        out.append(Scenario(rel, row["location"]["line"], _fill(sc["name"], values),
                                            frozenset(tags | _tags(examples)),
                                            tuple(_fill(s, values) for s in steps)))

    visit(feature.get("children", []), set(), ())
    return out


def _feature_files() -> list[Path]:
    return sorted(FEATURES.rglob("*.feature"))


ALL_SCENARIOS = [s for p in _feature_files() for s in _scenarios(p)]
BUNDLE = load(str(RULES))
CRITERIA = sorted(BUNDLE.criteria)
COMBINED_RULES = sorted(rule.id for version in BUNDLE.versions for rule in version.combined)


def coverage(scenarios: list[Scenario], step: re.Pattern = STEP,
             sides: tuple[str, ...] = SIDES) -> dict[str, dict[str, list[str]]]:
    """id -> side (触发/未触发, or 构成/不构成 for combined rules) -> where it is covered (file:line)."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: {side: [] for side in sides})
    for s in scenarios:
        for text in s.steps:
            m = step.fullmatch(text)
            if m and m["id"] in s.tags:
                found[m["id"]][m["word"]].append(f"{s.file}:{s.line}")
    return found


COVERAGE = coverage(ALL_SCENARIOS)
COMBINED_COVERAGE = coverage(ALL_SCENARIOS, COMBINED_STEP, COMBINED_SIDES)


def test_feature_files_exist():
    assert _feature_files(), "features/ 下没有任何 .feature 文件"


@pytest.mark.parametrize("criterion", CRITERIA)
def test_criterion_has_fired_and_not_fired_scenarios(criterion):
    sides = COVERAGE.get(criterion, {side: [] for side in SIDES})
    lacking = [side for side in SIDES if not sides[side]]
    assert not lacking, (
        f"条款 {criterion} 缺少场景：" + "；".join(
            f"需要一个带标签 @{criterion} 且含步骤 条款 \"{criterion}\" {side} 的场景" for side in lacking)
        + f"（criterion {criterion} lacks a tagged scenario where it {' and one where it '.join(lacking)}）")


@pytest.mark.parametrize("rule", COMBINED_RULES)
def test_combined_rule_has_major_and_not_major_scenarios(rule):
    sides = COMBINED_COVERAGE.get(rule, {side: [] for side in COMBINED_SIDES})
    lacking = [side for side in COMBINED_SIDES if not sides[side]]
    english = {"构成": "makes a major hazard", "不构成": "does not"}
    assert not lacking, (
        f"综合判定规则 {rule} 缺少场景：" + "；".join(
            f"需要一个带标签 @{rule} 且含步骤 综合判定 \"{rule}\" {side}重大事故隐患 的场景" for side in lacking)
        + f"（combined rule {rule} lacks a tagged scenario where it "
        + " and one where it ".join(english[side] for side in lacking) + "）")


def test_there_are_combined_rules_to_cover():
    """The gate above must not pass vacuously because combined rules went missing from the bundle."""
    assert COMBINED_RULES, "规则库中没有任何综合判定规则（method.combined）"


def test_criterion_tags_name_criteria_of_the_bundle():
    """A tag with a dot names a criterion or a combined rule; a typo there would silently cover nothing."""
    known = set(CRITERIA) | set(COMBINED_RULES)
    bad = sorted({(s.file, tag) for s in ALL_SCENARIOS for tag in s.tags if "." in tag and tag not in known})
    assert not bad, "标签中的条款编号在规则库中不存在：" + "、".join(f"{f} @{t}" for f, t in bad)


def test_scenario_names_are_unique_per_feature():
    """pytest-bdd keys scenarios by name: a second scenario with the same name would never run."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for path in _feature_files():
        feature = Parser().parse(path.read_text(encoding="utf-8")).get("feature") or {}
        stack = list(feature.get("children", []))
        while stack:
            child = stack.pop()
            if "rule" in child:
                stack += child["rule"].get("children", [])
            elif "scenario" in child:
                seen[path.name][child["scenario"]["name"]] += 1
    duplicates = [f"{f}：“{name}”" for f, names in seen.items() for name, n in names.items() if n > 1]
    assert not duplicates, "同一特性文件中场景名称重复（重名的场景不会运行）：" + "、".join(duplicates)
