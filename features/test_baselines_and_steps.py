"""Checks of what the scenarios stand on: the baseline fact sets and the step vocabulary."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

import hazard_bdd as hb
from engine import Engine, load

# The day the MOE feature judges on: the MOE guide is encoded and in force, GB 35181-2017 is
# superseded (2025-11-01) and GB 35181-2025 is not encoded. GB 45067-2024 (special equipment, from
# 2024-12-01, secondary) is in force too: the baselines answer its one gate fact per kind of equipment.
MAIN_DAY = dt.date(2026, 1, 15)
# The day the GB 35181-2017 feature judges on: only GB 35181-2017 is in force and encoded.
GB_DAY = dt.date(2020, 1, 1)
# The last day of GB 35181-2017: it and the MOE guide both apply.
BOTH_DAY = dt.date(2025, 10, 31)
# The day the GA 653-2006 feature judges on: only GA 653-2006 (superseded by GB 35181-2017 on
# 2018-07-01, unverified) is in force and encoded.
GA_DAY = dt.date(2015, 6, 1)

# Baselines complete for the MOE guide only. GB 35181-2017 judges buildings and places (7.3.3, for
# one, needs the exits of every place other than those of 6.5), so the school as a unit and a
# construction site carry no GB facts (nor GA 653-2006 ones). Every other baseline must be complete
# on all four days.
MOE_ONLY = {"合规学校", "合规校内施工现场"}
# Baselines of places judged (besides the MOE guide) by standards in force on MAIN_DAY only as far as
# they are encoded here: a school-run factory and a training base (工贸 令第10号, from 2023-05-15) and a
# gas supplier (建城规〔2023〕4号). They carry no GB 35181-2017 or GA 653-2006 facts: complete on MAIN_DAY only.
MAIN_DAY_ONLY = {"合规校办工厂", "合规实习实训基地", "合规燃气经营者"}


def _baseline_days():
    for name in hb.baseline_names():
        yield pytest.param(name, MAIN_DAY, id=f"{name}-{MAIN_DAY}")
        if name not in MOE_ONLY | MAIN_DAY_ONLY:
            for day in (BOTH_DAY, GB_DAY, GA_DAY):
                yield pytest.param(name, day, id=f"{name}-{day}")


@pytest.mark.parametrize(("name", "day"), list(_baseline_days()))
def test_baseline_is_compliant_and_complete(name, day, hazard_engine, fact_words):
    """Each baseline is a complete, compliant facility: 未发现隐患 and no missing fact, under every
    encoded standard in force on the day (MOE guide; GB 35181-2017; both; GA 653-2006)."""
    facts = hb.load_baseline(fact_words, name)
    judgement = hazard_engine.judge(facts, day)
    assert judgement.classification == "none", f"基础事实集“{name}”应判定为未发现隐患。{hb.summary(judgement)}"
    assert not judgement.missing_facts.names(), f"基础事实集“{name}”不完整。{hb.summary(judgement)}"
    assert not judgement.exceptions_pending, f"基础事实集“{name}”不应有待确认的排除情形。{hb.summary(judgement)}"


def test_moe_only_baselines_exist():
    assert set(hb.baseline_names()) >= MOE_ONLY, f"MOE_ONLY 中的基础事实集不存在：{MOE_ONLY - set(hb.baseline_names())}"


def test_main_day_only_baselines_exist():
    assert set(hb.baseline_names()) >= MAIN_DAY_ONLY, (
        f"MAIN_DAY_ONLY 中的基础事实集不存在：{MAIN_DAY_ONLY - set(hb.baseline_names())}")


def _judging(bundle, place: str) -> set[str]:
    """Document numbers of the versions with a criterion that can apply to this kind of place (no
    applies_to, or one naming it). Standards for other places (construction sites, 工贸 workshops,
    gas suppliers) are in force on these days too, but none of their clauses judges a canteen."""
    return {v.meta.document_number for v in bundle.versions
            if any(c.spec.applies_to is None or place in c.spec.applies_to for c in v.criteria)}


def test_main_days_apply_the_intended_standards(hazard_engine, fact_words):
    """The days the features judge on apply what their descriptions say (to a canteen)."""
    facts = hb.load_baseline(fact_words, "合规食堂")
    canteen = _judging(hazard_engine.bundle, "canteen")
    applied = {day: sorted(s.document_number for s in hazard_engine.judge(facts, day).standards
                           if s.encoded and s.document_number in canteen)
               for day in (MAIN_DAY, GB_DAY, BOTH_DAY, GA_DAY)}
    assert applied == {MAIN_DAY: ["GB 45067-2024", "教发厅函〔2024〕20号"], GB_DAY: ["GB 35181-2017"],
                       BOTH_DAY: ["GB 35181-2017", "GB 45067-2024", "教发厅函〔2024〕20号"], GA_DAY: ["GA 653-2006"]}, applied


def test_there_are_baselines():
    assert len(hb.baseline_names()) >= 5


def _failure(call) -> str:
    with pytest.raises(pytest.fail.Exception) as info:
        call()
    return str(info.value)


def test_unknown_fact_label_fails_in_chinese(fact_words):
    message = _failure(lambda: fact_words.fact("安全出口宽度"))
    assert "未知事实“安全出口宽度”" in message and "安全出口总净宽度" in message


def test_derived_fact_cannot_be_set(fact_words):
    assert "派生事实" in _failure(lambda: fact_words.fact("人员密集场所"))


def test_facts_by_label_or_name(fact_words):
    assert fact_words.fact("所在位置") == fact_words.fact("floor_position") == "floor_position"


@pytest.mark.parametrize(("fact", "text", "value"), [
    ("所在位置", '"地下室"', "basement"),
    ("所在位置", "basement", "basement"),
    ("消防安全责任体系健全并落实", "否", False),
    ("消防安全责任体系健全并落实", '"是"', True),
    ("所在楼层", "4", 4),
    ("所在楼层", '"4"', 4),
    ("安全出口总净宽度", "2.39", 2.39),
])
def test_values_by_label_or_code(fact_words, fact, text, value):
    got = fact_words.value(fact_words.fact(fact), text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(("fact", "text", "expected"), [
    ("所在位置", "地下一层", "不是“所在位置”的取值"),
    ("消防安全责任体系健全并落实", "true", "应写 是 或 否"),
    ("所在楼层", "4.5", "应为整数"),
    ("安全出口总净宽度", "2.4米", "应为数值"),
])
def test_wrong_values_fail_in_chinese(fact_words, fact, text, expected):
    assert expected in _failure(lambda: fact_words.value(fact_words.fact(fact), text))


def test_unknown_baseline_names_the_known_ones():
    message = _failure(lambda: hb.load_baseline(None, "合规礼堂"))
    assert "没有名为“合规礼堂”的基础事实集" in message and "合规食堂" in message


def test_unknown_criterion_fails(hazard_engine):
    assert "没有编号为“moe-edu-guide-2024.3.1.11”的条款" in _failure(
        lambda: hb.check_criterion_known(hazard_engine.bundle, "moe-edu-guide-2024.3.1.11"))


def test_combined_rule_ids(hazard_engine):
    assert "gb35181-2017.5.3.3.a" in hb.combined_rule_ids(hazard_engine.bundle)


def test_criterion_step_with_a_combined_rule_id_fails_in_chinese(hazard_engine):
    message = _failure(lambda: hb.check_criterion_known(hazard_engine.bundle, "gb35181-2017.5.3.3.a"))
    assert "是综合判定规则" in message and "综合判定 \"gb35181-2017.5.3.3.a\"" in message


def test_combined_step_with_a_criterion_id_fails_in_chinese(hazard_engine):
    assert "不是综合判定规则" in _failure(lambda: hb.check_combined_known(hazard_engine.bundle, "gb35181-2017.7.3.2"))
    assert "是否想写“gb35181-2017.5.3.3.d”" in _failure(
        lambda: hb.check_combined_known(hazard_engine.bundle, "gb35181-2017.5.3.3.e"))


def test_combined_and_blocked_checks(hazard_engine, fact_words):
    """综合判定 … 构成/不构成/计入 and 触发但不计入, on one facility judged with and without an exemption."""
    facts = hb.load_baseline(fact_words, "合规教学楼")
    facts.update(stair_enclosure_noncompliant=True, independent_stair_missing=True,
                 evacuation_signs_lighting_missing=True)
    major = hazard_engine.judge(facts, GB_DAY)
    hb.check_combined(major, "gb35181-2017.5.3.3.a", True)
    hb.check_combined(major, "gb35181-2017.5.3.3.c", False)
    hb.check_combined(major, "gb35181-2017.5.3.3.b", False)  # not a hazmat place: takes no part
    hb.check_combined_count(major, "gb35181-2017.5.3.3.a", 3)
    with pytest.raises(AssertionError):
        hb.check_combined(major, "gb35181-2017.5.3.3.a", False)
    with pytest.raises(AssertionError):
        hb.check_combined(major, "gb35181-2017.5.3.3.a", None)
    with pytest.raises(AssertionError):
        hb.check_combined_count(major, "gb35181-2017.5.3.3.b", 1)
    with pytest.raises(AssertionError):
        hb.check_not_counted(major, "gb35181-2017.7.3.2")  # counts
    exempt = hazard_engine.judge({**facts, "place_out_of_use": True}, GB_DAY)
    hb.check_not_counted(exempt, "gb35181-2017.7.3.2", "gb35181-2017.5.1.3.b")
    with pytest.raises(AssertionError):
        hb.check_not_counted(exempt, "gb35181-2017.7.3.2", "gb35181-2017.5.1.3.a")
    with pytest.raises(AssertionError):
        hb.check_not_counted(exempt, "gb35181-2017.7.1.1")  # does not hold at all
    hb.check_combined(exempt, "gb35181-2017.5.3.3.a", False)
    hb.check_combined_count(exempt, "gb35181-2017.5.3.3.a", 0)


UNENCODED = """\
document_number: GB 35181-2099
title: 测试用未编码标准
issuer: 测试
issued: {date: 2025-01-01, status: verbatim}
effective: {date: 2025-01-01, status: verbatim}
source_url: https://example.invalid/
scope: 仅用于测试“有效但未编码”的提示。
encoded: false
"""


def test_unencoded_standard_note_step(tmp_path, fact_words):
    """The 提示 "…" 有效但未编码 check, on a copy of the rules plus an unencoded version."""
    rules = tmp_path / "rules"
    shutil.copytree(hb.RULES_DIR, rules)
    (rules / "standards" / "test-unencoded").mkdir()
    (rules / "standards" / "test-unencoded" / "2099.yaml").write_text(UNENCODED, encoding="utf-8")
    with Engine(load(str(rules)), evaluator="oracle") as engine:
        facts = hb.load_baseline(fact_words, "合规食堂")
        judgement = engine.judge(facts, MAIN_DAY)
    hb.check_unencoded(judgement, "GB 35181-2099")
    with pytest.raises(AssertionError):
        hb.check_unencoded(judgement, "教发厅函〔2024〕20号")  # encoded, so not 未编码
    with pytest.raises(AssertionError):
        hb.check_unencoded(judgement, "GB 99999")  # not in force at all


def test_questionnaire_checks_fail_in_chinese(hazard_engine):
    """The questionnaire steps fail, saying why, when the questionnaire does not say what they claim."""
    doc = hb.make_questionnaire(hazard_engine.bundle, "食堂", MAIN_DAY)
    assert "问卷中没有问题“场所有锅炉”" in _failure(lambda: hb.find_question(doc, "场所有锅炉"))
    assert "场所类型写错了" in _failure(lambda: hb.make_questionnaire(hazard_engine.bundle, "厨房", MAIN_DAY))
    with pytest.raises(AssertionError, match="应仅当"):
        hb.check_only_if(doc, "锅炉仍继续使用", "场所有锅炉（前提）", "否")
    with pytest.raises(AssertionError, match="应总要回答"):
        hb.check_always_asked(doc, "锅炉仍继续使用")
    with pytest.raises(AssertionError, match="先问的是"):
        hb.check_first_in_section(doc, "GB 45067-2024", "5.2 锅炉", "锅炉仍继续使用")
    with pytest.raises(AssertionError, match="依据的条款应为"):
        hb.check_clauses(doc, "锅炉仍继续使用", [["GB 45067-2024", "5.2.1"]])
    with pytest.raises(AssertionError, match="不应问"):
        hb.check_asked(doc, "场所有锅炉（前提）", asked=False)
    with pytest.raises(AssertionError, match="应没有问题"):
        hb.check_no_questions(doc)
    assert "没有名为或文号为“燃气标准”的标准" in _failure(
        lambda: hb.rules_with_one_standard(hazard_engine.bundle, Path("/nonexistent"), "燃气标准"))
