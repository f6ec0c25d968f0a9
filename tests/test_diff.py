"""Diffs that list what enters and leaves (issue 13, point 4): per area and standard, whole version
switches included, as md, html, xlsx and json, from the CLI and GET /v1/diff."""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import openpyxl
import pytest

from cli import main as cli
from engine import differences, load
from engine.listing import selected_criteria
from live_server import running_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundle():
    return load(ROOT / "rules")


def _version_in_force(bundle, standard: str, day: dt.date):
    return next(v for v in bundle.versions_on(day) if v.standard == standard)


def _selection(bundle, standard: str):
    return [(area, s) for area in bundle.lists["education"].areas for s in area.include if s.standard == standard]


def test_a_standard_coming_into_force_brings_every_clause_of_its_area(bundle):
    """GB 45067-2024 from 2024-12-01: each of its clauses listed in the education list enters."""
    old, new = dt.date(2024, 11, 30), dt.date(2024, 12, 1)
    version = _version_in_force(bundle, "gb45067", new)
    assert version.meta.effective.date == new
    diff = differences.diff_dates(bundle, "education", old, new)
    for area, selection in _selection(bundle, "gb45067"):
        listed = next(s for a in diff.areas if a.id == area.id for s in a.standards if s.standard == "gb45067")
        assert {c.kind for c in listed.changes} == {"added"}
        assert [c.new.id for c in listed.changes] == [c.id for c in selected_criteria(version, selection)]
        assert listed.changes and all(version.meta.document_number in c.reason for c in listed.changes)


def test_a_version_replaced_by_an_unencoded_one_takes_every_clause_out(bundle):
    """GB 35181-2017 → 2025 (not encoded) between 2024-01-01 and 2026-01-01: no longer '新增 0，删除 0，变更 0'."""
    old, new = dt.date(2024, 1, 1), dt.date(2026, 1, 1)
    before = _version_in_force(bundle, "gb35181", old)
    diff = differences.diff_dates(bundle, "education", old, new)
    for area, selection in _selection(bundle, "gb35181"):
        listed = next(s for a in diff.areas if a.id == area.id for s in a.standards if s.standard == "gb35181")
        assert listed.count("removed") == len(selected_criteria(before, selection)) > 0
        assert {c.old.id for c in listed.changes} == {c.id for c in selected_criteria(before, selection)}
        assert "未编码" in listed.switch


def test_the_same_versions_on_both_days_change_nothing(bundle):
    diff = differences.diff_dates(bundle, "education", dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    assert diff.areas == [] and diff.switched == []


def test_a_clause_matched_across_versions_says_what_changed(bundle):
    diff = differences.diff_versions(bundle, "gb35181", "2006", "2017").diff
    changed = [c for c in diff.changes if c.kind == "changed"]
    assert changed and all(c.what for c in changed)
    for c in changed:  # each named difference is a real one
        for word, field in differences.COMPARED:
            assert (word in c.what) == (getattr(c.old, field) != getattr(c.new, field))
    assert diff.count("added") + diff.count("changed") + diff.unchanged >= len(
        [v for v in bundle.versions if v.key == "gb35181@2017"][0].criteria)


@pytest.mark.parametrize("operands", [("2024-11-30", "2024-12-01"), ("gb35181@2006", "gb35181@2017")])
def test_every_format_carries_title_dates_and_digest(bundle, tmp_path, capsys, operands):
    expected = differences.diff(bundle, *operands)
    changes = sum(len(s.changes) for a in getattr(expected, "areas", []) for s in a.standards) if isinstance(
        expected, differences.ListDiff) else len(expected.diff.changes)
    assert cli.main(["diff", *operands, "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith(f"# {expected.title}") and bundle.digest in md
    for operand in operands:
        assert operand.split("@")[0] in md
    assert cli.main(["diff", *operands, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rules_digest"] == bundle.digest
    assert cli.main(["diff", *operands, "--format", "html", "-o", str(tmp_path / "d.html")]) == 0
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    ET.fromstring(page.removeprefix("<!DOCTYPE html>\n"))
    assert expected.title in page and bundle.digest in page
    assert cli.main(["diff", *operands, "--format", "xlsx", "-o", str(tmp_path / "d.xlsx")]) == 0
    book = openpyxl.load_workbook(tmp_path / "d.xlsx")
    assert book["条款变化"].max_row == changes + 1
    about = [row[0] for row in book["概况"].iter_rows(values_only=True) if row and row[0]]
    assert expected.title in about and f"规则摘要：{bundle.digest}" in about
    assert cli.main(["diff", *operands, "--format", "xlsx"]) == 1  # xlsx needs -o


def test_bad_operands_are_refused_in_words(capsys):
    assert cli.main(["diff", "2024-01-01", "gb35181@2017"]) == 1
    assert "标准@版本" in capsys.readouterr().err
    assert cli.main(["diff", "gb35181@2017", "gb45067@2024"]) == 1
    assert "同一标准" in capsys.readouterr().err


def test_the_diff_api_over_a_real_server(bundle):
    with running_server(ROOT / "rules", token=None) as (base, _):
        r = httpx.get(f"{base}/v1/diff", params={"from": "2024-11-30", "to": "2024-12-01"})
        assert r.status_code == 200 and r.headers["X-Rules-Digest"] == bundle.digest
        assert r.json() == json.loads(differences.diff(bundle, "2024-11-30", "2024-12-01").model_dump_json())
        x = httpx.get(f"{base}/v1/diff", params={"from": "gb35181@2017", "to": "gb35181@2025", "format": "xlsx"})
        assert x.status_code == 200 and "attachment" in x.headers["content-disposition"]
        assert openpyxl.load_workbook(io.BytesIO(x.content))["条款变化"].max_row > 1
        h = httpx.get(f"{base}/v1/diff", params={"from": "2024-01-01", "to": "2026-01-01", "format": "html"})
        assert h.headers["content-type"].startswith("text/html") and "移出" in h.text
        bad = httpx.get(f"{base}/v1/diff", params={"from": "2024-01-01", "to": "nope"})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        assert "标准@版本" in bad.json()["detail"] and {e["parameter"] for e in bad.json()["errors"]} == {"from", "to"}
        missing = httpx.get(f"{base}/v1/diff", params={"from": "2024-01-01"})
        assert missing.status_code == 422
