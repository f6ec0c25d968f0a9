"""Step definitions for the Chinese living documentation (`# language: zh-CN` feature files).

Step vocabulary (quotes are part of the text; 而且/但是 continue the previous kind of step):

  假如 规则为随附的规则库
  假如 判定日期为 "2026-01-15"
  假如 以 "合规学生宿舍" 为基础                  features/baselines/合规学生宿舍.yaml
  假如 "所在位置" 为 "地下室"                     one fact: label or name; value label/code, 是/否, number
  假如 "所在楼层" 为 4
  假如 "安全出口总净宽度" 未提供                  the fact is not known
  假如 事实如下:                                  several facts, a table with the header | 事实 | 值 |
                                                  (the value 未提供: the fact is not known)
  当 进行判定                                    the real durable-rules engine, one per test session
  那么 判定结果为 "重大事故隐患"                  重大事故隐患 | 一般隐患 | 未发现隐患 | 无法判定
  那么 条款 "moe-edu-guide-2024.3.1.2" 触发
  那么 条款 "moe-edu-guide-2024.3.1.2" 未触发
  那么 条款 "gb35181-2017.6.8" 触发但不计入重大事故隐患             a finding with counts_toward_major false
  那么 条款 "gb35181-2017.6.8" 触发但因条款 "gb35181-2017.5.1.3.b" 不计入重大事故隐患   ... and blocked_by names it
  那么 综合判定 "gb35181-2017.5.3.3.a" 构成重大事故隐患           Judgement.combined: major is true
  那么 综合判定 "gb35181-2017.5.3.3.a" 不构成重大事故隐患         major false, or the rule took no part
  那么 综合判定 "gb35181-2017.5.3.3.a" 无法确定是否构成重大事故隐患   major unknown for want of facts
  那么 综合判定 "gb35181-2017.5.3.3.a" 计入 2 条要素              count of elements counted
  那么 缺少事实 "安全出口总净宽度"
  那么 不缺少任何事实
  那么 采用标准 "教发厅函〔2024〕20号"             in force on the day and encoded, so applied
  那么 未采用标准 "教发厅函〔2024〕20号"
  那么 提示 "GB 35181-2025" 有效但未编码
  那么 提示包含 "不是经核实的原文"
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

sys.path.insert(0, str(Path(__file__).resolve().parent))  # hazard_bdd, whatever the import mode

import hazard_bdd as hb  # noqa: E402
from sheet_steps import *  # noqa: E402,F401,F403 - the steps of 检查表.feature

from engine import Engine, load  # noqa: E402

TAG = re.compile(r"@(\S+)")


def pytest_configure(config: pytest.Config) -> None:
    """Feature tags become pytest markers; register them so --strict-markers accepts them
    (and `pytest -m moe-edu-guide-2024.3.1.8` selects the scenarios of one criterion)."""
    tags: set[str] = set()
    for path in hb.FEATURES_DIR.rglob("*.feature"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("@"):
                tags.update(TAG.findall(line))
    for tag in sorted(tags):
        config.addinivalue_line("markers", f"{tag}: 特性文件标签 / feature-file tag")


@pytest.fixture(scope="session")
def hazard_engine():
    """The bundled rules, judged by the durable-rules backend: one engine per test session.
    HAZARD_BDD_EVALUATOR=oracle runs the same scenarios on the plain-Python oracle instead."""
    engine = Engine(load(str(hb.RULES_DIR)), evaluator=os.environ.get("HAZARD_BDD_EVALUATOR", "durable"))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def fact_words(hazard_engine) -> hb.FactWords:
    return hb.FactWords(hazard_engine.bundle)


@pytest.fixture
def hazard_case() -> hb.Case:
    return hb.Case()


# --- 假如 ---------------------------------------------------------------------------------------

@given(hb.BUNDLED_RULES_STEP)
def _bundled_rules(hazard_case: hb.Case, hazard_engine, fact_words) -> None:
    hazard_case.engine, hazard_case.words = hazard_engine, fact_words


@given(parsers.re(hb.DATE_STEP))
def _as_of(hazard_case: hb.Case, day: str) -> None:
    hazard_case.as_of = hb.parse_date(day)
    hazard_case.judgement = None


@given(parsers.re(hb.BASELINE_STEP))
def _baseline(hazard_case: hb.Case, name: str) -> None:
    words = hazard_case.need_rules()
    hazard_case.facts = hb.load_baseline(words, name)
    hazard_case.judgement = None


@given(parsers.re(hb.SET_FACT_STEP))
def _set_fact(hazard_case: hb.Case, fact: str, value: str) -> None:
    words = hazard_case.need_rules()
    name = words.fact(fact)
    hazard_case.set(name, words.value(name, value))


@given(parsers.re(hb.REMOVE_FACT_STEP))
def _remove_fact(hazard_case: hb.Case, fact: str) -> None:
    words = hazard_case.need_rules()
    hazard_case.remove(words.fact(fact))


@given(parsers.re(hb.FACT_TABLE_STEP))
def _fact_table(hazard_case: hb.Case, datatable: list[list[str]]) -> None:
    hb.apply_fact_table(hazard_case.need_rules(), hazard_case.facts, datatable)
    hazard_case.judgement = None


# --- 当 -----------------------------------------------------------------------------------------

@when(hb.JUDGE_STEP)
def _judge(hazard_case: hb.Case) -> None:
    hazard_case.judge()


# --- 那么 ---------------------------------------------------------------------------------------

@then(parsers.re(r'判定结果为 "(?P<label>[^"]*)"'))
def _result(hazard_case: hb.Case, label: str) -> None:
    hb.check_result(hazard_case.result(), label)


@then(parsers.re(r'条款 "(?P<criterion>[^"]+)" (?P<word>触发|未触发)'))
def _criterion(hazard_case: hb.Case, criterion: str, word: str) -> None:
    judgement = hazard_case.result()
    hb.check_criterion_known(hazard_case.engine.bundle, criterion)
    hb.check_fired(judgement, criterion, fired=(word == "触发"))


@then(parsers.re(r'条款 "(?P<criterion>[^"]+)" 触发但(?:因条款 "(?P<gate>[^"]+)" )?不计入重大事故隐患'))
def _not_counted(hazard_case: hb.Case, criterion: str, gate: str | None) -> None:
    judgement = hazard_case.result()
    hb.check_criterion_known(hazard_case.engine.bundle, criterion)
    if gate is not None:
        hb.check_criterion_known(hazard_case.engine.bundle, gate)
    hb.check_not_counted(judgement, criterion, gate)


@then(parsers.re(r'综合判定 "(?P<rule>[^"]+)" (?P<word>构成|不构成|无法确定是否构成)重大事故隐患'))
def _combined(hazard_case: hb.Case, rule: str, word: str) -> None:
    judgement = hazard_case.result()
    hb.check_combined_known(hazard_case.engine.bundle, rule)
    hb.check_combined(judgement, rule, {"构成": True, "不构成": False, "无法确定是否构成": None}[word])


@then(parsers.re(r'综合判定 "(?P<rule>[^"]+)" 计入 (?P<count>\d+) 条要素'))
def _combined_count(hazard_case: hb.Case, rule: str, count: str) -> None:
    judgement = hazard_case.result()
    hb.check_combined_known(hazard_case.engine.bundle, rule)
    hb.check_combined_count(judgement, rule, int(count))


@then(parsers.re(r'缺少事实 "(?P<fact>[^"]+)"'))
def _missing(hazard_case: hb.Case, fact: str) -> None:
    judgement = hazard_case.result()
    name = hazard_case.words.fact(fact)
    hb.check_missing(judgement, name, hazard_case.words.label(name))


@then("不缺少任何事实")
def _nothing_missing(hazard_case: hb.Case) -> None:
    hb.check_nothing_missing(hazard_case.result())


@then(parsers.re(r'(?P<word>采用|未采用)标准 "(?P<standard>[^"]+)"'))
def _standard_used(hazard_case: hb.Case, word: str, standard: str) -> None:
    hb.check_standard_used(hazard_case.result(), standard, used=(word == "采用"))


@then(parsers.re(r'提示 "(?P<standard>[^"]+)" 有效但未编码'))
def _unencoded(hazard_case: hb.Case, standard: str) -> None:
    hb.check_unencoded(hazard_case.result(), standard)


@then(parsers.re(r'事实被拒绝，指出 "(?P<first>[^"]+)" 与 "(?P<second>[^"]+)" 相互矛盾'))
def _contradiction(hazard_case: hb.Case, first: str, second: str) -> None:
    words = hazard_case.need_rules()
    names = [words.fact(first), words.fact(second)]
    hb.check_contradiction(hazard_case.refusal(), names, [words.label(n) for n in names])


@then(parsers.re(r'默认答复不超过 (?P<limit>\d+) 字节'))
def _compact_size(hazard_case: hb.Case, limit: str) -> None:
    hb.check_compact_size(hazard_case.result(), int(limit))


@then(parsers.re(r'判定结论为 "(?P<label>[^"]*)"'))
def _label(hazard_case: hb.Case, label: str) -> None:
    hb.check_label(hazard_case.result(), label)


@then(parsers.re(r'判定(?P<word>不完整|完整)'))
def _complete(hazard_case: hb.Case, word: str) -> None:
    hb.check_incomplete(hazard_case.result(), incomplete=(word == "不完整"))


@then(parsers.re(r'未评估 "(?P<standard>[^"]+)"(?: 的 "(?P<part>[^"]+)"| 整份标准)'))
def _not_evaluated(hazard_case: hb.Case, standard: str, part: str | None) -> None:
    hb.check_not_evaluated(hazard_case.result(), standard, part)


@then(parsers.re(r'不列出未评估的 "(?P<standard>[^"]+)"'))
def _not_evaluated_absent(hazard_case: hb.Case, standard: str) -> None:
    hb.check_not_evaluated_absent(hazard_case.result(), standard)


@then(parsers.re(r'事实 "(?P<fact>[^"]+)" (?P<word>列为|未列为)未使用'))
def _unused(hazard_case: hb.Case, fact: str, word: str) -> None:
    name = hazard_case.words.fact(fact)
    hb.check_unused(hazard_case.result(), name, hazard_case.words.label(name), unused=(word == "列为"))


@then(parsers.re(r'条款 "(?P<entry>[^"]+)" (?P<word>列为|未列为)待确认的排除情形'))
def _pending(hazard_case: hb.Case, entry: str, word: str) -> None:
    hb.check_criterion_known(hazard_case.engine.bundle, entry)
    hb.check_pending(hazard_case.result(), entry, pending=(word == "列为"))


@then(parsers.re(r'"(?P<fact>[^"]+)" (?P<word>是|不是)决定结论的问题'))
def _decisive(hazard_case: hb.Case, fact: str, word: str) -> None:
    hb.check_decisive(hazard_case.result(), hazard_case.words.label(hazard_case.words.fact(fact)), decisive=(word == "是"))


@then(parsers.re(r'第一个决定结论的问题是 "(?P<fact>[^"]+)"'))
def _first_question(hazard_case: hb.Case, fact: str) -> None:
    hb.check_first_question(hazard_case.result(), hazard_case.words.label(hazard_case.words.fact(fact)))


@then(parsers.re(r'决定结论的问题共 (?P<count>\d+) 个'))
def _question_count(hazard_case: hb.Case, count: str) -> None:
    hb.check_question_count(hazard_case.result(), int(count))


@then(parsers.re(r'问题 "(?P<fact>[^"]+)" 答 "(?P<answer>[^"]+)" 则判定为 "(?P<result>[^"]+)"(?:，写明 "(?P<effect>[^"]+)")?'))
def _answer(hazard_case: hb.Case, fact: str, answer: str, result: str, effect: str | None) -> None:
    label = hazard_case.words.label(hazard_case.words.fact(fact))
    hb.check_answer(hazard_case.result(), label, answer, result, effect)


@then(parsers.re(r'提示包含 "(?P<text>[^"]+)"'))
def _note(hazard_case: hb.Case, text: str) -> None:
    hb.check_note(hazard_case.result(), text)


# === 规则文件检查 (features/规则文件检查.feature): hazard lint and its warnings ===================
#
#   假如 复制随附的规则库                            a copy of rules/ in the test's temporary directory
#   假如 在副本的 "standards/moe-edu-guide/2024.yaml" 中把条款 "moe-edu-guide-2024.3.1.8" 的 "percent: 80" 改为 "percent: 90"
#                                                    one line of that criterion's entry, in the copy
#   当 检查规则文件                                  hazard lint on the copy (else on the bundled rules)
#   当 从严检查规则文件                              hazard lint --strict
#   那么 检查通过 / 检查不通过                        exit 0 with the OK line / exit 1
#   那么 没有提醒
#   那么 有一条提醒指向改动的那一行，并提到 "90%"    file:line of the edit, and the words
#   那么 提醒中引用了原文 "规定值的80%"

@pytest.fixture
def lint_case() -> hb.LintCase:
    return hb.LintCase()


@given("复制随附的规则库")
def _copy_bundled_rules(lint_case: hb.LintCase, tmp_path: Path) -> None:
    lint_case.copy_bundled(tmp_path)


@given(parsers.re(r'在副本的 "(?P<file>[^"]+)" 中把条款 "(?P<criterion>[^"]+)" 的 "(?P<old>[^"]+)" 改为 "(?P<new>[^"]*)"'))
def _edit_copy(lint_case: hb.LintCase, file: str, criterion: str, old: str, new: str) -> None:
    lint_case.edit(file, criterion, old, new)


@when(parsers.re(r"(?P<strict>从严)?检查规则文件"))
def _lint(lint_case: hb.LintCase, strict: str | None) -> None:
    lint_case.lint(strict=bool(strict))


@then(parsers.re(r"检查(?P<word>通过|不通过)"))
def _lint_passed(lint_case: hb.LintCase, word: str) -> None:
    hb.check_lint_passed(lint_case.result(), passed=(word == "通过"))


@then("没有提醒")
def _no_warnings(lint_case: hb.LintCase) -> None:
    warnings = lint_case.warnings()
    assert not warnings, "不应有提醒，实际的提醒：\n  " + "\n  ".join(warnings)


@then(parsers.re(r'有一条提醒指向改动的那一行，并提到 "(?P<words>[^"]+)"'))
def _warning_at_edit(lint_case: hb.LintCase, words: str) -> None:
    if lint_case.edited is None:
        hb.fail("场景中没有改动：请先写“在副本的 \"…\" 中把条款 \"…\" 的 \"…\" 改为 \"…\"”。")
    hb.check_warning_at(lint_case.warnings(), *lint_case.edited, words)


@then(parsers.re(r'提醒中引用了原文 "(?P<text>[^"]+)"'))
def _warning_quotes(lint_case: hb.LintCase, text: str) -> None:
    warnings = lint_case.warnings()
    assert any(text in w for w in warnings), f"提醒中没有引用原文“{text}”，实际的提醒：\n  " + "\n  ".join(warnings)
# === 现场检查问卷 / the on-site questionnaire (现场检查问卷.feature) ==============================
#
#   假如 规则库只含随附规则库中的标准 "房屋市政工程生产安全重大事故隐患判定标准"   title or document number
#   当 生成 "食堂" 的现场检查问卷                                  kind of place: Chinese label or code
#   那么 问卷 "GB 45067-2024" 的 "5.2 锅炉" 一节先问 "场所有锅炉（前提）"
#   那么 问题 "场所有锅炉（前提）" 总要回答
#   那么 问题 "锅炉仍继续使用" 仅当 "场所有锅炉（前提）" 答 "是" 时填写
#   那么 问题 "单位、场所已停产停业或停止使用" 仅当发现所列要素（如 "6.1"）时填写
#   那么 问题 "安全出口数量" 依据的条款为:                          a table | 标准 | 条号 |, every clause
#   那么 问卷问 "属于公众聚集场所" / 问卷不问 "人员密集场所"           label or name (derived facts too)
#   那么 问卷不含标准 "建质规〔2022〕2号"
#   那么 问卷没有任何问题
#   那么 问卷提示 "尚未编码"


@pytest.fixture
def questionnaire_case() -> hb.QuestionnaireCase:
    return hb.QuestionnaireCase()


@given(parsers.re(r'规则库只含随附规则库中的标准 "(?P<standard>[^"]+)"'))
def _one_standard(hazard_case: hb.Case, questionnaire_case: hb.QuestionnaireCase, tmp_path: Path,
                  standard: str) -> None:
    hazard_case.need_rules()
    questionnaire_case.bundle = hb.rules_with_one_standard(hazard_case.engine.bundle, tmp_path / "rules", standard)


@when(parsers.re(r'生成 "(?P<place>[^"]+)" 的现场检查问卷'))
def _make_questionnaire(hazard_case: hb.Case, questionnaire_case: hb.QuestionnaireCase, place: str) -> None:
    hazard_case.need_rules()
    if hazard_case.as_of is None:
        hb.fail("没有日期：请写“而且 判定日期为 \"2026-01-15\"”之类的步骤（问卷按该日有效的标准出题）。")
    bundle = questionnaire_case.bundle or hazard_case.engine.bundle
    questionnaire_case.document = hb.make_questionnaire(bundle, place, hazard_case.as_of)


@then(parsers.re(r'问卷 "(?P<standard>[^"]+)" 的 "(?P<section>[^"]+)" 一节先问 "(?P<label>[^"]+)"'))
def _first_in_section(questionnaire_case: hb.QuestionnaireCase, standard: str, section: str, label: str) -> None:
    hb.check_first_in_section(questionnaire_case.made(), standard, section, label)


@then(parsers.re(r'问题 "(?P<label>[^"]+)" 总要回答'))
def _always_asked(questionnaire_case: hb.QuestionnaireCase, label: str) -> None:
    hb.check_always_asked(questionnaire_case.made(), label)


@then(parsers.re(r'问题 "(?P<label>[^"]+)" 仅当 "(?P<gate>[^"]+)" 答 "(?P<answer>[^"]+)" 时填写'))
def _only_if(questionnaire_case: hb.QuestionnaireCase, label: str, gate: str, answer: str) -> None:
    hb.check_only_if(questionnaire_case.made(), label, gate, answer)


@then(parsers.re(r'问题 "(?P<label>[^"]+)" 仅当发现所列要素（如 "(?P<clause>[^"]+)"）时填写'))
def _only_once_found(questionnaire_case: hb.QuestionnaireCase, label: str, clause: str) -> None:
    hb.check_only_once_found(questionnaire_case.made(), label, clause)


@then(parsers.re(r'问题 "(?P<label>[^"]+)" 依据的条款为[:：]?'))
def _clauses(questionnaire_case: hb.QuestionnaireCase, label: str, datatable: list[list[str]]) -> None:
    rows = [[cell.strip() for cell in row] for row in datatable]
    if not rows or rows[0] != ["标准", "条号"] or any(len(row) != 2 for row in rows):
        hb.fail("“依据的条款为:”后应为两列的表格，表头为 | 标准 | 条号 |，每行一条条款。")
    hb.check_clauses(questionnaire_case.made(), label, rows[1:])


@then(parsers.re(r'问卷(?P<word>问|不问) "(?P<label>[^"]+)"'))
def _asked(questionnaire_case: hb.QuestionnaireCase, word: str, label: str) -> None:
    hb.check_asked(questionnaire_case.made(), label, asked=(word == "问"))


@then(parsers.re(r'问卷不含标准 "(?P<standard>[^"]+)"'))
def _standard_absent(questionnaire_case: hb.QuestionnaireCase, standard: str) -> None:
    hb.check_standard_absent(questionnaire_case.made(), standard)


@then("问卷没有任何问题")
def _no_questions(questionnaire_case: hb.QuestionnaireCase) -> None:
    hb.check_no_questions(questionnaire_case.made())


@then(parsers.re(r'问卷提示 "(?P<text>[^"]+)"'))
def _questionnaire_note(questionnaire_case: hb.QuestionnaireCase, text: str) -> None:
    hb.check_questionnaire_note(questionnaire_case.made(), text)


# --- 清单的变化（清单的变化.feature）-------------------------------------------------------------

@pytest.fixture
def diff_case() -> hb.DiffCase:
    return hb.DiffCase()


@when(parsers.re(r'比较(?:清单|标准版本) "(?P<old>[^"]+)" 与 "(?P<new>[^"]+)"'))
def _compare(hazard_case: hb.Case, diff_case: hb.DiffCase, old: str, new: str) -> None:
    hazard_case.need_rules()
    hb.make_diff(diff_case, hazard_case.engine.bundle, old, new)


@then(parsers.re(r'"(?P<area>[^"]+)" 领域(?P<word>列入|移出) "(?P<document>[^"]+)" 的全部条款'))
def _whole_version(diff_case: hb.DiffCase, area: str, word: str, document: str) -> None:
    hb.check_whole_version(diff_case, area, document, word)


@then(parsers.re(r'没有条款(?P<word>列入|移出|新增|删除|变更)'))
def _no_change_of_kind(diff_case: hb.DiffCase, word: str) -> None:
    hb.check_no_change_of_kind(diff_case, word)


@then(parsers.re(r'条号 "(?P<old>[^"]+)" → "(?P<new>[^"]+)" 为变更，变化之处有 "(?P<what>[^"]+)"'))
def _clause_changed(diff_case: hb.DiffCase, old: str, new: str, what: str) -> None:
    hb.check_clause_changed(diff_case, old, new, what)


@then(parsers.re(r'变化说明提到 "(?P<text>[^"]+)"'))
def _diff_mentions(diff_case: hb.DiffCase, text: str) -> None:
    hb.check_diff_mentions(diff_case, text)


# --- 规则变更的影响（规则变更的影响.feature）------------------------------------------------------

@pytest.fixture(scope="session")
def impact_subjects(hazard_engine) -> list:
    """The bundled examples and the living documentation, read once per session."""
    from engine.impact_sources import bundled_sources

    return [s for source in bundled_sources(hazard_engine.bundle) for s in source.subjects()]


@pytest.fixture
def impact_case() -> hb.ImpactCase:
    return hb.ImpactCase()


@when(parsers.re(r'评估副本相对随附规则库的影响，判定日期为 "(?P<day>[^"]*)"'))
def _assess_impact(impact_case: hb.ImpactCase, lint_case: hb.LintCase, impact_subjects: list, day: str) -> None:
    hb.assess_impact(impact_case, lint_case, impact_subjects, hb.parse_date(day))


@then(parsers.re(r'(?P<no>没)?有对象由 "(?P<old>[^"]+)" 变为 "(?P<new>[^"]+)"'))
def _transition(impact_case: hb.ImpactCase, no: str | None, old: str, new: str) -> None:
    hb.check_transition(impact_case, old, new, present=not no)


@then(parsers.re(r'场景 "(?P<scenario>[^"]+)" 中有对象由 "(?P<old>[^"]+)" 变为 "(?P<new>[^"]+)"'))
def _scenario_transition(impact_case: hb.ImpactCase, scenario: str, old: str, new: str) -> None:
    hb.check_transition(impact_case, old, new, present=True, scenario=scenario)


@then("没有对象的判定结果变化")
def _nothing_changed(impact_case: hb.ImpactCase) -> None:
    hb.check_nothing_changed(impact_case)


@then(parsers.re(r'变化的条款只有 "(?P<document>[^"]+)" 的 "(?P<clause>[^"]+)"'))
def _only_clause(impact_case: hb.ImpactCase, document: str, clause: str) -> None:
    hb.check_only_clause(impact_case, document, clause)


@then(parsers.re(r'报告的每一项变化与按两套规则分别判定的结果一致，判定日期为 "(?P<day>[^"]*)"'))
def _matches_judging(impact_case: hb.ImpactCase, lint_case: hb.LintCase, day: str) -> None:
    hb.check_report_matches_judging(impact_case, lint_case, hb.parse_date(day))


@then("评估被拒绝，指出改动的那一行")
def _impact_refused(impact_case: hb.ImpactCase, lint_case: hb.LintCase) -> None:
    hb.check_impact_refused_at_edit(impact_case, lint_case)
