"""The loader's stages (engine/load_stages.py) one by one, on the broken-rules corpus's valid base:
each stage run alone on the state the stages before it left. The stages' mistakes as an expert
meets them, file and line, are cases of the broken-rules corpus (duplicate-id-*, overlapping-versions,
previous-*, condition-too-many-rules, yml-extension, and the reuse cases)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from cli.main import main
from engine import load_stages
from engine.loader import _Loader

BASE = Path(__file__).resolve().parent / "broken_rules" / "_valid-base"


def _before(stage_name: str, root: Path) -> tuple[_Loader, load_stages.LoadState]:
    """The loader and state as the stages before `stage_name` leave them."""
    loader, state = _Loader(root, root), load_stages.LoadState(root)
    for name, stage in load_stages.STAGES:
        if name == stage_name:
            return loader, state
        stage(loader, state)
    raise AssertionError(f"no stage {stage_name}")


def _stage(name: str):
    return dict(load_stages.STAGES)[name]


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BASE, tmp_path / "rules"))


def test_the_stages_and_their_order():
    assert [name for name, _ in load_stages.STAGES] == [
        "files in place", "vocabulary", "standard versions", "ids used once", "ask order", "one version of a standard a day",
        "previous links", "conditions durable-rules can express", "lists", "gap places"]


def test_files_in_place_finds_the_files_and_names_a_stray_one(tmp_path):
    root = _copy(tmp_path)
    (root / "standards" / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    loader, state = _before("files in place", root)
    _stage("files in place")(loader, state)
    assert [p.name for p in state.fact_files] == ["base.yaml"] and [p.name for p in state.version_files] == ["2024.yaml"]
    assert [(Path(p.file).name, p.line) for p in loader.problems] == [("notes.yaml", None)]
    assert "不在约定位置" in loader.problems[0].zh


def test_vocabulary_and_versions_fill_the_state(tmp_path):
    loader, state = _before("ids used once", _copy(tmp_path))
    assert loader.problems == []
    assert state.usable is state.vocabulary and "place_kind" in state.vocabulary.facts
    assert [(v.standard, v.version) for v in state.versions] == [("demo", "2024")]


def test_ids_used_once_names_each_second_use(tmp_path):
    loader, state = _before("ids used once", _copy(tmp_path))
    state.versions = state.versions * 2  # the same file read twice: every id used twice
    _stage("ids used once")(loader, state)
    ids = [c.id for c in state.versions[0].criteria]
    assert len(loader.problems) == len(ids) and all("重复" in p.zh for p in loader.problems)


def test_one_version_a_day_names_the_overlap(tmp_path):
    loader, state = _before("one version of a standard a day", _copy(tmp_path))
    state.versions = [state.versions[0], replace(state.versions[0], version="2025")]
    _stage("one version of a standard a day")(loader, state)
    assert [p.path for p in loader.problems] == [("effective",)] and "有效期重叠" in loader.problems[0].zh


def test_the_stages_after_the_checks_leave_a_bundle_worth_of_state(tmp_path):
    loader, state = _before("gap places", _copy(tmp_path))
    _stage("gap places")(loader, state)
    assert loader.problems == [] and all(v.gap_scopes == () for v in state.versions)


def test_hazard_lint_stages_lists_every_stage_and_the_lists_within_in_order(capsys, tmp_path):
    assert main(["lint", str(tmp_path / "no-such-dir"), "--stages"]) == 0  # lists, checks nothing
    printed = capsys.readouterr().out.splitlines()
    assert printed == load_stages.outline()
    top = [line.split(". ", 1)[1] for line in printed if not line.startswith(" ")]
    assert top == [name for name, _ in load_stages.STAGES]
    within_versions = printed[printed.index("3. standard versions") + 1:printed.index("4. ids used once")]
    assert within_versions[0] == "   reuse 1. defaults" and within_versions[-1] == "   checks 9. gaps' places known"
