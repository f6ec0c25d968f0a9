"""The education list as data and as documents (issue 4): md, html, xlsx, json, diffs, API."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from cli import main as cli
from engine import differences, listing, load
from engine.present import lists
from engine.provenance_words import plain

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def bundle():
    return load(ROOT / "rules")


def _criteria_in_force(bundle, day, document) -> set[str]:
    return {c.id for area in document.areas for s in area.standards for c in s.criteria}


def test_every_area_of_the_guide_is_listed_even_without_text(bundle):
    doc = listing.list_in_force(bundle, "education", TODAY)
    names = [a.name for a in doc.areas]
    for area in ("消防管理", "校舍使用", "食品安全管理", "实验实训管理", "校车及校园交通安全管理", "其他"):
        assert any(name.startswith(area) for name in names), area
    food = next(a for a in doc.areas if a.name == "食品安全管理")
    assert food.not_encoded and not any(s.criteria for s in food.standards)
    assert "食品安全管理" in doc.areas_not_encoded


def test_the_list_follows_the_version_in_force(bundle):
    before = listing.list_in_force(bundle, "education", dt.date(2025, 10, 31))
    after = listing.list_in_force(bundle, "education", dt.date(2025, 11, 1))
    fire = lambda doc: next(s for a in doc.areas if a.id == "fire" for s in a.standards if s.standard == "gb35181")  # noqa: E731
    assert fire(before).document_number == "GB 35181-2017" and fire(before).state == "encoded" and fire(before).criteria
    assert fire(after).document_number == "GB 35181-2025" and fire(after).state == "in_force_not_encoded"
    assert fire(after).criteria == []
    in_2015 = listing.list_in_force(bundle, "education", dt.date(2015, 6, 1))
    assert fire(in_2015).document_number == "GA 653-2006"


def test_coverage_counts_clauses_by_text_status(bundle):
    doc = listing.list_in_force(bundle, "education", dt.date(2025, 6, 1))
    cov = {c.document_number: c for c in doc.coverage}
    gb = cov["GB 35181-2017"]
    assert gb.by_text_status["reconstructed"] == 2
    assert sum(gb.by_text_status.values()) == len(next(v for v in bundle.versions if v.key == "gb35181@2017").criteria)
    assert gb.gaps


def test_xlsx_has_one_row_per_criterion_frozen_header_and_filters(bundle, tmp_path):
    doc = listing.list_in_force(bundle, "education", TODAY)
    path = tmp_path / "list.xlsx"
    path.write_bytes(lists.spreadsheet(doc))
    book = openpyxl.load_workbook(path)
    sheet = book["判定标准清单"]
    header = 5  # under the title, the date judged as of, the rules digest and the time made
    ids = [row[11] for row in sheet.iter_rows(min_row=header + 1, values_only=True)]
    assert len(ids) == len(set(ids)) == len(_criteria_in_force(bundle, TODAY, doc))
    assert sheet.freeze_panes == f"A{header + 1}" and sheet.auto_filter.ref.startswith(f"A{header}:")
    assert sheet.cell(header, 5).value == "条款原文" and sheet.column_dimensions["E"].width >= 60
    assert "覆盖与缺口" in book.sheetnames


def test_circulated_list_says_its_title_date_digest_and_time_made(bundle):
    doc = listing.list_in_force(bundle, "education", TODAY)
    book = openpyxl.load_workbook(io.BytesIO(lists.spreadsheet(doc)))
    for sheet in book:
        heading = [sheet.cell(row, 1).value for row in range(1, 5)]
        assert heading[0] == doc.title and heading[1] == f"判定日期：{TODAY}"
        assert heading[2] == f"规则摘要：{bundle.digest}" and re.fullmatch(r"生成时间：\d{4}-\d\d-\d\d \d\d:\d\d（北京时间）", heading[3])
    for text in (lists.page(doc), lists.markdown(doc)):
        assert f"判定日期：{TODAY}" in text and bundle.digest in text and "生成时间：" in text


# The marks the rule files write for experts; a document for officials says them in Chinese.
ENGLISH_MARKS = re.compile(r"VERBATIM|NOT FOUND|UNVERIFIED|SECONDARY|RECONSTRUCTED|INFERRED|assumed|not_found|"
                           r"（(verbatim|secondary|unverified)）|de-noised|trad→simp")


def test_circulated_list_says_provenance_in_chinese(bundle):
    doc = listing.list_in_force(bundle, "education", TODAY)
    book = openpyxl.load_workbook(io.BytesIO(lists.spreadsheet(doc)))
    marked = [f"{sheet.title}!{cell.coordinate}: {cell.value}" for sheet in book for row in sheet.iter_rows()
              for cell in row if isinstance(cell.value, str) and ENGLISH_MARKS.search(re.sub(r"https?://\S+", "", cell.value))]
    assert not marked, marked[:5]
    for text in (lists.page(doc), lists.markdown(doc)):
        assert not ENGLISH_MARKS.search(re.sub(r"https?://\S+", "", text))
    assert "（推定）" in lists.page(doc)  # a date's status, in words


def test_html_list_opens_with_the_clauses_and_puts_the_gaps_after(bundle):
    doc = listing.list_in_force(bundle, "education", TODAY)
    page = lists.page(doc)
    first_clause = page.index(doc.areas[0].standards[0].criteria[0].text)
    gaps = page.index('<h2 id="gaps">')
    assert first_clause < gaps and first_clause < 3000
    assert all(page.index(html.escape(plain(gap))) > gaps for cov in doc.coverage for gap in cov.gaps)


def test_html_is_well_formed_and_markdown_names_every_area(bundle):
    doc = listing.list_in_force(bundle, "education", TODAY)
    page = lists.page(doc)
    root = ET.fromstring(page.removeprefix("<!DOCTYPE html>\n"))
    assert root.tag == "html" and root.find("body/h1").text == doc.title
    text = lists.markdown(doc)
    assert all(area.name in text for area in doc.areas)


def test_cli_list_writes_every_format(tmp_path, capsys):
    for fmt in ("md", "html", "json", "xlsx"):
        out = tmp_path / f"list.{fmt}"
        assert cli.main(["list", "--as-of", "2025-06-01", "--format", fmt, "-o", str(out)]) == 0
        assert out.stat().st_size > 1000
    assert json.loads((tmp_path / "list.json").read_text(encoding="utf-8"))["as_of"] == "2025-06-01"
    assert cli.main(["list", "--format", "xlsx"]) == 1  # xlsx needs a file
    assert "-o" in capsys.readouterr().err


def test_diff_ga653_to_gb35181_2017_shows_the_recorded_changes(bundle):
    diff = differences.diff_versions(bundle, "gb35181", "2006", "2017").diff
    changed = {(c.old.id, c.new.id): c.what for c in diff.changes if c.kind == "changed"}
    assert ("gb35181-2006.4.5.a", "gb35181-2017.5.1.2") in changed       # 可以立即整改的 → 不能立即改正
    assert "判定方法" in changed[("gb35181-2006.4.5.a", "gb35181-2017.5.1.2")]
    assert any(c.kind == "added" and c.new.id == "gb35181-2017.6.3" for c in diff.changes)


def test_diff_against_an_unencoded_version_removes_nothing_and_lists_what_cannot_be_compared(bundle):
    diff = differences.diff_versions(bundle, "gb35181", "2017", "2025").diff
    assert not [c for c in diff.changes if c.kind != "not_comparable"]
    assert {c.old.id for c in diff.changes} == {c.id for c in bundle.versions[_index(bundle, "gb35181@2017")].criteria}
    assert any("未编码" in m for m in diff.method_changes)
    assert any("重要场所" in m for m in diff.method_changes)  # the 2025 foreword's change list


def _index(bundle, key: str) -> int:
    return next(i for i, v in enumerate(bundle.versions) if v.key == key)


def test_diff_between_two_dates_of_the_list(bundle, capsys):
    assert cli.main(["diff", "2025-10-31", "2025-11-01"]) == 0
    out = capsys.readouterr().out
    assert "GB 35181-2017 → GB 35181-2025（未编码）" in out
    assert cli.main(["diff", "gb35181@2017", "nope@1"]) == 1
    assert cli.main(["diff", "gb35181@1999", "gb35181@2017"]) == 1


def test_list_api_json_and_html():
    from service import create_app

    client = TestClient(create_app())
    r = client.get("/v1/list", params={"as_of": "2025-06-01"})
    assert r.status_code == 200 and r.json()["as_of"] == "2025-06-01"
    assert r.headers["X-Rules-Digest"] == r.json()["rules_digest"]
    html = client.get("/v1/list", headers={"accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    ET.fromstring(html.text.removeprefix("<!DOCTYPE html>\n"))
    assert client.get("/v1/list", params={"list": "nope"}).status_code == 404


@pytest.mark.parametrize("marked, said", [
    ("原文未能获取（NOT FOUND），尚未编码。", "原文未能获取，尚未编码。"),  # a gloss of the words before it goes
    ("文号 4号 未核实（UNVERIFIED）。", "文号 4号 未核实。"),
    ("要素（UNVERIFIED）", "要素（未核实）"),
    ("VERBATIM-PARTIAL https://example.org/a（截断）", "原文（不完整） https://example.org/a（截断）"),
    ("VERBATIM（trad→simp）", "原文（繁体转简体）"),
])
def test_provenance_marks_in_plain_chinese(marked, said):
    assert plain(marked) == said
