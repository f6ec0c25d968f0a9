"""Submitted facts are checked against their declared types before anything is judged.

durable-rules coerces silently ('50' > 4 is true, 'false' equals false), so every wrong value
must be refused by Vocabulary.check, through Engine.judge, with an engine.FactError whose
problems name the fact. The rules are a tiny set of our own (with a date fact, which the
bundled vocabulary does not have), written under tmp_path.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest

import engine
from engine.errors import FactProblem

FACTS = """\
facts:
  place_kind:
    type: enum
    place: true
    label: 场所类型
    description: 被检查场所的使用性质。
    values:
      dormitory: 学生宿舍
      canteen: 食堂
  floor_level:
    type: integer
    label: 所在楼层
    description: 场所位于地上第几层。
    minimum: 1
    maximum: 200
  alarm_working:
    type: boolean
    label: 火灾自动报警系统正常
    description: 火灾自动报警系统已设置并能正常使用。
  exit_width:
    type: number
    unit: m
    label: 安全出口总净宽度
    description: 安全出口的实际总净宽度。
    minimum: 0
    maximum: 10000
  occupants:
    type: number
    label: 在场人数
    description: 未声明范围的数值事实（按默认上限检查）。
  last_inspection:
    type: date
    label: 最近一次消防检测日期
    description: 最近一次消防设施检测的日期。

derived:
  upper_floor:
    label: 四层及以上
    description: 位于地上四层及以上。
    basis:
      document: 示例依据
      text: 示例依据条文。
      text_status: verbatim
      source: 示例来源
    condition: {fact: floor_level, ge: 4}
"""

STANDARD = """\
document_number: 示例〔2024〕1号
title: 示例重大事故隐患判定标准
issuer: 示例机关
issued: {date: 2024-01-01, status: verbatim}
effective: {date: 2024-02-01, status: verbatim}
source_url: https://example.org/demo
scope: 示例适用范围。
encoded: true
method:
  direct: {clause: 第三条, text: 存在任意一条，直接判定为重大事故隐患。, text_status: verbatim}
criteria:
  - id: demo.upper
    clause: 第三条1
    text: 学生宿舍设置在四层及以上的。
    text_status: verbatim
    source: 示例来源
    method: direct
    applies_to: [dormitory]
    condition: {fact: upper_floor, eq: true}
  - id: demo.alarm
    clause: 第三条2
    text: 火灾自动报警系统不能正常使用的。
    text_status: verbatim
    source: 示例来源
    method: direct
    condition: {fact: alarm_working, eq: false}
  - id: demo.exit
    clause: 第三条3
    text: 安全出口总净宽度小于 1.2 m，且在场人数超过 100 人的。
    text_status: verbatim
    source: 示例来源
    method: direct
    condition:
      all:
        - {fact: exit_width, lt: 1.2}
        - {fact: occupants, gt: 100}
  - id: demo.inspection
    clause: 第三条4
    text: 消防设施自 2023 年 1 月 1 日以来未检测的。
    text_status: verbatim
    source: 示例来源
    method: direct
    condition: {fact: last_inspection, lt: 2023-01-01}
"""

AS_OF = dt.date(2024, 6, 1)
SOUND = {"place_kind": "canteen", "floor_level": 1, "alarm_working": True, "exit_width": 3.0, "occupants": 50,
         "last_inspection": "2024-03-01"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> engine.Bundle:
    root = tmp_path_factory.mktemp("rules")
    (root / "facts").mkdir()
    (root / "standards" / "demo").mkdir(parents=True)
    (root / "facts" / "facts.yaml").write_text(FACTS, encoding="utf-8")
    (root / "standards" / "demo" / "2024.yaml").write_text(STANDARD, encoding="utf-8")
    return engine.load(root)


@pytest.fixture(scope="module", params=["durable", "oracle"])
def judge(request: pytest.FixtureRequest, bundle: engine.Bundle) -> Iterator[engine.Engine]:
    with engine.Engine(bundle, request.param) as evaluator:
        yield evaluator


def refused(judge: engine.Engine, facts: Any) -> list[FactProblem]:
    with pytest.raises(engine.FactError) as caught:
        judge.judge(facts, AS_OF)
    assert caught.value.problems
    for problem in caught.value.problems:
        assert problem.zh and problem.en
        assert str(problem).startswith(problem.fact)
    return caught.value.problems


def one_problem(judge: engine.Engine, fact: str, value: Any) -> FactProblem:
    """The one problem for a sound facility with `fact` set to `value`; it names the fact."""
    problems = refused(judge, {**SOUND, fact: value})
    assert [p.fact for p in problems] == [fact]
    return problems[0]


def test_sound_facility_is_judged(judge: engine.Engine):
    assert judge.judge(SOUND, AS_OF).classification == "none"


# --- wrong types ------------------------------------------------------------------------------

@pytest.mark.parametrize("fact, value, message", [
    ("floor_level", "50", "应为数值"),
    ("floor_level", "5", "应为数值"),
    ("floor_level", True, "应为数值"),
    ("floor_level", False, "应为数值"),
    ("floor_level", 4.5, "应为整数"),
    ("floor_level", [4], "应为数值"),
    ("exit_width", "1.0", "应为数值"),
    ("exit_width", True, "应为数值"),
    ("exit_width", {"value": 1.0}, "应为数值"),
    ("alarm_working", "false", "应为 true 或 false"),
    ("alarm_working", "true", "应为 true 或 false"),
    ("alarm_working", "否", "应为 true 或 false"),
    ("alarm_working", 1, "应为 true 或 false"),
    ("alarm_working", 0, "应为 true 或 false"),
    ("alarm_working", 0.0, "应为 true 或 false"),
    ("place_kind", 1, "不是允许的取值"),
    ("place_kind", True, "不是允许的取值"),
    ("place_kind", ["dormitory"], "不是允许的取值"),
    ("place_kind", {"dormitory": 1}, "不是允许的取值"),
])
def test_wrong_type_is_refused(judge: engine.Engine, fact: str, value: Any, message: str):
    problem = one_problem(judge, fact, value)
    assert message in problem.zh
    assert judge.bundle.vocabulary.label(fact) in problem.zh  # the Chinese label names it too


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(judge: engine.Engine, value: float):
    for fact in ("exit_width", "occupants"):
        assert "不能是 NaN 或无穷大" in one_problem(judge, fact, value).zh
    assert one_problem(judge, "floor_level", value).fact == "floor_level"


# --- ranges ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fact, value", [
    ("floor_level", 0), ("floor_level", 201), ("floor_level", -3), ("floor_level", 10 ** 20),
    ("exit_width", -0.01), ("exit_width", 10000.5),
    ("occupants", 1e13), ("occupants", -1e13), ("occupants", 10 ** 20),
])
def test_out_of_range_is_refused(judge: engine.Engine, fact: str, value: float):
    problem = one_problem(judge, fact, value)
    assert "之间" in problem.zh and str(value) in problem.zh


@pytest.mark.parametrize("value, shown", [(10 ** 5000, "大于 10^30 的数"), (-10 ** 5000, "小于 -10^30 的数")],
                         ids=["plus", "minus"])
def test_integer_of_thousands_of_digits_is_refused(judge: engine.Engine, value: int, shown: str):
    for fact in ("floor_level", "occupants"):
        assert shown in one_problem(judge, fact, value).zh


@pytest.mark.parametrize("fact, value", [("floor_level", 1), ("floor_level", 200), ("exit_width", 0), ("exit_width", 0.0),
                                         ("exit_width", 10000), ("occupants", -1e12), ("occupants", 1e12)])
def test_bounds_are_inclusive(judge: engine.Engine, fact: str, value: float):
    judge.judge({**SOUND, fact: value}, AS_OF)


def test_integer_given_for_number_is_accepted(judge: engine.Engine):
    assert judge.judge({**SOUND, "exit_width": 1, "occupants": 101}, AS_OF).classification == "major"


# --- names and enums --------------------------------------------------------------------------

def test_unknown_enum_value_lists_the_allowed_ones(judge: engine.Engine):
    problem = one_problem(judge, "place_kind", "dormitry")
    assert "“dormitry” 不是允许的取值" in problem.zh
    assert "dormitory（学生宿舍）" in problem.zh and "canteen（食堂）" in problem.zh


def test_enum_label_instead_of_code_is_refused(judge: engine.Engine):
    assert "不是允许的取值" in one_problem(judge, "place_kind", "学生宿舍").zh


def test_unknown_fact_with_suggestion(judge: engine.Engine):
    problems = refused(judge, {**SOUND, "floor_levle": 3})
    assert [p.fact for p in problems] == ["floor_levle"]
    assert "未知事实" in problems[0].zh and "是否想写 “floor_level”" in problems[0].zh
    assert "did you mean 'floor_level'" in problems[0].en


def test_unknown_fact_without_close_match(judge: engine.Engine):
    problems = refused(judge, {**SOUND, "sprinkler_count": 3})
    assert [p.fact for p in problems] == ["sprinkler_count"]
    assert "未知事实" in problems[0].zh and "是否想写" not in problems[0].zh


def test_fact_name_must_be_text(judge: engine.Engine):
    problems = refused(judge, {**SOUND, 1: True})
    assert [p.fact for p in problems] == ["1"]
    assert "事实名应为文字" in problems[0].zh


def test_derived_fact_cannot_be_submitted(judge: engine.Engine):
    problems = refused(judge, {**SOUND, "upper_floor": False})
    assert [p.fact for p in problems] == ["upper_floor"]
    assert "由其他事实推出，不能直接提交" in problems[0].zh and "四层及以上" in problems[0].zh


def test_every_wrong_fact_is_reported_at_once(judge: engine.Engine):
    problems = refused(judge, {"floor_level": "3", "alarm_working": "no", "place_kind": "school", "exit_widht": 2.0,
                               "upper_floor": True, "occupants": math.nan, "last_inspection": "yesterday"})
    assert sorted(p.fact for p in problems) == sorted(["floor_level", "alarm_working", "place_kind", "exit_widht",
                                                       "upper_floor", "occupants", "last_inspection"])


def test_fact_error_message_names_each_fact(judge: engine.Engine):
    with pytest.raises(engine.FactError) as caught:
        judge.judge({"floor_level": "3", "alarm_working": 1}, AS_OF)
    text = str(caught.value)
    assert "floor_level" in text and "alarm_working" in text


# --- missing facts --------------------------------------------------------------------------

@pytest.mark.parametrize("fact, others", [("alarm_working", {}), ("last_inspection", {}), ("floor_level", {}),
                                          ("exit_width", {"occupants": 150}), ("occupants", {"exit_width": 1.0})])
def test_null_is_missing_not_false(judge: engine.Engine, fact: str, others: dict):
    facts = {**SOUND, "place_kind": "dormitory", **others, fact: None}
    result = judge.judge(facts, AS_OF)
    assert result.classification == "indeterminate", fact
    assert result.label == "无法判定"
    assert fact in set(result.missing_facts.names())


def test_null_and_absent_are_the_same(judge: engine.Engine):
    with_null = judge.judge({**SOUND, "alarm_working": None}, AS_OF)
    absent = judge.judge({k: v for k, v in SOUND.items() if k != "alarm_working"}, AS_OF)
    assert with_null.classification == absent.classification == "indeterminate"
    assert with_null.missing_facts == absent.missing_facts


def test_all_null_is_indeterminate(judge: engine.Engine):
    result = judge.judge({name: None for name in SOUND}, AS_OF)
    assert result.classification == "indeterminate"
    # within an `all`, the first undecided part is asked for first (exit_width before occupants)
    assert set(result.missing_facts.names()) >= {"alarm_working", "last_inspection", "exit_width"}


def test_empty_facts_are_indeterminate(judge: engine.Engine):
    assert judge.judge({}, AS_OF).classification == "indeterminate"


def test_missing_fact_that_cannot_matter_is_no_obstacle(judge: engine.Engine):
    # exit_width < 1.2 and occupants > 100: with 50 occupants the width cannot change the verdict
    assert judge.judge({**SOUND, "exit_width": None}, AS_OF).classification == "none"


def test_missing_fact_does_not_hide_a_major(judge: engine.Engine):
    result = judge.judge({**SOUND, "alarm_working": False, "exit_width": None}, AS_OF)
    assert result.classification == "major"


# --- the whole input ------------------------------------------------------------------------

@pytest.mark.parametrize("facts", [["place_kind", "dormitory"], "place_kind: dormitory", None, 42, {"a", "b"},
                                   [("floor_level", 3)]])
def test_facts_must_be_a_mapping(judge: engine.Engine, facts: Any):
    problems = refused(judge, facts)
    assert [p.fact for p in problems] == ["(facts)"]
    assert "映射" in problems[0].zh


def test_any_mapping_is_accepted(judge: engine.Engine):
    assert judge.judge(MappingProxyType(SOUND), AS_OF).classification == "none"


# --- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["2022-12-31", dt.date(2022, 12, 31)])
def test_date_before_the_limit_is_major(judge: engine.Engine, value: Any):
    result = judge.judge({**SOUND, "last_inspection": value}, AS_OF)
    assert result.classification == "major"
    finding = next(f for f in result.findings if f.criterion == "demo.inspection")
    assert finding.facts[0].display == "2022-12-31"


@pytest.mark.parametrize("value", ["2023-01-01", dt.date(2024, 5, 31)])
def test_date_on_or_after_the_limit_is_not(judge: engine.Engine, value: Any):
    assert judge.judge({**SOUND, "last_inspection": value}, AS_OF).classification == "none"


@pytest.mark.parametrize("value", ["2024-02-30", "2024-13-01", "2024/03/01", "2024-3-1", "20240301", "01-03-2024",
                                   "2024-03-01T00:00:00", " 2024-03-01", "", 20240301, 2024.0, True,
                                   dt.datetime(2024, 3, 1, 8, 30), ["2024-03-01"]])
def test_bad_date_is_refused(judge: engine.Engine, value: Any):
    assert "应为日期" in one_problem(judge, "last_inspection", value).zh


def test_check_returns_engine_values(bundle: engine.Bundle):
    values = bundle.vocabulary.check({**SOUND, "alarm_working": None})
    assert "alarm_working" not in values
    assert values["last_inspection"] == dt.date(2024, 3, 1).toordinal()
    assert values["floor_level"] == 1 and values["place_kind"] == "canteen"
