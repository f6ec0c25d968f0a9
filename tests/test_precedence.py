"""The precedence clause (version-level `precedence`, e.g. 工贸企业重大事故隐患判定标准 第二条).

An element of a version whose precedence clause yields on a kind of hazard is reported but not
counted (`deferred_to` names the other standard) when another in-force, encoded standard has
criteria about that kind of hazard; an element about another kind still counts.

The bundled 工贸 version carries 第二条 as its precedence clause, but its encoded criteria (第三条)
are all management items (safety_management), so the mechanism cannot be shown with real clauses:
it is shown here on a tiny synthetic rules directory, for both evaluators.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from engine import Engine, load

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2024, 6, 1)

FACTS = """\
facts:
  place_kind:
    type: enum
    place: true
    label: 场所类型
    description: 被检查场所。
    values:
      workshop: 车间
  fire_exit_blocked:
    type: boolean
    label: 安全出口被封堵
    description: 安全出口被封堵。
  alarm_broken:
    type: boolean
    label: 火灾自动报警系统不能正常使用
    description: 火灾自动报警系统不能正常使用。
  contractors_unmanaged:
    type: boolean
    label: 未对承包单位统一协调管理
    description: 未对承包单位统一协调管理。
hazards:
  fire: 火灾
  safety_management: 安全管理
"""

YIELDING = """\
document_number: 测试令第1号
title: 测试工贸标准
issuer: 测试
issued: {date: 2024-01-01, status: verbatim}
effective: {date: 2024-01-01, status: verbatim}
source_url: https://example.invalid/trade
scope: 测试用。
encoded: true
method:
  direct: {clause: 第三条, text: 有下列情形之一的，应当判定为重大事故隐患：, text_status: verbatim}
precedence:
  clause: 第二条
  text: 涉及消防（火灾）方面的重大事故隐患判定另有规定的，适用其规定。
  text_status: verbatim
  source: 测试
  yields_on: [fire]
criteria:
  - id: trade.fire
    clause: 第三条（一）
    text: 安全出口被封堵的。
    text_status: verbatim
    source: 测试
    method: direct
    hazards: [fire]
    condition: {fact: fire_exit_blocked, eq: true}
  - id: trade.mgmt
    clause: 第三条（二）
    text: 未对承包单位统一协调管理的。
    text_status: verbatim
    source: 测试
    method: direct
    hazards: [safety_management]
    condition: {fact: contractors_unmanaged, eq: true}
"""

FIRE = """\
document_number: 测试消防标准
title: 测试重大火灾隐患判定
issuer: 测试
issued: {{date: {start}, status: verbatim}}
effective: {{date: {start}, status: verbatim}}
source_url: https://example.invalid/fire
scope: 测试用。
encoded: true
method:
  direct: {{clause: "6", text: 符合任意一条的，直接判定为重大火灾隐患。, text_status: verbatim}}
criteria:
  - id: fire.alarm
    clause: "6.1"
    text: 火灾自动报警系统不能正常使用。
    text_status: verbatim
    source: 测试
    method: direct
    hazards: [fire]
    condition: {{fact: alarm_broken, eq: true}}
"""


def _rules(tmp_path: Path, fire_start: str | None) -> Path:
    """Facts, the yielding standard, and (unless fire_start is None) a fire standard from that day."""
    rules = tmp_path / "rules"
    (rules / "facts").mkdir(parents=True)
    (rules / "facts" / "base.yaml").write_text(FACTS, encoding="utf-8")
    (rules / "standards" / "trade").mkdir(parents=True)
    (rules / "standards" / "trade" / "2024.yaml").write_text(YIELDING, encoding="utf-8")
    if fire_start is not None:
        (rules / "standards" / "fire").mkdir(parents=True)
        (rules / "standards" / "fire" / "2024.yaml").write_text(FIRE.format(start=fire_start), encoding="utf-8")
    return rules


def _judge(rules: Path, evaluator: str, **facts):
    known = {"place_kind": "workshop", "fire_exit_blocked": False, "alarm_broken": False,
             "contractors_unmanaged": False}
    with Engine(load(str(rules)), evaluator=evaluator) as engine:
        return engine.judge({**known, **facts}, DAY)


def _finding(judgement, criterion):
    found = [f for f in judgement.findings if f.criterion == criterion]
    assert found, f"{criterion} should be reported; findings: {[f.criterion for f in judgement.findings]}"
    return found[0]


EVALUATORS = pytest.mark.parametrize("evaluator", ["oracle", "durable"])

# Known engine bug (engine/judgement.py, _Assessment.__init__): inside the loop over elements the
# list of gates is named `governing`, shadowing the parameter `governing` (hazard kind -> covering
# standards), and that list is what reaches _deferred_to, which calls governing.get(...):
# AttributeError as soon as an element of a version with a precedence clause has a yielded hazard.
# With the gates renamed (or the map passed under another name) every test below passes (checked on
# a patched copy of the engine). strict: once the engine is fixed these XPASS and fail, so the
# marker must then be removed.
@EVALUATORS
def test_yielded_element_is_reported_deferred_and_not_counted(tmp_path, evaluator):
    """The other standard has a fire criterion in force (it need not hold): the yielding standard's
    fire element is reported with deferred_to and does not count, so no major hazard results."""
    rules = _rules(tmp_path, fire_start="2024-01-01")
    j = _judge(rules, evaluator, fire_exit_blocked=True)
    trade = _finding(j, "trade.fire")
    assert trade.deferred_to == ["测试消防标准"]
    assert trade.counts_toward_major is False
    assert trade.hazards == ["fire"]
    assert [f.criterion for f in j.findings] == ["trade.fire"]
    assert j.classification == "ordinary"  # an element holds, none counts toward a major hazard
    assert not j.missing_facts.names()


@EVALUATORS
def test_unrelated_element_still_counts(tmp_path, evaluator):
    rules = _rules(tmp_path, fire_start="2024-01-01")
    j = _judge(rules, evaluator, fire_exit_blocked=True, contractors_unmanaged=True)
    mgmt = _finding(j, "trade.mgmt")
    assert mgmt.deferred_to == [] and mgmt.counts_toward_major is True
    trade = _finding(j, "trade.fire")
    assert trade.deferred_to == ["测试消防标准"] and trade.counts_toward_major is False
    assert j.classification == "major"


@EVALUATORS
def test_the_other_standard_judges_its_own_criteria(tmp_path, evaluator):
    rules = _rules(tmp_path, fire_start="2024-01-01")
    j = _judge(rules, evaluator, fire_exit_blocked=True, alarm_broken=True)
    fire = _finding(j, "fire.alarm")
    assert fire.deferred_to == [] and fire.counts_toward_major is True
    assert _finding(j, "trade.fire").counts_toward_major is False
    assert j.classification == "major"


@EVALUATORS
def test_no_deferral_when_no_other_standard_covers_the_hazard_on_the_day(tmp_path, evaluator):
    """The fire standard is in force only from 2025: on DAY (2024-06-01) nothing else governs fire,
    so the yielding standard's fire element counts."""
    rules = _rules(tmp_path, fire_start="2025-01-01")
    j = _judge(rules, evaluator, fire_exit_blocked=True)
    trade = _finding(j, "trade.fire")
    assert trade.deferred_to == [] and trade.counts_toward_major is True
    assert j.classification == "major"


@EVALUATORS
def test_no_deferral_without_any_other_standard(tmp_path, evaluator):
    rules = _rules(tmp_path, fire_start=None)
    j = _judge(rules, evaluator, fire_exit_blocked=True)
    assert _finding(j, "trade.fire").deferred_to == []
    assert j.classification == "major"


# --- the bundled 工贸 version ---------------------------------------------------------------------

def test_bundled_industry_trade_precedence_clause():
    """应急管理部令第10号 第二条 is the version's precedence clause, yielding on fire, gas, special
    equipment and hazardous chemicals; its encoded 第三条 items are management items only."""
    bundle = load(str(ROOT / "rules"))
    version = next(v for v in bundle.versions if v.standard == "industry-trade" and v.version == "2023")
    precedence = version.meta.precedence
    assert precedence is not None and precedence.clause == "第二条" and precedence.text_status == "verbatim"
    assert "另有规定的，适用其规定" in precedence.text
    assert sorted(precedence.yields_on) == ["fire", "gas", "hazardous_chemicals", "special_equipment"]
    assert {c.id: c.spec.hazards for c in version.criteria} == {
        "industry-trade-2023.3.1": ["safety_management"],
        "industry-trade-2023.3.2": ["safety_management"],
        "industry-trade-2023.3.3": ["safety_management"]}
    # hence none of them can be deferred with the clauses encoded today
    assert not any(set(c.spec.hazards) & set(precedence.yields_on) for c in version.criteria)


def test_precedence_yields_on_known_hazard_kinds():
    bundle = load(str(ROOT / "rules"))
    for version in bundle.versions:
        if version.meta.precedence:
            unknown = set(version.meta.precedence.yields_on) - set(bundle.vocabulary.hazards)
            assert not unknown, textwrap.shorten(f"{version.key}: {unknown}", 200)
