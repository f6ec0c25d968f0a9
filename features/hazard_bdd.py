"""Support for the Chinese living documentation (features/*.feature), kept free of pytest-bdd.

Safety experts name facts by their Chinese label (the `label` in rules/facts/*.yaml) or by
their name, enum values by their Chinese label or code, booleans as 是/否 and numbers as
numbers. Everything an expert can get wrong fails the scenario with a Chinese message that
says what was written and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import Bundle, Engine, FactError, Judgement, load
from engine.questionnaire import Question, Questionnaire, UnknownPlaceKind, questionnaire

FEATURES_DIR = Path(__file__).resolve().parent
BASELINES_DIR = FEATURES_DIR / "baselines"
RULES_DIR = FEATURES_DIR.parent / "rules"

RESULT_LABELS = ("重大事故隐患", "一般隐患", "未发现隐患", "无法判定")
TRUE_WORDS, FALSE_WORDS = ("是",), ("否",)
NOT_GIVEN = "未提供"  # in a facts table: the fact is not known
INTEGER = re.compile(r"[+-]?\d+")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def fail(message: str) -> None:
    """Fail the scenario with a message meant for the person who wrote it (no traceback)."""
    pytest.fail(message, pytrace=False)


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


class FactWords:
    """Chinese words for facts and values, checked against the bundle's vocabulary."""

    def __init__(self, bundle: Bundle):
        self.vocab = bundle.vocabulary
        self.by_label = {f.label: name for name, f in self.vocab.facts.items()}
        self.derived_by_label = {d.definition.label: name for name, d in self.vocab.derived.items()}

    def fact(self, word: str) -> str:
        """The fact name for a label or name; fails naming the closest labels otherwise."""
        word = word.strip()
        if word in self.vocab.facts:
            return word
        if word in self.by_label:
            return self.by_label[word]
        derived = self.derived_by_label.get(word, word if word in self.vocab.derived else None)
        if derived is not None:
            fail(f"“{word}”是由其他事实推出的派生事实（{self.vocab.derived[derived].definition.description.strip()}），"
                 f"不能直接填写；请改写它所依据的事实。")
        close = difflib.get_close_matches(word, list(self.by_label), n=3, cutoff=0.4)
        hint = f"是否想写：{'、'.join(f'“{c}”' for c in close)}？" if close else "可用的事实见 rules/facts/*.yaml 中的 label。"
        fail(f"未知事实“{word}”：事实词汇表中既没有这个名称，也没有这个中文名。{hint}")
        raise AssertionError  # unreachable: fail() raises

    def label(self, name: str) -> str:
        return self.vocab.label(name)

    def value(self, name: str, raw: Any) -> Any:
        """A value for the fact, from step text (a string) or from a baseline file (any YAML scalar)."""
        definition = self.vocab.facts[name]
        label, kind = definition.label, definition.type
        if raw is None:
            fail(f"“{label}”的值为空；不了解的事实请不要填写（或写“\"{label}\" 未提供”），空值不等于“否”或 0。")
        text = unquote(raw) if isinstance(raw, str) else raw
        if kind == "boolean":
            if isinstance(text, bool):
                return text
            if text in TRUE_WORDS:
                return True
            if text in FALSE_WORDS:
                return False
            fail(f"“{label}”是“是/否”事实，应写 是 或 否，实际写的是“{text}”。")
        if kind == "integer":
            if isinstance(text, int) and not isinstance(text, bool):
                return text
            if isinstance(text, str) and INTEGER.fullmatch(text):
                return int(text)
            fail(f"“{label}”应为整数，实际写的是“{text}”。")
        if kind == "number":
            if isinstance(text, (int, float)) and not isinstance(text, bool):
                return text
            if isinstance(text, str) and NUMBER.fullmatch(text):
                return float(text) if "." in text else int(text)
            unit = f"（单位 {definition.unit}，只写数字）" if definition.unit else ""
            fail(f"“{label}”应为数值{unit}，实际写的是“{text}”。")
        if kind == "enum":
            values = definition.values or {}
            if isinstance(text, str):
                if text in values:
                    return text
                for code, value_label in values.items():
                    if text == value_label:
                        return code
            allowed = "；".join(f"“{v}”" for v in values.values())
            fail(f"“{text}”不是“{label}”的取值。可写：{allowed}（或其代码：{'、'.join(values)}）。")
        if kind == "date":
            if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
                return text
            try:
                return dt.date.fromisoformat(str(text))
            except ValueError:
                fail(f"“{label}”应为日期（如 2025-06-01），实际写的是“{text}”。")
        raise AssertionError(f"unhandled fact type {kind}")

    def facts_from_mapping(self, mapping: Any, where: str) -> dict[str, Any]:
        if not isinstance(mapping, dict) or not mapping:
            fail(f"{where} 应为“事实: 值”的列表（每行一个事实）。")
        facts: dict[str, Any] = {}
        for word, raw in mapping.items():
            name = self.fact(str(word))
            if name in facts:
                fail(f"{where} 中“{self.label(name)}”写了两次。")
            facts[name] = self.value(name, raw)
        return facts


def baseline_path(name: str) -> Path:
    return BASELINES_DIR / f"{name}.yaml"


def baseline_names() -> list[str]:
    return sorted(p.stem for p in BASELINES_DIR.glob("*.yaml"))


def load_baseline(words: FactWords, name: str) -> dict[str, Any]:
    path = baseline_path(name)
    if not path.is_file():
        known = "、".join(f"“{n}”" for n in baseline_names()) or "（目前没有）"
        fail(f"没有名为“{name}”的基础事实集（应为文件 features/baselines/{name}.yaml）。已有：{known}。")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        fail(f"基础事实集 features/baselines/{path.name} 不是合法的 YAML：{exc}")
    return words.facts_from_mapping(data, f"基础事实集 features/baselines/{path.name}")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(unquote(text))
    except ValueError:
        fail(f"判定日期应写成 YYYY-MM-DD（如 2026-01-15），实际写的是“{text}”。")
        raise


@dataclass
class Case:
    """One scenario's facility: what is known, on which day, and what the engine said."""

    engine: Engine | None = None
    words: FactWords | None = None
    as_of: dt.date | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    judgement: Judgement | None = None

    def need_rules(self) -> FactWords:
        if self.words is None:
            fail("没有指定规则：请在“背景”中写“假如 规则为随附的规则库”。")
        return self.words

    def set(self, name: str, value: Any) -> None:
        self.facts[name] = value
        self.judgement = None

    def remove(self, name: str) -> None:
        self.facts.pop(name, None)
        self.judgement = None

    def judge(self) -> Judgement:
        self.need_rules()
        if self.as_of is None:
            fail("没有判定日期：请写“而且 判定日期为 \"2026-01-15\"”之类的步骤。")
        try:
            self.judgement = self.engine.judge(self.facts, self.as_of)
        except FactError as exc:
            fail("事实有误，引擎未作判定：\n" + "\n".join(f"  - {p.fact}：{p.zh}" for p in exc.problems))
        return self.judgement

    def result(self) -> Judgement:
        if self.judgement is None:
            fail("还没有判定结果：请在“那么”之前写“当 进行判定”（修改事实之后须重新判定）。")
        return self.judgement


# --- what a judgement says, in words a reader of the scenario can check ------------------------

MAJOR_WORDS = {True: "构成", False: "不构成", None: "无法确定是否构成"}


def _finding_text(f) -> str:
    if f.counts_toward_major is False:
        by = "、".join(f.blocked_by)
        return f"{f.criterion}（不计入{'，因 ' + by if by else ''}）"
    if f.counts_toward_major is None and f.method in ("direct", "combined"):
        return f"{f.criterion}（是否计入未定）"
    return f.criterion


def _combined_text(c) -> str:
    return f"{c.rule} 计入 {c.count} 条（至少 {c.at_least} 条），{MAJOR_WORDS[c.major]}重大事故隐患"


def summary(j: Judgement) -> str:
    fired = "、".join(_finding_text(f) for f in j.findings) or "无"
    combined = "；".join(_combined_text(c) for c in j.combined)
    missing = "、".join(f"“{m.label}”" for m in j.missing_facts) or "无"
    used = "、".join(f"{s.document_number}" + ("" if s.encoded else "（未编码）") for s in j.standards) or "无"
    combined = f"；综合判定：{combined}" if combined else ""
    return f"（判定日期 {j.as_of}；触发的条款：{fired}{combined}；缺少的事实：{missing}；当日有效的标准：{used}）"


def check_result(j: Judgement, expected: str) -> None:
    if expected not in RESULT_LABELS:
        fail(f"判定结果只能是 {'、'.join(f'“{r}”' for r in RESULT_LABELS)} 之一，实际写的是“{expected}”。")
    assert j.label == expected, f"判定结果应为“{expected}”，实际为“{j.label}”。{summary(j)}"


def check_criterion_known(bundle: Bundle, criterion: str) -> None:
    if criterion not in bundle.criteria:
        if criterion in combined_rule_ids(bundle):
            fail(f"“{criterion}”是综合判定规则，不是条款；请写“综合判定 \"{criterion}\" 构成重大事故隐患”"
                 f"或“…… 不构成重大事故隐患”。")
        close = difflib.get_close_matches(criterion, list(bundle.criteria), n=1)
        hint = f"是否想写“{close[0]}”？" if close else ""
        fail(f"规则库中没有编号为“{criterion}”的条款。{hint}")


def combined_rule_ids(bundle: Bundle) -> list[str]:
    """Ids of the combined rules (method.combined of every version), e.g. gb35181-2017.5.3.3.a."""
    return [rule.id for version in bundle.versions for rule in version.combined]


def check_combined_known(bundle: Bundle, rule: str) -> None:
    known = combined_rule_ids(bundle)
    if rule not in known:
        if rule in bundle.criteria:
            fail(f"“{rule}”是判定要素（条款），不是综合判定规则；条款请写“条款 \"{rule}\" 触发”。"
                 f"综合判定规则有：{'、'.join(known) or '（没有）'}。")
        close = difflib.get_close_matches(rule, known, n=1)
        hint = f"是否想写“{close[0]}”？" if close else f"综合判定规则有：{'、'.join(known) or '（没有）'}。"
        fail(f"规则库中没有编号为“{rule}”的综合判定规则。{hint}")


def check_combined(j: Judgement, rule: str, major: bool | None) -> None:
    """`major` True: the rule makes a major hazard; False: it does not (its place category does not
    hold, too few elements count, or none counts at all); None: that cannot be decided for want of facts."""
    outcomes = [c for c in j.combined if c.rule == rule]
    got = outcomes[0].major if outcomes else False  # no outcome: category false or no element counts
    assert got is major, (
        f"综合判定 {rule} 应{MAJOR_WORDS[major]}重大事故隐患，实际{MAJOR_WORDS[got]}。{summary(j)}")


def check_combined_count(j: Judgement, rule: str, count: int) -> None:
    outcomes = [c for c in j.combined if c.rule == rule]
    if not outcomes:  # the engine lists a rule only when its category may hold and an element may count
        assert count == 0, (f"综合判定 {rule} 应计入 {count} 条要素，但该规则未参与判定"
                            f"（场所不属于其类别，或没有任何要素成立）。{summary(j)}")
        return
    got = outcomes[0].count
    assert got == count, f"综合判定 {rule} 应计入 {count} 条要素，实际计入 {got} 条。{summary(j)}"


def check_not_counted(j: Judgement, criterion: str, by: str | None = None) -> None:
    """The element holds (there is a finding) but does not count toward a major hazard:
    a precondition (5.1.2) fails or an exemption (5.1.3) holds; `by` names that clause."""
    found = [f for f in j.findings if f.criterion == criterion]
    assert found, f"条款 {criterion} 应触发（但不计入重大事故隐患），实际未触发。{summary(j)}"
    f = found[0]
    assert f.counts_toward_major is False, (
        f"条款 {criterion} 应不计入重大事故隐患，实际"
        f"{'计入' if f.counts_toward_major else '是否计入未定'}。{summary(j)}")
    if by is not None:
        assert by in f.blocked_by, (
            f"条款 {criterion} 应因条款 {by} 不计入重大事故隐患，实际排除它的条款："
            f"{'、'.join(f.blocked_by) or '无'}。{summary(j)}")


def check_fired(j: Judgement, criterion: str, fired: bool) -> None:
    hit = any(f.criterion == criterion for f in j.findings)
    if fired:
        assert hit, f"条款 {criterion} 应触发，但未触发。{summary(j)}"
    else:
        assert not hit, f"条款 {criterion} 不应触发，但触发了。{summary(j)}"


def check_missing(j: Judgement, name: str, label: str) -> None:
    assert any(m.name == name for m in j.missing_facts), f"应缺少事实“{label}”，但判定结果未列出它。{summary(j)}"


def check_nothing_missing(j: Judgement) -> None:
    assert not j.missing_facts, f"不应缺少任何事实，但判定结果列出了缺少的事实。{summary(j)}"


def _names(s) -> list[str]:
    return [s.document_number, s.title, f"{s.standard}@{s.version}"]


def _matches(s, word: str) -> bool:
    return any(word == n or word in n for n in _names(s))


def check_standard_used(j: Judgement, word: str, used: bool) -> None:
    """`used`: the version was in force on the day and encoded, so the judgement applied it."""
    applied = [s for s in j.standards if s.encoded and _matches(s, word)]
    if used:
        assert applied, f"应依据标准“{word}”判定，但当日未采用它。{summary(j)}"
    else:
        assert not applied, f"不应依据标准“{word}”判定，但采用了它。{summary(j)}"


def check_unencoded_note(j: Judgement, word: str) -> None:
    """The standard is in force on the day, not encoded, and the judgement's notes say so."""
    in_force = [s for s in j.standards if _matches(s, word)]
    assert in_force, f"标准“{word}”在判定日并不有效。{summary(j)}"
    assert all(not s.encoded for s in in_force), f"标准“{word}”在判定日有效且已编码，并非“有效但未编码”。{summary(j)}"
    assert any(s.document_number in n and "未编码" in n for s in in_force for n in j.notes), (
        f"判定提示中没有说明标准“{word}”有效但未编码。提示：{j.notes or '无'}")


def check_note(j: Judgement, text: str) -> None:
    notes = list(j.notes) + [n for s in j.standards for n in s.notes]
    assert any(text in n for n in notes), f"提示中没有“{text}”。全部提示：{notes or '无'}"


# --- the on-site questionnaire (现场检查问卷.feature) ------------------------------------------

@dataclass
class QuestionnaireCase:
    """One scenario's questionnaire, and the rules it was made from when they are not the bundled ones."""

    bundle: Bundle | None = None
    document: Questionnaire | None = None

    def made(self) -> Questionnaire:
        if self.document is None:
            fail("还没有问卷：请在“那么”之前写“当 生成 \"食堂\" 的现场检查问卷”。")
        return self.document


def rules_with_one_standard(bundled: Bundle, target: Path, word: str) -> Bundle:
    """The bundled vocabulary with one bundled standard (named by its title or document number),
    copied to `target` and loaded: a rule set in which other kinds of place have no standard."""
    chosen = {v.standard for v in bundled.versions if word in (v.meta.title, v.meta.document_number)}
    if not chosen:
        known = "、".join(dict.fromkeys(f"“{v.meta.title}”" for v in bundled.versions))
        fail(f"随附规则库中没有名为或文号为“{word}”的标准。已有：{known}。")
    shutil.copytree(RULES_DIR / "facts", target / "facts")
    for standard in chosen:
        shutil.copytree(RULES_DIR / "standards" / standard, target / "standards" / standard)
    return load(str(target))


def make_questionnaire(bundle: Bundle, place: str, day: dt.date) -> Questionnaire:
    try:
        return questionnaire(bundle, place, day)
    except UnknownPlaceKind as exc:
        fail(f"场所类型写错了：{exc}")
        raise


def _questions(doc: Questionnaire) -> list[Question]:
    return [q for s in doc.standards for g in s.groups for q in g.questions]


def _asked_labels(doc: Questionnaire) -> str:
    return "、".join(f"“{q.label}”" for q in _questions(doc)) or "（没有问题）"


def find_question(doc: Questionnaire, word: str) -> Question:
    """The question with this Chinese label (or fact name); fails naming the closest questions."""
    found = next((q for q in _questions(doc) if word in (q.label, q.fact)), None)
    if found is None:
        close = difflib.get_close_matches(word, [q.label for q in _questions(doc)], n=3, cutoff=0.4)
        hint = f"是否想写：{'、'.join(f'“{c}”' for c in close)}？" if close else f"问卷的问题：{_asked_labels(doc)}。"
        fail(f"问卷中没有问题“{word}”。{hint}")
    return found


def check_first_in_section(doc: Questionnaire, standard: str, section: str, label: str) -> None:
    groups = [g for s in doc.standards if standard in (s.document_number, s.title) for g in s.groups]
    group = next((g for g in groups if section in (g.title, g.section)), None)
    assert group is not None, (f"问卷中没有“{standard}”的“{section}”一节；有：{'、'.join(g.title for g in groups) or '无'}。")
    first = group.questions[0]
    assert first.label == label, f"“{section}”一节先问的是“{first.label}”，不是“{label}”。"


def check_always_asked(doc: Questionnaire, label: str) -> None:
    q = find_question(doc, label)
    assert not q.only_if, f"问题“{label}”应总要回答，实际{q.only_if_text}。"


def check_only_if(doc: Questionnaire, label: str, gate: str, answer: str) -> None:
    """The question waits for the answer to the gate question, which is asked before it."""
    q, first = find_question(doc, label), find_question(doc, gate)
    words = f"“{first.label}”答“{answer}”"
    assert q.only_if_text and words in q.only_if_text, (
        f"问题“{label}”应仅当{words}时填写，实际：{q.only_if_text or '总要回答'}。")
    assert first.number < q.number, f"问题“{gate}”（第 {first.number} 题）应在“{label}”（第 {q.number} 题）之前。"


def check_only_once_found(doc: Questionnaire, label: str, clause: str) -> None:
    q = find_question(doc, label)
    named = [c.clause for g in q.only_if for c in g.elements]
    assert named, f"问题“{label}”应仅当发现所列要素时填写，实际：{q.only_if_text or '总要回答'}。"
    assert clause in named, f"问题“{label}”所列要素中没有 {clause}；所列要素：{'、'.join(named)}。"


def check_clauses(doc: Questionnaire, label: str, rows: list[list[str]]) -> None:
    q = find_question(doc, label)
    got = sorted((c.document_number, c.clause) for c in q.clauses)
    expected = sorted((document, clause) for document, clause in rows)
    shown = "；".join(f"{d} {c}" for d, c in got)
    assert got == expected, f"问题“{label}”依据的条款应为 {expected}，实际为：{shown}。"


def check_asked(doc: Questionnaire, word: str, asked: bool) -> None:
    """Asked or not, by label or fact name; derived facts (人员密集场所) are never asked themselves."""
    hit = any(word in (q.label, q.fact) for q in _questions(doc))
    if asked:
        assert hit, f"问卷应问“{word}”，但没有问。问卷的问题：{_asked_labels(doc)}。"
    else:
        assert not hit, f"问卷不应问“{word}”，但问了。"


def check_standard_absent(doc: Questionnaire, word: str) -> None:
    present = [s.document_number for s in doc.standards if word in (s.document_number, s.title)]
    assert not present, f"问卷不应含标准“{word}”的问题，但含有。"


def check_no_questions(doc: Questionnaire) -> None:
    assert not _questions(doc), f"问卷应没有问题，实际有：{_asked_labels(doc)}。"


def check_questionnaire_note(doc: Questionnaire, text: str) -> None:
    assert any(text in note for note in doc.notes), f"问卷提示中没有“{text}”。全部提示：{doc.notes or '无'}"
