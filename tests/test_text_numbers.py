"""Lint warns when a number of a condition does not appear in its clause's text (issue 10, point 7).

The reading of numbers in Chinese texts is tested on its own (engine.text_numbers.mentions); the
warnings on tiny rule directories written here: the file and line they name, what they say, that
the rules still load, and `hazard lint` printing them (and failing on them with --strict).
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import engine
from cli.main import main
from engine.text_numbers import canonical_unit, chinese_integers, mentions
from rule_text import criterion, version_header

REPO = Path(__file__).resolve().parent.parent
MOE_GUIDE = Path("standards") / "moe-edu-guide" / "2024.yaml"

VOCABULARY = """\
facts:
  place_kind:
    type: enum
    place: true
    label: 场所类型
    description: 场所的使用性质。
    values: {dormitory: 学生宿舍, canteen: 食堂}
  floor_level: {type: integer, label: 所在楼层, description: 地上第几层。}
  exit_width: {type: number, unit: m, label: 安全出口总净宽度, description: 实际总净宽度。}
  exit_width_required: {type: number, unit: m, label: 规定的安全出口总净宽度, description: 标准规定值。}
  damaged_doors: {type: integer, label: 损坏的防火门数, description: 损坏的防火门数量。}
  doors: {type: integer, label: 防火门总数, description: 防火门总数量。}
  alarm_working: {type: boolean, label: 火灾自动报警系统正常, description: 能正常使用。}
derived:
  high_rise:
    label: 高层场所
    description: 位于十层及以上。
    basis: {document: 示例依据, text: 十层及以上。, text_status: verbatim, source: 示例来源}
    condition: {fact: floor_level, ge: 10}
"""


def write_rules(root: Path, criteria: str, combined: str = "") -> Path:
    """A rules directory with the vocabulary above and one version of criteria (and combined rules)."""
    (root / "facts").mkdir(parents=True)
    (root / "facts" / "base.yaml").write_text(VOCABULARY, encoding="utf-8")
    (root / "standards" / "demo").mkdir(parents=True)
    header = version_header("示例〔2024〕1号")
    if combined:
        header = header.replace("method:\n", f"method:\n  combined:\n{combined}")
    (root / "standards" / "demo" / "2024.yaml").write_text(header + criteria, encoding="utf-8")
    return root


def line_of(path: Path, fragment: str) -> int:
    """The line of the file holding the fragment (it must be there exactly once)."""
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line]
    assert len(lines) == 1, (fragment, lines)
    return lines[0]


def warnings_of(root: Path) -> list[engine.errors.RuleProblem]:
    return list(engine.load(root).warnings)


def one_criterion(tmp_path: Path, condition: str, text: str) -> list[engine.errors.RuleProblem]:
    return warnings_of(write_rules(tmp_path / "rules", criterion("demo.1", condition, text)))


# --- reading numbers in a text --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("规定值的80%。", [("80", "%", "80%")]),
    ("规定值的８０％。", [("80", "%", "８０％")]),                       # full-width, read after NFKC
    ("百分之八十", [("80", "%", "百分之八十")]),
    ("规定值的0.8倍", [("0.8", "倍", "0.8倍")]),
    ("宽度小于2.50m", [("2.50", "m", "2.50m")]),
    ("小于400mm", [("400", "mm", "400mm")]),
    ("小于 400 毫米", [("400", "mm", "400 毫米")]),
    ("面积大于1000㎡", [("1000", "m2", "1000㎡")]),
    ("设置在四层及以上", [("4", "层", "四层")]),
    ("十二层", [("12", "层", "十二层")]),
    ("二十人", [("20", "人", "二十人")]),
    ("两个", [("2", "条", "两个")]),
    ("一百零五", [("105", None, "一百零五")]),
    ("三四层", [("3", "层", "三四层"), ("4", "层", "三四层")]),   # three or four floors
    ("要素 3 条以上", [("3", "条", "3 条")]),
    ("低于-5℃", [("-5", "°C", "-5℃")]),
    ("20-30人", [("20", None, "20"), ("30", "人", "30人")]),         # a range, not minus thirty
    # places in documents are not quantities
    ("第7章规定的", []),
    ("第三条（一）", []),
    ("7.3.1～7.3.9", []),
    ("低于A级（GB8624）的", []),
    ("GB 50016-2014 的规定", []),
    ("百货商店、千克", []),
])
def test_mentions(text: str, expected: list[tuple[str, str | None, str]]):
    assert [(str(m.value), m.unit, text[m.start:m.end]) for m in mentions(text)] == expected


@pytest.mark.parametrize(("word", "values"), [
    ("一", [1]), ("九", [9]), ("两", [2]), ("十", [10]), ("十二", [12]), ("二十", [20]), ("九十", [90]),
    ("二十五", [25]), ("一百", [100]), ("一百零五", [105]), ("两千", [2000]), ("二〇二四", [2024]),
    ("三四", [3, 4]), ("十百", []), ("二三十", []),
])
def test_chinese_integers(word: str, values: list[int]):
    assert chinese_integers(word) == values


def test_decimals_compare_by_value():
    assert mentions("2.50m")[0].value == Decimal("2.5")


@pytest.mark.parametrize(("unit", "canonical"), [("m", "m"), ("米", "m"), ("m²", "m2"), ("㎡", "m2"),
                                                 ("℃", "°C"), (None, None), ("台", "台")])
def test_canonical_unit(unit: str | None, canonical: str | None):
    assert canonical_unit(unit) == canonical


# --- warnings on rule files -----------------------------------------------------------------------

PERCENT = "{fact: exit_width, lt: {fact: exit_width_required, percent: %s}}"
PERCENT_TEXT = "安全出口总净宽度小于规定值的80%。"


def test_threshold_stated_by_the_text_gives_no_warning(tmp_path: Path):
    assert one_criterion(tmp_path, PERCENT % 80, PERCENT_TEXT) == []


def test_percent_edited_80_to_90_warns_at_its_line(tmp_path: Path):
    root = write_rules(tmp_path / "rules", criterion("demo.1", PERCENT % 90, PERCENT_TEXT))
    file = root / "standards" / "demo" / "2024.yaml"
    [warning] = warnings_of(root)
    assert (Path(warning.file), warning.line) == (file, line_of(file, "percent: 90"))
    assert warning.path == ("criteria", 0, "condition", "lt", "percent")
    assert warning.zh.startswith("demo.1：条件中“安全出口总净宽度”比较所用的百分比 90% 未出现在条款原文中")
    assert "（原文：“……出口总净宽度小于规定值的80%。”）" in warning.zh and "请核对条件与原文是否一致" in warning.zh
    assert "90%" in warning.en and "does not appear in the clause text" in warning.en
    assert f"{file}:{warning.line}: criteria[0].condition.lt.percent: demo.1：" in str(warning)


@pytest.mark.parametrize(("percent", "text"), [(80, "小于规定值的百分之八十"), (80, "小于规定值的0.8倍"),
                                               (125, "大于规定值的125%"), (50, "大于总数的５０％")])
def test_percent_as_chinese_standards_write_it(tmp_path: Path, percent: int, text: str):
    assert one_criterion(tmp_path, PERCENT % percent, text) == []


@pytest.mark.parametrize(("condition", "text"), [
    ("{fact: floor_level, ge: 4}", "幼儿园儿童用房设置在四层及以上的。"),
    ("{fact: floor_level, ge: 12}", "设置在十二层及以上的。"),
    ("{fact: floor_level, ge: 20}", "设置在二十层及以上的。"),
    ("{fact: floor_level, ge: 2}", "设置在两层以上的。"),
    ("{fact: floor_level, ge: 10}", "设置在１０层及以上的。"),
    ("{fact: floor_level, in: [4, 5]}", "设置在四层或五层的。"),
    ("{fact: exit_width, lt: 2.5}", "总净宽度小于2.50m的。"),
    ("{fact: exit_width, lt: 2.50}", "总净宽度小于2.5米的。"),
    ("{fact: exit_width, lt: 2.5}", "总净宽度小于2.5的。"),          # no unit written: nothing to contradict
    ("{fact: damaged_doors, gt: {fact: doors}}", "损坏的防火门多于防火门总数的。"),  # no number to state
])
def test_numbers_stated_by_the_text(tmp_path: Path, condition: str, text: str):
    assert one_criterion(tmp_path, condition, text) == []


@pytest.mark.parametrize(("condition", "text", "fragment"), [
    ("{fact: floor_level, ge: 5}", "设置在四层及以上的。", "条件中“所在楼层”的阈值 5 未出现在条款原文中（原文：“设置在四层及以上的。”）"),
    ("{fact: exit_width, lt: 2.4}", "总净宽度小于2.50m的。", "阈值 2.4m 未出现在条款原文中"),
    ("{fact: floor_level, in: [4, 6]}", "设置在四层或五层的。", "阈值 6 未出现"),
    ("{fact: floor_level, ge: 4}", "设置在地下室的。", "阈值 4 未出现在条款原文中（原文：“设置在地下室的。”）"),
    ("{fact: floor_level, ge: 7}", "按第7章的规定。", "阈值 7 未出现"),        # 第7章 is a place, not a quantity
])
def test_numbers_not_in_the_text_warn(tmp_path: Path, condition: str, text: str, fragment: str):
    [warning] = one_criterion(tmp_path, condition, text)
    assert fragment in warning.zh, warning.zh


@pytest.mark.parametrize(("condition", "text", "written"), [
    ("{fact: exit_width, lt: 400}", "总净宽度小于400mm的。", "400mm"),              # a fact in m
    ("{fact: damaged_doors, gt: 50}", "损坏数量大于总数的50%的。", "50%"),            # a count, not a percent
    ("{fact: exit_width, lt: {fact: exit_width_required, percent: 80}}", "小于规定值80m的。", "80m"),
])
def test_number_in_another_unit_warns(tmp_path: Path, condition: str, text: str, written: str):
    [warning] = one_criterion(tmp_path, condition, text)
    assert f"在条款原文中写作“{written}”，单位与条件不同" in warning.zh, warning.zh
    assert "不会自动换算" in warning.zh and "units are not converted" in warning.en


def test_converted_number_is_not_taken_for_the_text(tmp_path: Path):
    """0.4 m is 400 mm, but the text says 400mm: the expert checks it, nothing is converted."""
    [warning] = one_criterion(tmp_path, "{fact: exit_width, lt: 0.4}", "总净宽度小于400mm的。")
    assert "阈值 0.4m 未出现在条款原文中（原文：“总净宽度小于400mm的。”）" in warning.zh


def test_derived_fact_body_is_not_checked_against_the_criterion(tmp_path: Path):
    """high_rise is floor_level ge 10 in the vocabulary; the criterion's text need not say 10."""
    assert one_criterion(tmp_path, "{fact: high_rise, eq: true}", "高层场所未设置火灾自动报警系统的。") == []


def test_applies_to_is_not_checked(tmp_path: Path):
    entry = criterion("demo.1", "{fact: alarm_working, eq: false}", "报警系统不能正常使用的。")
    entry = entry.replace("    method: direct\n", "    method: direct\n    applies_to: [dormitory]\n")
    assert warnings_of(write_rules(tmp_path / "rules", entry)) == []


COMBINED = """\
    - id: demo.c
      clause: 综合
      text: 学生宿舍存在下列要素 %(words)s以上的，判定为重大事故隐患。
      text_status: verbatim
      source: s
      category: {label: 学生宿舍, condition: %(category)s}
      elements: [demo.e1, demo.e2, demo.e3]
      elements_status: verbatim
      at_least: %(at_least)s
      threshold_status: verbatim
"""
ELEMENTS = "".join(criterion(f"demo.e{i}", "{fact: alarm_working, eq: false}")
                   .replace("method: direct", "method: combined") for i in (1, 2, 3))


def combined_rules(tmp_path: Path, words: str, at_least: int, category: str = "{fact: place_kind, eq: dormitory}"):
    root = write_rules(tmp_path / "rules", ELEMENTS,
                       COMBINED % {"words": words, "at_least": at_least, "category": category})
    return root, warnings_of(root)


@pytest.mark.parametrize("words", ["2 条", "２项", "两项", "二条"])
def test_at_least_stated_by_the_text(tmp_path: Path, words: str):
    assert combined_rules(tmp_path, words, 2)[1] == []


def test_at_least_not_in_the_text_warns_at_its_line(tmp_path: Path):
    root, [warning] = combined_rules(tmp_path, "2 条", 3)
    file = root / "standards" / "demo" / "2024.yaml"
    assert (warning.line, warning.path) == (line_of(file, "at_least: 3"), ("method", "combined", 0, "at_least"))
    assert warning.zh.startswith("demo.c：综合判定所需的要素条数（at_least）3 未出现在条款原文中")
    assert "（原文：“学生宿舍存在下列要素 2 条以上的，判定为重大事故隐……”）" in warning.zh


def test_numbers_of_a_combined_category_are_checked_against_its_text(tmp_path: Path):
    _, [warning] = combined_rules(tmp_path, "2 条", 2, "{fact: floor_level, ge: 3}")
    assert warning.path == ("method", "combined", 0, "category", "condition", "ge")
    assert "阈值 3 未出现" in warning.zh


# --- warnings do not stop anything --------------------------------------------------------------

def test_warnings_do_not_stop_loading_or_judging(tmp_path: Path):
    root = write_rules(tmp_path / "rules", criterion("demo.1", "{fact: floor_level, ge: 5}", "设置在四层及以上的。"))
    assert engine.lint(root) == []  # lint's errors: none
    bundle = engine.load(root)
    assert len(bundle.warnings) == 1
    with engine.Engine(bundle) as judge:
        assert judge.judge({"floor_level": 6}, dt.date(2024, 6, 1)).classification == "major"


def test_bundled_rules_have_no_warnings():
    assert engine.load(REPO / "rules").warnings == ()


def test_bundled_threshold_edited_80_to_90_warns_at_its_line(tmp_path: Path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    file = rules / MOE_GUIDE
    line = line_of(file, "exit_total_net_width_required, percent: 80}")
    text = file.read_text(encoding="utf-8").splitlines(keepends=True)
    text[line - 1] = text[line - 1].replace("percent: 80}", "percent: 90}")
    file.write_text("".join(text), encoding="utf-8")
    [warning] = engine.load(rules).warnings
    assert (Path(warning.file), warning.line) == (file, line)
    assert warning.zh.startswith("moe-edu-guide-2024.3.1.8：") and "90%" in warning.zh and "规定值的80%" in warning.zh


# --- hazard lint --------------------------------------------------------------------------------

def run_lint(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(["lint", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_lint_prints_warnings_after_its_ok_line_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = write_rules(tmp_path / "rules", criterion("demo.1", PERCENT % 90, PERCENT_TEXT))
    file = root / "standards" / "demo" / "2024.yaml"
    code, out, err = run_lint(capsys, root)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("规则文件无误 / rule files OK")
    assert lines[1] == "提醒 1 处（规则仍可加载和判定）/ 1 warning(s) (the rules still load and judge):"
    assert lines[2].startswith(f"  {file}:{line_of(file, 'percent: 90')}: criteria[0].condition.lt.percent: demo.1：")
    assert " / demo.1: the percent 90% " in lines[2]


def test_lint_strict_fails_on_warnings(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = write_rules(tmp_path / "rules", criterion("demo.1", PERCENT % 90, PERCENT_TEXT))
    code, out, err = run_lint(capsys, root, "--strict")
    assert (code, out) == (1, "")
    assert err.startswith("规则文件有 1 处提醒，--strict 下视为错误")
    assert "比较所用的百分比 90% 未出现在条款原文中" in err


def test_lint_strict_passes_rules_without_warnings(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = write_rules(tmp_path / "rules", criterion("demo.1", PERCENT % 80, PERCENT_TEXT))
    code, out, err = run_lint(capsys, root, "--strict")
    assert (code, err) == (0, "")
    assert out.startswith("规则文件无误") and "提醒" not in out
