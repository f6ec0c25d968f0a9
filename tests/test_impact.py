"""The impact of a change of rules (issue 13, point 3): subjects re-judged under the active and the
candidate rules, transitions by clause and by school, refusals with located problems, every core,
the CLI and POST /v1/admin/impact over a real server."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import openpyxl
import pytest

from bench import corpus
from cli import main as cli
from engine import Engine, impact, load
from engine.present import impact as impact_render
from engine.impact_sources import ExampleSource, RecordSource, bundled_sources
from engine.verdict import clause_name
from live_server import running_server
from rule_text import copy_with_threshold, threshold_criterion

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def bundle():
    return load(ROOT / "rules")


def _edited_copy(bundle, tmp_path: Path, new_percent: int) -> tuple[Path, str, int]:
    """A copy of rules/ with a percent threshold moved; (copy, its clause name, the old percent)."""
    version, c = threshold_criterion(bundle, DAY)
    old = copy_with_threshold(ROOT / "rules", tmp_path / "rules", c.id, new_percent)
    return tmp_path / "rules", clause_name(version.meta.document_number, c.spec.clause), old


def _subjects(bundle):
    return [s for source in bundled_sources(bundle) for s in source.subjects()]


def test_the_verdict_alone_agrees_with_the_judgement(bundle):
    with Engine(bundle) as engine:
        for facts in corpus.facilities(bundle, 300):
            for day in (DAY, dt.date(2020, 1, 1)):
                j, v = engine.judge(facts, day), engine.verdict(facts, day)
                assert (v.classification, v.complete) == (j.classification, j.coverage.complete)
                found = {f.criterion: f.counts_toward_major for f in j.findings}
                assert all(found[f.criterion] is f.counts for f in v.found)


def test_the_bundled_subjects_are_the_examples_baselines_and_scenarios(bundle):
    subjects = _subjects(bundle)
    sources = {s.source for s in subjects}
    assert sources == {"example", "baseline", "scenario"}
    assert len({s.key for s in subjects}) == len(subjects)
    assert sum(s.source == "example" for s in subjects) == len(list((ROOT / "examples").glob("*.yaml")))
    assert sum(s.source == "baseline" for s in subjects) == len(list((ROOT / "features/baselines").glob("*.yaml")))
    assert all(s.as_of for s in subjects if s.source == "scenario")


def test_raising_a_threshold_moves_verdicts_up_and_names_the_clause(bundle, tmp_path):
    copy, clause, old = _edited_copy(bundle, tmp_path, 95)
    subjects = _subjects(bundle)
    report = impact.impact(ROOT / "rules", copy, subjects, ["bundled"], DAY, DAY, workers=1)
    assert report.candidate_digest != report.active_digest == bundle.digest
    assert report.changed, f"moving {clause} from {old}% to 95% changed nothing"
    assert [c.clause for c in report.clauses] == [clause]
    assert not report.clauses[0].left and report.clauses[0].entered == [s.key for s in report.changed]
    with Engine(load(copy)) as candidate, Engine(bundle) as active:  # each transition is what judging says
        by_key = {s.key: s for s in subjects}
        for changed in report.changed:
            facts = by_key[changed.key].facts
            assert changed.old.classification == active.judge(facts, DAY).classification
            assert changed.new.classification == candidate.judge(facts, DAY).classification
            assert changed.entered == [clause]
    total = sum(t.count for t in report.transitions)
    assert total == report.subjects == len(subjects)
    assert sum(s.subjects for s in report.schools) == len(subjects)
    assert any(t.old != t.new and t.new == "重大事故隐患" for t in report.transitions)


def test_an_identical_copy_changes_nothing(bundle, tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    report = impact.impact(ROOT / "rules", copy, ExampleSource().subjects(), ["examples"], DAY, DAY, workers=1)
    assert report.changed == [] and report.clauses == [] and report.changed_subjects == 0
    assert all(t.old == t.new and not t.subjects for t in report.transitions)


def test_every_core_gives_what_one_process_gives(bundle, tmp_path):
    """More subjects than are judged in-process: spawned workers, each loading both rule sets once."""
    copy, _, _ = _edited_copy(bundle, tmp_path, 95)
    facilities = corpus.facilities(bundle, impact.IN_PROCESS_BELOW + 100)
    records = [{"decision_id": i, "subject": {"facility_id": f"F{i}", "school": f"学校{i % 7}"}, "as_of": str(DAY),
                "facts": facts} for i, facts in enumerate(facilities)]
    pooled = impact.impact(ROOT / "rules", copy, RecordSource(records).subjects(), ["log"], None, DAY, workers=2)
    alone = impact.impact(ROOT / "rules", copy, RecordSource(records).subjects(), ["log"], None, DAY, workers=1)
    assert pooled.model_dump() == alone.model_dump()
    assert pooled.changed and {s.school for s in pooled.schools} == {f"学校{i}" for i in range(7)}


def test_candidate_rules_that_fail_lint_are_refused_with_file_and_line(bundle, tmp_path, capsys):
    copy, _, _ = _edited_copy(bundle, tmp_path, 95)
    path = next(p for p in copy.rglob("*.yaml") if "percent: 95" in p.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if "percent: 95" in line)
    path.write_text("".join(lines).replace("percent: 95", "percent: ninety-five"), encoding="utf-8")
    assert cli.main(["impact", "--rules", str(copy)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{number}:" in err and "Traceback" not in err


def test_the_cli_writes_every_format(bundle, tmp_path, capsys):
    copy, clause, _ = _edited_copy(bundle, tmp_path, 95)
    assert cli.main(["impact", "--rules", str(copy), "--as-of", str(DAY), "--format", "json"]) == 0
    report = impact.ImpactReport.model_validate_json(capsys.readouterr().out)
    assert report.changed and report.clauses[0].clause == clause
    assert cli.main(["impact", "--rules", str(copy), "--as-of", str(DAY)]) == 0
    md = capsys.readouterr().out
    assert md.startswith(f"# {report.title}") and report.candidate_digest in md and clause in md
    assert all(s.key in md for s in report.changed)
    page = impact_render.page(report)
    ET.fromstring(page.removeprefix("<!DOCTYPE html>\n"))
    assert cli.main(["impact", "--rules", str(copy), "--as-of", str(DAY), "--format", "xlsx",
                     "-o", str(tmp_path / "i.xlsx")]) == 0
    book = openpyxl.load_workbook(tmp_path / "i.xlsx")
    assert book["有变化的对象"].max_row == len(report.changed) + 1
    assert f"候选规则摘要：{report.candidate_digest}" in [r[0] for r in book["说明"].iter_rows(values_only=True)]


def test_the_admin_endpoint_over_a_real_server(bundle, tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    with running_server(copy) as (base, _):
        url = f"{base}/v1/admin/impact"
        assert httpx.post(url, timeout=60).status_code == 401
        auth = {"Authorization": "Bearer test-token"}
        same = httpx.post(url, params={"as_of": str(DAY)}, headers=auth, timeout=120)
        assert same.status_code == 200 and same.json()["changed"] == []
        edited, clause, _ = _edited_copy(bundle, tmp_path / "edit", 95)
        shutil.rmtree(copy)
        shutil.copytree(edited, copy)  # the expert's edit, not yet reloaded
        moved = httpx.post(url, params={"as_of": str(DAY)}, headers=auth, timeout=120)
        assert moved.status_code == 200 and moved.json()["clauses"][0]["clause"] == clause
        assert moved.json()["active_digest"] == bundle.digest == moved.headers["X-Rules-Digest"]
        sheet = httpx.post(url, params={"as_of": str(DAY), "format": "xlsx"}, headers=auth, timeout=120)
        assert openpyxl.load_workbook(io.BytesIO(sheet.content))["有变化的对象"].max_row > 1
        bad_day = httpx.post(url, params={"as_of": "2026-1-15"}, headers=auth, timeout=60)
        assert bad_day.status_code == 422 and "2026-01-15" in bad_day.text
        target = next(p for p in copy.rglob("*.yaml") if "percent: 95" in p.read_text(encoding="utf-8"))
        target.write_text(target.read_text(encoding="utf-8").replace("percent: 95", "percent: ninety-five"),
                          encoding="utf-8")
        refused = httpx.post(url, headers=auth, timeout=60)
        assert refused.status_code == 422
        problems = refused.json()["rule_problems"]
        assert problems and problems[0]["file"].endswith(target.name) and problems[0]["line"]
