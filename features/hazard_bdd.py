"""Support for the Chinese living documentation (features/*.feature), kept free of pytest-bdd.

Safety experts name facts by their Chinese label (the `label` in rules/facts/*.yaml) or by
their name, enum values by their Chinese label or code, booleans as 是/否 and numbers as
numbers. Everything an expert can get wrong fails the scenario with a Chinese message that
says what was written and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import Bundle, Engine, FactError, Judgement, load
from engine.questionnaire import Question, Questionnaire, UnknownPlaceKind, questionnaire
from engine.schema import FactDef

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
        if raw is None:
            label = definition.label
            fail(f"“{label}”的值为空；不了解的事实请不要填写（或写“\"{label}\" 未提供”），空值不等于“否”或 0。")
        read = _READERS.get(definition.type)
        if read is None:
            raise AssertionError(f"unhandled fact type {definition.type}")
        return read(definition, unquote(raw) if isinstance(raw, str) else raw)

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


# The steps that describe a facility and its day, shared by the step definitions (conftest.py) and by
# the impact's reading of the scenarios (living_subjects.py).
BUNDLED_RULES_STEP = "规则为随附的规则库"
DATE_STEP = r'判定日期为 "(?P<day>[^"]*)"'
BASELINE_STEP = r'以 "(?P<name>[^"]+)" 为基础'
SET_FACT_STEP = r'"(?P<fact>[^"]+)" 为 (?P<value>"[^"]*"|[^"\s]+)'
REMOVE_FACT_STEP = r'"(?P<fact>[^"]+)" 未提供'
FACT_TABLE_STEP = r"事实如下[:：]?"
JUDGE_STEP = "进行判定"


def apply_fact_table(words: FactWords, facts: dict[str, Any], datatable: list[list[str]]) -> None:
    """The rows of a | 事实 | 值 | table into facts (the value 未提供 removes the fact)."""
    rows = [[cell.strip() for cell in row] for row in datatable]
    if rows and rows[0] == ["事实", "值"]:
        rows = rows[1:]
    if not rows or any(len(row) != 2 for row in rows):
        fail("“事实如下:”后应为两列的表格，表头为 | 事实 | 值 |，每行一个事实。")
    for fact, value in rows:
        name = words.fact(fact)
        if value == NOT_GIVEN:
            facts.pop(name, None)
        else:
            facts[name] = words.value(name, value)


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
    refused: FactError | None = None  # the facts were refused, nothing judged

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
        self.judgement, self.refused = None, None
        try:
            self.judgement = self.engine.judge(self.facts, self.as_of)
        except FactError as exc:
            self.refused = exc
        return self.judgement

    def result(self) -> Judgement:
        if self.refused is not None:
            fail("事实有误，引擎未作判定：\n" + "\n".join(f"  - {p.fact}：{p.zh}" for p in self.refused.problems))
        if self.judgement is None:
            fail("还没有判定结果：请在“那么”之前写“当 进行判定”（修改事实之后须重新判定）。")
        return self.judgement

    def refusal(self) -> FactError:
        if self.refused is None:
            fail(f"事实应被拒绝，实际作出了判定：{summary(self.judgement) if self.judgement else '（尚未判定）'}")
        return self.refused


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


def _question_text(q) -> str:  # noqa: ANN001
    answers = "；".join(f"答“{a.answer}”→{a.effect}" for a in q.answers)
    return f"“{'”与“'.join(f.label for f in q.facts)}”（{answers}）"


def summary(j: Judgement) -> str:
    fired = "、".join(_finding_text(f) for f in j.findings) or "无"
    combined = "；".join(_combined_text(c) for c in j.combined)
    decisive = "；".join(_question_text(q) for q in j.missing_facts.decisive) or "无"
    other = "、".join(f"“{m.label}”" for m in j.missing_facts.other) or "无"
    pending = "、".join(p.entry for p in j.exceptions_pending) or "无"
    used = "、".join(f"{s.document_number}" + ("" if s.encoded else "（未编码）") for s in j.standards) or "无"
    combined = f"；综合判定：{combined}" if combined else ""
    return (f"（判定日期 {j.as_of}；判定结论：{j.label}；触发的条款：{fired}{combined}；待确认的排除情形：{pending}；"
            f"决定结论的问题：{decisive}；其他缺少的事实：{other}；当日有效的标准：{used}）")


def check_result(j: Judgement, expected: str) -> None:
    """The classification, in its word (the label adds whether the judgement is complete)."""
    if expected not in RESULT_LABELS:
        fail(f"判定结果只能是 {'、'.join(f'“{r}”' for r in RESULT_LABELS)} 之一，实际写的是“{expected}”。")
    got = RESULT_LABELS[("major", "ordinary", "none", "indeterminate").index(j.classification)]
    assert got == expected, f"判定结果应为“{expected}”，实际为“{got}”。{summary(j)}"


def check_label(j: Judgement, expected: str) -> None:
    assert j.label == expected, f"判定结论应为“{expected}”，实际为“{j.label}”。{summary(j)}"


def check_incomplete(j: Judgement, incomplete: bool) -> None:
    if incomplete:
        assert not j.coverage.complete and "判定不完整" in j.label, f"判定结论应写明判定不完整。{summary(j)}"
    else:
        assert j.coverage.complete and "判定不完整" not in j.label, (
            f"判定应是完整的，实际未评估：{j.coverage.not_evaluated}。{summary(j)}")


def check_not_evaluated(j: Judgement, word: str, part: str | None) -> None:
    """The standard (document number, title or id) is listed as not evaluated: whole, or the named part."""
    found = [n for n in j.coverage.not_evaluated if word in (n.document_number, n.standard, f"{n.standard}@{n.version}")]
    assert found, f"未评估的标准中没有“{word}”；未评估：{[n.document_number for n in j.coverage.not_evaluated]}。{summary(j)}"
    if part is None:
        assert found[0].whole, f"“{word}”应整份未评估，实际只列出部分：{[p.clause for p in found[0].parts]}"
    else:
        clauses = [p.clause for p in found[0].parts]
        assert any(part in c for c in clauses), f"“{word}”未评估的部分中没有“{part}”；实际：{clauses or '整份'}"


def check_not_evaluated_absent(j: Judgement, word: str) -> None:
    found = [n for n in j.coverage.not_evaluated if word in (n.document_number, n.standard)]
    assert not found, f"“{word}”不应列为未评估（它不适用于该场所，或已完整编码）。{summary(j)}"


def check_unused(j: Judgement, name: str, label: str, unused: bool) -> None:
    listed = name in j.coverage.unused_facts
    assert listed == unused, (f"事实“{label}”{'应' if unused else '不应'}列为未使用（判定日有效的条款都不读取）；"
                              f"未使用的事实：{j.coverage.unused_facts or '无'}")


def check_pending(j: Judgement, entry: str, pending: bool) -> None:
    listed = [p for p in j.exceptions_pending if p.entry == entry]
    assert bool(listed) == pending, (f"条款 {entry} {'应' if pending else '不应'}列为待确认的排除情形。{summary(j)}")


def _decisive_questions(j: Judgement, word: str):  # noqa: ANN202
    return [q for q in j.missing_facts.decisive if any(word in (f.name, f.label) for f in q.facts)]


def check_decisive(j: Judgement, word: str, decisive: bool) -> None:
    found = _decisive_questions(j, word)
    assert bool(found) == decisive, f"“{word}”{'应' if decisive else '不应'}是决定结论的问题。{summary(j)}"


def check_first_question(j: Judgement, word: str) -> None:
    assert j.missing_facts.decisive, f"应有决定结论的问题，实际没有。{summary(j)}"
    first = j.missing_facts.decisive[0]
    assert any(word in (f.name, f.label) for f in first.facts), (
        f"第一个决定结论的问题应是“{word}”，实际是“{'”与“'.join(f.label for f in first.facts)}”。{summary(j)}")


def check_question_count(j: Judgement, count: int) -> None:
    got = len(j.missing_facts.decisive)
    assert got == count, f"应有 {count} 个决定结论的问题，实际 {got} 个。{summary(j)}"


def check_answer(j: Judgement, word: str, answer: str, result: str, effect: str | None) -> None:
    """Answering the question `word` with `answer` leads to `result` (and its effect names `effect`)."""
    found = _decisive_questions(j, word)
    assert found, f"“{word}”不是决定结论的问题。{summary(j)}"
    answers = {a.answer: a for q in found for a in q.answers}
    assert answer in answers, f"问题“{word}”没有答案“{answer}”；可答：{'、'.join(answers)}"
    got = answers[answer]
    assert RESULT_LABELS[("major", "ordinary", "none", "indeterminate").index(got.classification)] == result, (
        f"答“{answer}”应判定为“{result}”，实际为“{got.effect}”。{summary(j)}")
    if effect is not None:
        assert effect in got.effect, f"答“{answer}”的作用应写明“{effect}”，实际为“{got.effect}”。"


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


def check_contradiction(refused: FactError, names: list[str], labels: list[str]) -> None:
    """The facts were refused because these contradict each other, and the refusal names them all."""
    found = [p for p in refused.problems if set(names) <= {p.fact, *p.related}]
    shown = "\n".join(f"  - {p.fact}：{p.zh}" for p in refused.problems)
    assert found, f"应指出“{'”与“'.join(labels)}”相互矛盾，实际拒绝的原因：\n{shown}"
    assert "矛盾" in found[0].zh and all(label in found[0].zh for label in labels), found[0].zh


def check_compact_size(j: Judgement, limit: int) -> None:
    size = len(j.dump_json().encode())
    assert size <= limit, f"默认答复应不超过 {limit} 字节，实际 {size} 字节。"


def check_missing(j: Judgement, name: str, label: str) -> None:
    assert name in j.missing_facts.names(), f"应缺少事实“{label}”，但判定结果未列出它。{summary(j)}"


def check_nothing_missing(j: Judgement) -> None:
    assert not j.missing_facts.names(), f"不应缺少任何事实，但判定结果列出了缺少的事实。{summary(j)}"


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


def check_unencoded(j: Judgement, word: str) -> None:
    """The standard is in force on the day, not encoded, and the judgement lists it as not evaluated at all."""
    in_force = [s for s in j.standards if _matches(s, word)]
    assert in_force, f"标准“{word}”在判定日并不有效。{summary(j)}"
    assert all(not s.encoded for s in in_force), f"标准“{word}”在判定日有效且已编码，并非“有效但未编码”。{summary(j)}"
    assert any(n.whole and n.document_number == s.document_number for s in in_force for n in j.coverage.not_evaluated), (
        f"判定结果未把标准“{word}”列为整份未评估。未评估：{j.coverage.not_evaluated}")


def check_note(j: Judgement, text: str) -> None:
    notes = list(j.notes) + [n for s in j.standards for n in s.notes]
    assert any(text in n for n in notes), f"提示中没有“{text}”。全部提示：{notes or '无'}"


# --- 规则文件检查：hazard lint on the bundled rules or on an edited copy ------------------------------

HAZARD = Path(sys.executable).parent / "hazard"


@dataclass
class LintCase:
    """One scenario's rules directory (the bundled one, or a copy the scenario edits), the line it
    edited, and what `hazard lint` answered."""

    rules: Path = RULES_DIR
    edited: tuple[Path, int] | None = None  # (file, line)
    run: subprocess.CompletedProcess | None = None

    def copy_bundled(self, where: Path) -> None:
        self.rules = where / "rules"
        shutil.copytree(RULES_DIR, self.rules)

    def edit(self, file: str, criterion: str, old: str, new: str) -> None:
        """Replace `old` by `new` on the one line of the criterion's entry that holds it."""
        if self.rules == RULES_DIR:
            fail("随附的规则库不能在场景中改动：请先写“假如 复制随附的规则库”，再改动副本。")
        path = self.rules / file
        if not path.is_file():
            fail(f"副本中没有文件“{file}”（应为相对于规则目录的路径，如 standards/moe-edu-guide/2024.yaml）。")
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        entry = _entry_lines(lines, criterion)
        if not entry:
            fail(f"“{file}”中没有编号为“{criterion}”的条款。")
        holding = [i for i in entry if old in lines[i]]
        if len(holding) != 1:
            fail(f"条款“{criterion}”中{'没有' if not holding else '不止一行有'}“{old}”，无法确定改动哪一行。")
        lines[holding[0]] = lines[holding[0]].replace(old, new)
        path.write_text("".join(lines), encoding="utf-8")
        self.edited = (path, holding[0] + 1)

    def lint(self, strict: bool) -> None:
        self.run = subprocess.run([str(HAZARD), "lint", str(self.rules), *(["--strict"] if strict else [])],
                                  capture_output=True, text=True, timeout=120,
                                  env={**os.environ, "PYTHONIOENCODING": "utf-8"})

    def result(self) -> subprocess.CompletedProcess:
        if self.run is None:
            fail("还没有检查：请在“那么”之前写“当 检查规则文件”。")
        return self.run

    def warnings(self) -> list[str]:
        """The listed warnings (each line `file:line: field: 中文 / English`)."""
        run = self.result()
        return [line.strip() for line in (run.stdout + run.stderr).splitlines() if line.startswith("  ")]


def _entry_lines(lines: list[str], criterion: str) -> range:
    """Indexes of the lines of a criterion's entry (from its `- id:` to the next entry or the end)."""
    entry = re.compile(rf"\s*- id: {re.escape(criterion)}\s*")
    start = next((i for i, line in enumerate(lines) if entry.fullmatch(line)), None)
    if start is None:
        return range(0)
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*- id: ", lines[i])), len(lines))
    return range(start, end)


def check_lint_passed(run: subprocess.CompletedProcess, passed: bool) -> None:
    said = f"退出码 {run.returncode}；输出：\n{run.stdout}{run.stderr}"
    if passed:
        assert run.returncode == 0 and "规则文件无误" in run.stdout, f"检查应通过，实际未通过。{said}"
    else:
        assert run.returncode == 1, f"检查应不通过（退出码 1），实际{said}"


def check_warning_at(warnings: list[str], file: Path, line: int, words: str) -> None:
    where = f"{file}:{line}:"
    assert any(w.startswith(where) and words in w for w in warnings), (
        f"应有一条提醒指向 {where} 并提到“{words}”，实际的提醒：" + ("\n  ".join(["", *warnings]) or "无"))
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


# --- a value of each type, as an expert writes it ------------------------------------------------

def _boolean(definition: FactDef, text: Any) -> bool:
    if isinstance(text, bool):
        return text
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    fail(f"“{definition.label}”是“是/否”事实，应写 是 或 否，实际写的是“{text}”。")


def _integer(definition: FactDef, text: Any) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if isinstance(text, str) and INTEGER.fullmatch(text):
        return int(text)
    fail(f"“{definition.label}”应为整数，实际写的是“{text}”。")


def _number(definition: FactDef, text: Any) -> int | float:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return text
    if isinstance(text, str) and NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    unit = f"（单位 {definition.unit}，只写数字）" if definition.unit else ""
    fail(f"“{definition.label}”应为数值{unit}，实际写的是“{text}”。")


def _enum(definition: FactDef, text: Any) -> str:
    values = definition.values or {}
    if isinstance(text, str):
        if text in values:
            return text
        for code, value_label in values.items():
            if text == value_label:
                return code
    allowed = "；".join(f"“{v}”" for v in values.values())
    fail(f"“{text}”不是“{definition.label}”的取值。可写：{allowed}（或其代码：{'、'.join(values)}）。")


def _date(definition: FactDef, text: Any) -> dt.date:
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        fail(f"“{definition.label}”应为日期（如 2025-06-01），实际写的是“{text}”。")


_READERS = {"boolean": _boolean, "integer": _integer, "number": _number, "enum": _enum, "date": _date}


# --- 清单的变化与规则变更的影响：hazard diff and hazard impact -------------------------------------------

DIFF_WORDS = {"列入": "added", "新增": "added", "移出": "removed", "删除": "removed", "变更": "changed",
              "无法逐条比较": "not_comparable"}


@dataclass
class DiffCase:
    """One scenario's diff (two dates of the list, or two versions of a standard)."""

    bundle: Bundle | None = None
    document: Any = None

    def made(self):  # noqa: ANN201 - a ListDiff or a VersionDiff
        if self.document is None:
            fail("还没有比较：请在“那么”之前写“当 比较清单 \"2024-11-30\" 与 \"2024-12-01\"”之类的步骤。")
        return self.document


def make_diff(case: DiffCase, bundle: Bundle, old: str, new: str) -> None:
    from engine.differences import DiffRequestError, diff

    case.bundle = bundle
    try:
        case.document = diff(bundle, old, new)
    except DiffRequestError as exc:
        fail(f"无法比较：{exc}")


def _standard_diffs(doc: Any) -> list[tuple[str, Any]]:
    if hasattr(doc, "areas"):
        return [(a.name, s) for a in doc.areas for s in a.standards]
    return [("", doc.diff)]


def _version_named(bundle: Bundle, document: str):  # noqa: ANN202
    found = [v for v in bundle.versions if document in (v.meta.document_number, v.key)]
    if not found:
        fail(f"规则库中没有文号为“{document}”的标准版本。已有：{'、'.join(v.meta.document_number for v in bundle.versions)}。")
    return found[0]


def check_whole_version(case: DiffCase, area_name: str, document: str, word: str) -> None:
    """In that area, every clause of that version the list selects entered (列入) or left (移出), and no other."""
    from engine.listing import selected_criteria

    doc, bundle = case.made(), case.bundle
    version = _version_named(bundle, document)
    areas = [a for a in bundle.lists[doc.list_id].areas if a.name.startswith(area_name)]
    if not areas:
        fail(f"清单中没有“{area_name}”领域。")
    expected = [c.id for s in areas[0].include if s.standard == version.standard
                for c in selected_criteria(version, s)]
    kind = DIFF_WORDS[word]
    side = "new_document" if kind == "added" else "old_document"
    found = [s for name, s in _standard_diffs(doc) if name == areas[0].name and getattr(s, side) == version.meta.document_number]
    assert found, f"“{areas[0].name}”领域没有“{document}”的变化。变化：{[s.switch for _, s in _standard_diffs(doc)]}"
    listed = [(c.new or c.old).id for c in found[0].changes if c.kind == kind]
    assert expected and listed == expected, (f"“{areas[0].name}”领域应{word} {document} 的全部 {len(expected)} 条，"
                                             f"实际{word} {len(listed)} 条：{listed}")


def check_no_change_of_kind(case: DiffCase, word: str) -> None:
    kind = DIFF_WORDS[word]
    listed = [(c.new or c.old).id for _, s in _standard_diffs(case.made()) for c in s.changes if c.kind == kind]
    assert not listed, f"不应有条款{word}，实际有：{listed}"


def check_clause_changed(case: DiffCase, old: str, new: str, what: str) -> None:
    changed = [c for _, s in _standard_diffs(case.made()) for c in s.changes if c.kind == "changed"]
    hit = [c for c in changed if c.old.clause == old and c.new.clause == new]
    assert hit, f"没有条号 {old} → {new} 的变更；变更的有：{[(c.old.clause, c.new.clause) for c in changed]}"
    assert what in hit[0].what, f"{old} → {new} 的变化之处应有“{what}”，实际为：{'、'.join(hit[0].what)}"


def check_diff_mentions(case: DiffCase, text: str) -> None:
    said = [m for _, s in _standard_diffs(case.made()) for m in [s.switch, *s.method_changes]] + [
        c.reason for _, s in _standard_diffs(case.made()) for c in s.changes if c.reason]
    assert any(text in m for m in said), f"变化说明中没有“{text}”。说明：{said}"


@dataclass
class ImpactCase:
    """One scenario's impact report: the edited copy (LintCase) against the bundled rules."""

    report: Any = None
    refused: Any = None  # engine.impact.CandidateRefused
    subjects: list = field(default_factory=list)

    def made(self):  # noqa: ANN201 - an ImpactReport
        if self.refused is not None:
            fail(f"候选规则被拒绝：{self.refused.detail}\n" + "\n".join(f"  {p}" for p in self.refused.problems))
        if self.report is None:
            fail("还没有评估影响：请在“那么”之前写“当 评估副本相对随附规则库的影响，判定日期为 \"2026-01-15\"”。")
        return self.report


def assess_impact(case: ImpactCase, lint: LintCase, subjects: list, day: dt.date) -> None:
    from engine.impact import CandidateRefused, impact

    if lint.rules == RULES_DIR:
        fail("请先写“假如 复制随附的规则库”并改动副本，再评估影响。")
    case.subjects = subjects
    try:
        case.report = impact(RULES_DIR, lint.rules, subjects, ["随附示例与活文档"], day, day, workers=1)
    except CandidateRefused as exc:
        case.refused = exc


def _check_label(word: str) -> None:
    if word not in RESULT_LABELS:
        fail(f"判定结果只能是 {'、'.join(f'“{r}”' for r in RESULT_LABELS)} 之一，实际写的是“{word}”。")


def check_transition(case: ImpactCase, old: str, new: str, present: bool, scenario: str | None = None) -> None:
    _check_label(old)
    _check_label(new)
    moved = [s for s in case.made().changed if s.old.label == old and s.new.label == new
             and (scenario is None or s.label.startswith(scenario))]
    shown = "；".join(f"{s.key}：{s.old.label} → {s.new.label}" for s in case.report.changed) or "无"
    where = f"场景“{scenario}”中" if scenario else ""
    if present:
        assert moved, f"{where}应有对象由“{old}”变为“{new}”，实际的变化：{shown}"
    else:
        assert not moved, f"{where}不应有对象由“{old}”变为“{new}”，实际有：{[s.key for s in moved]}"


def check_nothing_changed(case: ImpactCase) -> None:
    report = case.made()
    assert not report.changed, f"不应有对象变化，实际有：{[s.key for s in report.changed]}"


def check_only_clause(case: ImpactCase, document: str, clause: str) -> None:
    got = [c.clause for c in case.made().clauses]
    assert got == [f"{document} {clause}"], f"变化的条款应只有 {document} {clause}，实际为：{got or '无'}"


def check_report_matches_judging(case: ImpactCase, lint: LintCase, day: dt.date) -> None:
    """Each change the report lists is what judging the subject under each rule set says."""
    report = case.made()
    by_key = {s.key: s for s in case.subjects}
    with Engine(load(str(RULES_DIR))) as active, Engine(load(str(lint.rules))) as candidate:
        for changed in report.changed:
            facts = by_key[changed.key].facts
            for engine, side in ((active, changed.old), (candidate, changed.new)):
                got = engine.judge(facts, day).classification
                assert got == side.classification, f"{changed.key}：报告为“{side.label}”，判定为“{got}”"


def check_impact_refused_at_edit(case: ImpactCase, lint: LintCase) -> None:
    assert case.refused is not None, "候选规则应被拒绝，实际作出了评估。"
    path, line = lint.edited
    assert any(p.file == str(path) and p.line == line for p in case.refused.problems), (
        f"拒绝的理由应指向 {path}:{line}，实际：" + "；".join(str(p) for p in case.refused.problems))
