"""What a judgement says and how it is rendered: the compact default and detail=full, the label
of an incomplete judgement in every rendering (text, JSON, HTML, xlsx, the API), the exceptions
still to confirm, the decisive questions, unused facts, contradictory facts refused."""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.dom.minidom
from pathlib import Path

import openpyxl
import pytest
import yaml
from fastapi.testclient import TestClient

import engine
from cli.main import main
from engine.present import judgements, terminal
from service import create_app
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = engine.load(ROOT / "rules")
TODAY = dt.date(2026, 12, 1)
CANTEEN = yaml.safe_load((ROOT / "examples" / "canteen-compliant.yaml").read_text(encoding="utf-8"))
LIBRARY = yaml.safe_load((ROOT / "examples" / "library-exit-width-unknown.yaml").read_text(encoding="utf-8"))
INCOMPLETE = "已编码条款未发现隐患（判定不完整：GB 35181-2025 未编码；GB 45067-2024、教发厅函〔2024〕20号 部分条款未编码）"


@pytest.fixture(scope="module")
def judge():
    with engine.Engine(BUNDLE) as e:
        yield e


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(rules_dir=ROOT / "rules"))) as c:
        yield c


def test_a_compliant_canteen_today_is_incomplete_and_says_so(judge):
    j = judge.judge(CANTEEN, TODAY)
    assert j.classification == "none" and j.label == INCOMPLETE
    assert not j.coverage.complete
    whole = [n.standard for n in j.coverage.not_evaluated if n.whole]
    assert whole == ["gb35181"]
    moe = next(n for n in j.coverage.not_evaluated if n.standard == "moe-edu-guide")
    assert any("食品安全" in p.clause for p in moe.parts)
    assert not any("10 后半句" in p.clause for p in moe.parts)  # a laboratory's gap, not a canteen's
    assert "hazmat_place" in j.coverage.unused_facts          # GB 35181-2017 is not in force today
    assert "place_kind" not in j.coverage.unused_facts


def test_the_compact_answer_of_a_compliant_canteen_is_at_most_2500_bytes(judge):
    j = judge.judge(CANTEEN, TODAY)
    compact, full = j.dump_json(), j.dump_json("full")
    assert len(compact.encode()) <= 2500, len(compact.encode())
    assert len(full.encode()) > 2 * len(compact.encode())
    short, long = json.loads(compact), json.loads(full)
    assert all(set(s) == {"standard", "version", "document_number", "encoded"} for s in short["standards"])
    assert any(s["gaps"] for s in long["standards"]) and any(s["notes"] for s in long["standards"])
    assert {s["standard"] for s in long["standards"]} > {s["standard"] for s in short["standards"]}  # not applicable ones
    assert short["label"] == long["label"] == INCOMPLETE


def test_full_keeps_sources_notes_and_descriptions(judge):
    j = judge.judge({**LIBRARY, "exit_total_net_width": 2.0, "fire_design_review": None}, TODAY)
    short, long = j.dump(), j.dump("full")
    assert long["findings"][0]["citation"]["source"] and "source" not in short["findings"][0]["citation"]
    assert long["missing_facts"]["other"][0]["description"]
    assert "description" not in short["missing_facts"]["other"][0]


def test_an_exception_still_to_confirm_is_listed_and_the_major_stands(judge):
    j = judge.judge({"place_kind": "student_dormitory", "flammable_goods_misused": True}, dt.date(2020, 1, 1))
    assert j.classification == "major"
    pending = {p.entry: p for p in j.exceptions_pending}
    assert set(pending) == {"gb35181-2017.5.1.2", "gb35181-2017.5.1.3.a", "gb35181-2017.5.1.3.b", "gb35181-2017.5.1.3.c"}
    assert pending["gb35181-2017.5.1.3.b"].excluded_if == "单位、场所已停产停业或停止使用为是"
    assert pending["gb35181-2017.5.1.3.b"].elements == ["gb35181-2017.6.8"]
    finding = next(f for f in j.findings if f.criterion == "gb35181-2017.6.8")
    assert finding.counts_toward_major is True and len(finding.pending) == 4
    exceptions = [q for q in j.missing_facts.decisive if q.facts[0].name == "place_out_of_use"]
    assert exceptions[0].answers[0].answer == "是"
    assert exceptions[0].answers[0].effect == "不计入（GB 35181-2017 5.1.3 b））→ 一般隐患"


def test_decisive_question_for_the_library_example(judge):
    j = judge.judge(LIBRARY, TODAY)
    assert j.classification == "indeterminate"
    [q] = j.missing_facts.decisive
    assert [f.name for f in q.facts] == ["exit_total_net_width"] and q.every_answer_decides
    assert [(a.answer, a.classification) for a in q.answers] == [("小于 2.88 m", "major"), ("不小于 2.88 m", "none")]


def test_contradictory_facts_are_refused_naming_both(judge):
    with pytest.raises(engine.FactError) as refused:
        judge.judge({**CANTEEN, "floor_position": "basement"}, TODAY)
    [problem] = refused.value.problems
    assert (problem.fact, problem.related) == ("floor_level", ("floor_position",))
    assert problem.zh.startswith("与其他事实矛盾") and "“所在楼层”" in problem.zh and "“所在位置”" in problem.zh


def test_the_api_refuses_contradictory_facts_with_both_in_the_message(client):
    r = client.post("/v1/judgements", json={"facts": {**CANTEEN, "fire_barrier_devices_total": 2,
                                                       "fire_barrier_devices_damaged": 3}, "as_of": "2020-01-01"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    [error] = r.json()["errors"]
    assert error["pointer"] == "/facts/fire_barrier_devices_damaged"
    assert "防火分隔设施总数" in error["detail"] and "fire_barrier_devices_total" in error["detail"]


def test_text_html_and_xlsx_say_the_judgement_is_incomplete(judge):
    j = judge.judge(CANTEEN, TODAY)
    assert f"判定结果：{INCOMPLETE}" in terminal.judgement_text(j)
    page = judgements.page([("食堂", j)])
    xml.dom.minidom.parseString(page)  # well-formed
    assert INCOMPLETE in page and "判定不完整" in page and "GB 35181-2025：整份标准有效但未编码" in page
    assert "生成时间：" in page and j.provenance.rules_digest[:12] in page and f"判定日期：{TODAY}" in page
    book = openpyxl.load_workbook(io.BytesIO(judgements.spreadsheet([("食堂", j), ("宿舍", "facts refused")])))
    rows = list(book["判定结果"].iter_rows(values_only=True))
    assert rows[1][2] == INCOMPLETE and rows[1][4] == "不完整"
    assert rows[2][2].startswith("事实有误，未作判定")


def test_cli_judges_several_files_into_one_spreadsheet(tmp_path: Path, capsys: pytest.CaptureFixture):
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    out = tmp_path / "判定结果.xlsx"
    assert main(["judge", *map(str, examples), "--as-of", "2026-12-01", "--format", "xlsx", "-o", str(out)]) == 0
    rows = list(openpyxl.load_workbook(out)["判定结果"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [str(p) for p in examples]
    capsys.readouterr()
    assert main(["judge", *map(str, examples[:2]), "--as-of", "2026-12-01", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_cli_names_the_file_whose_facts_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture):
    bad = tmp_path / "bad.yaml"
    bad.write_text("place_kind: canteen\nfloor_position: basement\nfloor_level: 2\n", encoding="utf-8")
    assert main(["judge", str(ROOT / "examples" / "canteen-compliant.yaml"), str(bad)]) == 1
    err = capsys.readouterr()
    assert f"{bad}: 事实有误" in err.err and err.out == ""


def test_api_detail_full_and_batch_as_spreadsheet_and_page(client):
    body = {"facts": CANTEEN, "as_of": "2026-12-01"}
    compact = client.post("/v1/judgements", json=body)
    full = client.post("/v1/judgements?detail=full", json=body)
    assert compact.json()["label"] == INCOMPLETE
    assert len(full.content) > 2 * len(compact.content) and full.json()["standards"][0]["gaps"]
    items = {"items": [{"id": "食堂", **body}, {"id": "坏", "facts": {"floor_level": 0}, "as_of": "2026-12-01"}]}
    sheet = client.post("/v1/judgements/batch?format=xlsx", json=items)
    assert sheet.status_code == 200 and "filename*=UTF-8''" in sheet.headers["content-disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content))["判定结果"].iter_rows(values_only=True))
    assert rows[1][:3] == ("食堂", "2026-12-01", INCOMPLETE) and rows[2][2].startswith("事实有误")
    page = client.post("/v1/judgements/batch?format=html", json=items)
    assert page.headers["content-type"].startswith("text/html") and INCOMPLETE in page.text
    assert "X-Rules-Digest" in page.headers


def test_api_docs_say_how_to_read_classification_with_complete(client):
    spec = client.get("/openapi.json").json()
    judgement = spec["components"]["schemas"]["Judgement"]["properties"]
    assert "coverage.complete" in judgement["classification"]["description"]
    assert "判定不完整" in judgement["label"]["description"]
    completeness = spec["components"]["schemas"]["Completeness"]["properties"]["complete"]["description"]
    assert "none 或 ordinary" in completeness


def test_a_spreadsheet_keeps_control_characters_of_an_id_visible(client):
    items = {"items": [{"id": "食堂\x01\x1b", "facts": CANTEEN, "as_of": "2026-12-01"}]}
    sheet = client.post("/v1/judgements/batch?format=xlsx", json=items)
    assert sheet.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content))["判定结果"].iter_rows(values_only=True))
    assert rows[1][0] == "食堂\\u0001\\u001B"
