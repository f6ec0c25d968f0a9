"""Broken rule directories are rejected with the right file, line and Chinese message.

Each case under tests/broken_rules/<case>/ is a tiny rules directory (the valid base in
_valid-base/ with one mistake; several-mistakes/ has six) and an expect.yaml listing every
problem lint must report: file (relative to the case), line (null for a whole-file
problem), the column where the exact place is known (an invisible character) and a
fragment of the Chinese message. Exactly those problems are expected, so a
mistake that drags spurious follow-on errors along fails too. A case is linted from a copy
without its expect.yaml (which lint would rightly call a stray file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import engine
from engine.errors import RuleProblem
from engine.yaml_source import MAX_DEPTH, MAX_FILE_BYTES

CORPUS = Path(__file__).resolve().parent / "broken_rules"
VALID_BASE = CORPUS / "_valid-base"
REPO = Path(__file__).resolve().parent.parent
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expect.yaml").is_file())
HAZARD = Path(sys.executable).parent / "hazard"


def _expected(case: str) -> list[dict]:
    return yaml.safe_load((CORPUS / case / "expect.yaml").read_text(encoding="utf-8"))["problems"]


def _show(problems: list[RuleProblem]) -> str:
    return "\n".join(f"  {p}" for p in problems) or "  (none)"


def _copy_case(case: str, tmp_path: Path) -> Path:
    """The case's rules directory, without expect.yaml, under tmp_path/rules."""
    root = tmp_path / "rules"
    shutil.copytree(CORPUS / case, root, ignore=shutil.ignore_patterns("expect.yaml"))
    return root


def _matches(problem: RuleProblem, case_dir: Path, want: dict) -> bool:
    return (Path(problem.file).resolve() == (case_dir / want["file"]).resolve()
            and problem.line == want["line"] and want["message"] in problem.zh
            and problem.column == want.get("column", problem.column))


def test_corpus_is_large_enough():
    assert len(CASES) >= 25


def test_valid_base_lints_clean_and_judges():
    assert engine.lint(VALID_BASE) == []
    with engine.Engine(engine.load(VALID_BASE)) as judge:
        result = judge.judge({"place_kind": "dormitory", "floor_position": "basement", "alarm_working": True},
                             __import__("datetime").date(2024, 6, 1))
    assert result.classification == "major"


def test_bundled_rules_lint_clean():
    assert engine.lint(REPO / "rules") == []


@pytest.mark.parametrize("case", CASES)
def test_broken_case_is_rejected(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    case_dir = _copy_case(case, tmp_path)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # a YAML tag that ran a command would leave its file here
    started = time.perf_counter()
    problems = engine.lint(case_dir)
    elapsed = time.perf_counter() - started
    wanted = _expected(case)
    for want in wanted:
        assert any(_matches(p, case_dir, want) for p in problems), (
            f"{case}: expected {want['file']}:{want['line']} “{want['message']}”; got\n{_show(problems)}")
    assert len(problems) == len(wanted), f"{case}: expected {len(wanted)} problem(s); got\n{_show(problems)}"
    for p in problems:  # every problem is bilingual, Chinese first, and printable
        assert p.zh and p.en and any("\u4e00" <= ch <= "\u9fff" for ch in p.zh), p
        assert str(p).startswith(p.file)
    assert list(workdir.iterdir()) == []
    assert elapsed < 2.0, f"{case}: lint took {elapsed:.2f}s"


def test_several_mistakes_are_all_reported(tmp_path: Path):
    root = _copy_case("several-mistakes", tmp_path)
    problems = engine.lint(root)
    files = {Path(p.file).relative_to(root).as_posix() for p in problems}
    assert files == {"facts/base.yaml", "standards/demo/2024.yaml", "standards/other/2024.yaml"}
    assert len(problems) == 6
    with pytest.raises(engine.RuleError) as caught:
        engine.load(root)
    assert len(caught.value.problems) == 6
    assert str(caught.value).count("\n") == 5  # one line per problem, in file and line order


def test_billion_laughs_is_refused_without_expanding(tmp_path: Path):
    root = _copy_case("yaml-billion-laughs", tmp_path)
    started = time.perf_counter()
    problems = engine.lint(root)
    assert time.perf_counter() - started < 0.5
    assert any("锚点或别名" in p.zh for p in problems)


def _base_copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(VALID_BASE, root)
    return root


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_call [['touch', '{marker}']]",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/object/apply:builtins.open ['{marker}', 'w']",
    "!!python/name:os.system",
    "!python/object/apply:os.system ['touch {marker}']",
])
def test_python_tags_are_refused_and_nothing_runs(tmp_path: Path, tag: str):
    root = _base_copy(tmp_path)
    marker = tmp_path / "tag-was-executed"
    version = root / "standards" / "demo" / "2024.yaml"
    text = version.read_text(encoding="utf-8")
    version.write_text(text.replace("title: 示例重大事故隐患判定标准", "title: " + tag.format(marker=marker)),
                       encoding="utf-8")
    line = text.splitlines().index("title: 示例重大事故隐患判定标准") + 1
    problems = engine.lint(root)
    assert [(p.file, p.line) for p in problems] == [(str(version), line)]
    assert "YAML 标签" in problems[0].zh
    assert not marker.exists()


def test_file_over_size_limit_is_refused_unread(tmp_path: Path):
    root = _base_copy(tmp_path)
    huge = root / "facts" / "huge.yaml"
    chunk = "# 填充 / padding " + "x" * 80 + "\n"
    huge.write_text(chunk * (MAX_FILE_BYTES // len(chunk.encode()) + 2), encoding="utf-8")
    assert huge.stat().st_size > MAX_FILE_BYTES
    started = time.perf_counter()
    problems = engine.lint(root)
    assert time.perf_counter() - started < 1.0
    assert len(problems) == 1
    assert (problems[0].file, problems[0].line) == (str(huge), None)
    assert "文件过大" in problems[0].zh and str(MAX_FILE_BYTES) in problems[0].zh


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a: ", "}"), ("- ", "")])
def test_deep_nesting_bomb_is_refused_without_recursion_error(tmp_path: Path, opening: str, closing: str):
    """PyYAML composes recursively: 20,000 levels would end in RecursionError, not a problem."""
    root = _base_copy(tmp_path)
    bomb = root / "facts" / "bomb.yaml"
    depth = 20_000
    bomb.write_text("facts:\n  " + opening * depth + "1" + closing * depth + "\n", encoding="utf-8")
    problems = engine.lint(root)
    assert len(problems) == 1
    assert (problems[0].file, problems[0].line) == (str(bomb), 2)
    assert f"嵌套超过 {MAX_DEPTH} 层" in problems[0].zh


def test_missing_rules_directory(tmp_path: Path):
    problems = engine.lint(tmp_path / "nowhere")
    assert len(problems) == 1 and "规则目录不存在" in problems[0].zh


# --- the same through the command line ------------------------------------------------------

@pytest.mark.parametrize("case", ["yaml-python-tag", "unknown-fact", "non-utf8-gbk", "yaml-nesting-too-deep",
                                  "derived-cycle", "several-mistakes", "yaml-vertical-tab", "yaml-nul-character",
                                  "utf16-file"])
def test_cli_lint_rejects_broken_case(case: str, tmp_path: Path):
    case_dir = _copy_case(case, tmp_path)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    run = subprocess.run([str(HAZARD), "lint", str(case_dir)], capture_output=True, text=True, cwd=workdir,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=60)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout == ""
    wanted = _expected(case)
    assert f"规则文件有 {len(wanted)} 处错误" in run.stderr
    for want in wanted:
        where = str(case_dir / want["file"]) + (f":{want['line']}" if want["line"] else "") + (
            f":{want['column']}" if "column" in want else "")
        assert any(where in line and want["message"] in line for line in run.stderr.splitlines()), run.stderr
    assert list(workdir.iterdir()) == []


def test_cli_lint_accepts_valid_base():
    run = subprocess.run([str(HAZARD), "lint", str(VALID_BASE)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "规则文件无误" in run.stdout
