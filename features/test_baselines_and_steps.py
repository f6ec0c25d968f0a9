"""Checks of what the scenarios stand on: the baseline fact sets and the step vocabulary."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

import hazard_bdd as hb
from engine import Engine, load

# The day the MOE feature judges on: the MOE guide is encoded and in force, GB 35181-2017 is
# superseded (2025-11-01) and GB 35181-2025 is not encoded.
MAIN_DAY = dt.date(2026, 1, 15)


@pytest.mark.parametrize("name", hb.baseline_names())
def test_baseline_is_compliant_and_complete(name, hazard_engine, fact_words):
    """Each baseline is a complete, compliant facility: 未发现隐患 and no missing fact."""
    facts = hb.load_baseline(fact_words, name)
    judgement = hazard_engine.judge(facts, MAIN_DAY)
    assert judgement.label == "未发现隐患", f"基础事实集“{name}”应判定为未发现隐患。{hb.summary(judgement)}"
    assert not judgement.missing_facts, f"基础事实集“{name}”不完整。{hb.summary(judgement)}"


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
    assert "没有编号为“moe2024.fire.11”的条款" in _failure(
        lambda: hb.check_criterion_known(hazard_engine.bundle, "moe2024.fire.11"))


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
    hb.check_unencoded_note(judgement, "GB 35181-2099")
    with pytest.raises(AssertionError):
        hb.check_unencoded_note(judgement, "教发厅函〔2024〕20号")  # encoded, so not 未编码
    with pytest.raises(AssertionError):
        hb.check_unencoded_note(judgement, "GB 99999")  # not in force at all
