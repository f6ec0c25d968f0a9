"""`hazard` command line: judgements of the bundled examples, and bad input refused with a
message (exit 1, stderr, never a traceback).

Verdicts on the bundled rules are taken as of 2026-01-15, a day on which only the MOE guide
is encoded and in force. Tests of wrong facts use the tiny rules in broken_rules/_valid-base,
so they do not depend on the bundled vocabulary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from rule_text import missing_names

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted([*(REPO / "examples").glob("*.yaml"), *(REPO / "examples").glob("*.json")])
TINY_RULES = Path(__file__).resolve().parent / "broken_rules" / "_valid-base"
HAZARD = Path(sys.executable).parent / "hazard"
AS_OF = "2026-01-15"
LABELS = {"major": "重大事故隐患", "ordinary": "一般隐患", "none": "未发现隐患", "indeterminate": "无法判定"}
# The four examples whose names say what they show (others may be added; they are judged too).
KNOWN_VERDICTS = {
    "canteen-compliant.yaml": "none",
    "kindergarten-fourth-floor.yaml": "major",
    "library-exit-width-unknown.yaml": "indeterminate",
    "student-dormitory-basement.yaml": "major",
}


def hazard(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(HAZARD), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def in_process(capsys: pytest.CaptureFixture, *args: str) -> subprocess.CompletedProcess:
    """cli.main.main run in this process, its result shaped like a subprocess run (faster)."""
    try:
        code = main(list(map(str, args)))
    except SystemExit as exited:
        code = exited.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def assert_refused(run: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit 1, nothing on stdout, a message on stderr naming each fragment, no traceback."""
    assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout == ""
    for fragment in fragments:
        assert fragment in run.stderr, (fragment, run.stderr)


def test_examples_exist():
    assert EXAMPLES


# --- judge ------------------------------------------------------------------------------------

def _check_text_verdict(example: Path, run: subprocess.CompletedProcess) -> None:
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    verdict = next(line for line in run.stdout.splitlines() if line.startswith("判定结果："))
    label = verdict.removeprefix("判定结果：")
    # an incomplete judgement says so: "已编码条款未发现隐患（判定不完整：……）"
    assert label in LABELS.values() or (label.startswith("已编码条款") and "判定不完整" in label), label
    if example.name in KNOWN_VERDICTS:
        assert LABELS[KNOWN_VERDICTS[example.name]] in label.replace("判定为", "")
    assert f"判定日期：{AS_OF}" in run.stdout
    assert "判定日有效的标准：" in run.stdout
    assert run.stderr == ""


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_judge_example_text(example: Path, capsys: pytest.CaptureFixture):
    _check_text_verdict(example, in_process(capsys, "judge", example, "--as-of", AS_OF))


@pytest.mark.parametrize("name", ["kindergarten-fourth-floor.yaml", "library-exit-width-unknown.yaml"])
def test_judge_example_text_through_subprocess(name: str):
    example = REPO / "examples" / name
    if not example.exists():
        pytest.skip(f"{name} is no longer among the examples")
    _check_text_verdict(example, hazard("judge", example, "--as-of", AS_OF))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_judge_example_json(example: Path, capsys: pytest.CaptureFixture):
    assert main(["judge", str(example), "--as-of", AS_OF, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["classification"] in LABELS
    assert out["label"].startswith(LABELS[out["classification"]]) or "判定不完整" in out["label"]
    assert out["as_of"] == AS_OF
    if example.name in KNOWN_VERDICTS:
        assert out["classification"] == KNOWN_VERDICTS[example.name]
    if out["classification"] == "major":
        assert any(f["counts_toward_major"] for f in out["findings"])
    if out["classification"] == "indeterminate":
        assert missing_names(out)


def test_judge_json_through_subprocess():
    example = REPO / "examples" / "student-dormitory-basement.yaml"
    if not example.exists():
        example = EXAMPLES[0]
    run = hazard("judge", example, "--as-of", AS_OF, "--format", "json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["classification"] in LABELS
    assert {"findings", "missing_facts", "standards", "provenance"} <= set(out)


def test_judge_json_facts_file(tmp_path: Path):
    facts = tmp_path / "dorm.json"
    facts.write_text(json.dumps({"place_kind": "dormitory", "floor_position": "basement", "alarm_working": True}),
                     encoding="utf-8")
    run = hazard("judge", facts, "--rules", TINY_RULES, "--as-of", "2024-06-01")
    assert run.returncode == 0, run.stderr
    assert "判定结果：重大事故隐患" in run.stdout
    assert "demo.1" in run.stdout


def test_missing_fact_is_never_none(tmp_path: Path, capsys: pytest.CaptureFixture):
    facts = tmp_path / "unknown.yaml"
    facts.write_text("place_kind: dormitory\nfloor_position: null\n", encoding="utf-8")
    assert main(["judge", str(facts), "--rules", str(TINY_RULES), "--as-of", "2024-06-01", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["classification"] == "indeterminate"
    assert set(missing_names(out)) == {"floor_position", "alarm_working"}


# --- judge: bad facts files -----------------------------------------------------------------

def _named(*cases: tuple) -> list:
    """Parameters with the file name as the test id (the contents can be 200 kB long)."""
    return [pytest.param(*case, id=case[0]) for case in cases]


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, content, fragments", _named(
    ("typo.yaml", "place_kind: dormitory\nfloor_levle: 3\n", ["floor_levle", "未知事实", "是否想写 “floor_level”"]),
    ("typo.json", '{"place_kind": "dormitory", "alarm_workin": true}', ["alarm_workin", "是否想写 “alarm_working”"]),
    ("string-int.yaml", "floor_level: '3'\n", ["floor_level", "应为数值"]),
    ("string-bool.json", '{"alarm_working": "false"}', ["alarm_working", "应为 true 或 false"]),
    ("float-int.json", '{"floor_level": 2.5}', ["floor_level", "应为整数"]),
    ("out-of-range.yaml", "floor_level: 900\n", ["floor_level", "应在 1 到 200 之间"]),
    ("enum.yaml", "place_kind: dormitry\n", ["place_kind", "“dormitry” 不是允许的取值"]),
    ("derived.yaml", "underground: true\n", ["underground", "不能直接提交"]),
    ("list.yaml", "- place_kind: dormitory\n", ["(facts)", "映射"]),
    ("several.yaml", "floor_level: x\nalarm_working: 1\nplace_kind: 3\n", ["floor_level", "alarm_working", "place_kind"]),
))
def test_judge_refuses_wrong_facts(tmp_path: Path, name: str, content: str, fragments: list[str],
                                   capsys: pytest.CaptureFixture):
    path = _write(tmp_path, name, content)
    run = in_process(capsys, "judge", path, "--rules", TINY_RULES, "--as-of", "2024-06-01")
    assert_refused(run, str(path), "事实有误，未作判定", *fragments)


@pytest.mark.parametrize("name, content, fragments", _named(
    ("nan.json", '{"exit_width": NaN}', ["JSON 格式错误", "NaN 不是有效的数值"]),
    ("inf.json", '{"exit_width": -Infinity}', ["JSON 格式错误", "-Infinity 不是有效的数值"]),
    ("broken.json", '{"exit_width": 1,}', ["JSON 格式错误"]),
    ("dup.json", '{"floor_level": 1, "floor_level": 5}', ["JSON 格式错误", "键 “floor_level” 重复"]),
    ("deep.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", ["JSON 嵌套过深"]),
    ("syntax.yaml", "place_kind: dormitory\nfloor_level 3\nalarm_working: true\n", ["syntax.yaml:2", "YAML 语法错误"]),
    ("tab.yaml", "place_kind: dormitory\n\tfloor_level: 3\n", ["tab.yaml:2", "制表符"]),
    ("dup.yaml", "floor_level: 1\nfloor_level: 5\n", ["dup.yaml:2", "键 “floor_level” 重复"]),
    ("alias.yaml", "place_kind: &k dormitory\nfloor_position: *k\n", ["alias.yaml:1", "锚点或别名"]),
    ("empty.yaml", "", ["empty.yaml:1", "文件为空"]),
    ("gbk.yaml", "# 宿舍\nplace_kind: dormitory\n".encode("gbk"), ["gbk.yaml", "UTF-8"]),
))
def test_judge_refuses_unreadable_facts_file(tmp_path: Path, name: str, content: str | bytes, fragments: list[str],
                                             capsys: pytest.CaptureFixture):
    path = _write(tmp_path, name, content)
    run = in_process(capsys, "judge", path, "--rules", TINY_RULES, "--as-of", "2024-06-01")
    assert_refused(run, str(path), *fragments)


@pytest.mark.parametrize("name, content, fragments", _named(
    ("typo.yaml", "place_kind: dormitory\nfloor_levle: 3\n", ["floor_levle", "是否想写 “floor_level”"]),
    ("nan.json", '{"exit_width": NaN}', ["JSON 格式错误", "NaN 不是有效的数值"]),
    ("syntax.yaml", "place_kind: dormitory\nfloor_level 3\nalarm_working: true\n", ["syntax.yaml:2", "YAML 语法错误"]),
    ("string-int.yaml", "floor_level: '3'\n", ["floor_level", "应为数值"]),
))
def test_judge_refuses_bad_facts_through_subprocess(tmp_path: Path, name: str, content: str, fragments: list[str]):
    path = _write(tmp_path, name, content)
    assert_refused(hazard("judge", path, "--rules", TINY_RULES, "--as-of", "2024-06-01"), str(path), *fragments)


def test_judge_refuses_python_tag_and_runs_nothing(tmp_path: Path):
    marker = tmp_path / "tag-was-executed"
    path = _write(tmp_path, "tag.yaml", f"place_kind: !!python/object/apply:os.system ['touch {marker}']\n")
    assert_refused(hazard("judge", path, "--rules", TINY_RULES, "--as-of", "2024-06-01", cwd=tmp_path),
                   f"{path}:1", "YAML 标签")
    assert not marker.exists()


def test_judge_refuses_missing_file(tmp_path: Path):
    missing = tmp_path / "no-such-facility.yaml"
    assert_refused(hazard("judge", missing, "--as-of", AS_OF), str(missing), "无法读取")


def test_judge_refuses_directory(tmp_path: Path, capsys: pytest.CaptureFixture):
    assert_refused(in_process(capsys, "judge", tmp_path, "--as-of", AS_OF), str(tmp_path), "无法读取")


def test_judge_refuses_missing_rules_directory(tmp_path: Path, capsys: pytest.CaptureFixture):
    facts = _write(tmp_path, "f.yaml", "place_kind: dormitory\n")
    assert_refused(in_process(capsys, "judge", facts, "--rules", tmp_path / "no-rules"), "规则目录不存在")


def test_judge_refuses_broken_rules(tmp_path: Path):
    rules = tmp_path / "rules"
    (rules / "facts").mkdir(parents=True)
    (rules / "standards").mkdir()
    (rules / "facts" / "x.yaml").write_text("facts:\n  a: {type: boolean, label: A, description: A, unit: m}\n",
                                             encoding="utf-8")
    facts = _write(tmp_path, "f.yaml", "a: true\n")
    assert_refused(hazard("judge", facts, "--rules", rules), "规则文件有 1 处错误", f"{rules / 'facts' / 'x.yaml'}:2")


def test_fact_errors_through_main(tmp_path: Path, capsys: pytest.CaptureFixture):
    path = _write(tmp_path, "f.yaml", "floor_level: true\n")
    assert main(["judge", str(path), "--rules", str(TINY_RULES), "--as-of", "2024-06-01"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "floor_level" in captured.err and "应为数值" in captured.err


# --- facts, standards, lint ------------------------------------------------------------------

def test_facts_text():
    run = hazard("facts")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("事实词汇表：")
    assert "派生事实" in run.stdout
    assert "place_kind" in run.stdout


def test_facts_text_tiny(capsys: pytest.CaptureFixture):
    assert main(["facts", "--rules", str(TINY_RULES)]) == 0
    out = capsys.readouterr().out
    for line in ("place_kind  场所类型（enum）", "取值：dormitory=学生宿舍；canteen=食堂", "exit_width  安全出口总净宽度（number，单位 m）",
                 "underground  地下场所：位于地下室的场所。"):
        assert line in out


def test_facts_json():
    run = hazard("facts", "--format", "json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out) == {"facts", "derived"}
    assert out["facts"]
    for name, fact in out["facts"].items():
        assert fact["type"] in ("boolean", "integer", "number", "enum", "date"), name
        assert fact["label"] and fact["description"]
    assert sum(1 for f in out["facts"].values() if f.get("place")) == 1
    for derived in out["derived"].values():
        assert "condition" not in derived and derived["basis"]["text_status"]


def test_facts_json_tiny(capsys: pytest.CaptureFixture):
    assert main(["facts", "--rules", str(TINY_RULES), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out["facts"]) == ["place_kind", "floor_position", "floor_level", "alarm_working", "exit_width"]
    assert out["facts"]["exit_width"]["unit"] == "m"
    assert list(out["derived"]) == ["underground"]


def test_standards_as_of():
    run = hazard("standards", "--as-of", "2026-11-29")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("2026-11-29 的标准版本：")
    assert "moe-edu-guide" in run.stdout and "教发厅函〔2024〕20号" in run.stdout
    assert "有效，已编码" in run.stdout


def test_standards_tiny_before_and_after(capsys: pytest.CaptureFixture):
    assert main(["standards", "--rules", str(TINY_RULES), "--as-of", "2024-01-15"]) == 0
    assert "不在有效期内" in capsys.readouterr().out
    assert main(["standards", "--rules", str(TINY_RULES), "--as-of", "2024-02-01"]) == 0
    assert "有效，已编码；条款 2 条" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["standards"], ["judge", "examples/canteen-compliant.yaml"]])
@pytest.mark.parametrize("bad", ["2026-13-01", "2026/01/15", "tomorrow", "2026-02-30", ""])
def test_bad_as_of_is_a_usage_error(command: list[str], bad: str, capsys: pytest.CaptureFixture):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--as-of", bad])
    assert exited.value.code == 1  # a usage mistake is bad input
    err = capsys.readouterr().err
    assert "日期应为 YYYY-MM-DD" in err and repr(bad) in err


def test_bad_as_of_through_subprocess():
    run = hazard("standards", "--as-of", "2026-13-01")
    assert run.returncode == 1
    assert "日期应为 YYYY-MM-DD" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""


def test_lint_bundled_rules():
    run = hazard("lint")
    assert run.returncode == 0, run.stderr
    assert "规则文件无误" in run.stdout


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture):
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 1
    assert "usage" in capsys.readouterr().err
