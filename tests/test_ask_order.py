"""`ask_order` (a version's facts asked first, in that order): the questionnaire, the decisive
questions and the fact asked next within an `all` follow it (a part of an `all` reading a listed
fact counts as written first), and the facts not listed keep the order the conditions read them
in; the load stage "ask order" checks what it lists. The stage's mistakes as an expert meets them
(file and line) are the broken-rules cases ask-order-*."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import engine
from engine import load_stages
from engine.loader import _Loader
from engine.questionnaire import questionnaire

BASE = Path(__file__).resolve().parent / "broken_rules" / "_valid-base"
DAY = dt.date(2024, 3, 1)
# a third criterion whose second fact is a follow-up of its first (asked only when the first holds)
FOLLOW_UP = """  - id: demo.3
    clause: 第三条3
    text: 三层及以上的宿舍安全出口总净宽度不足 2 m 的。
    text_status: verbatim
    source: 示例来源
    method: direct
    condition:
      all:
        - {fact: floor_level, ge: 3}
        - {fact: exit_width, lt: 2}
"""


def _rules(tmp_path: Path, order: list[str] | None, follow_up: bool = True) -> Path:
    root = Path(shutil.copytree(BASE, tmp_path / "rules"))
    path = root / "standards" / "demo" / "2024.yaml"
    text = path.read_text(encoding="utf-8") + (FOLLOW_UP if follow_up else "")
    if order is not None:
        text = text.replace("criteria:\n", f"ask_order: [{', '.join(order)}]\ncriteria:\n", 1)
    path.write_text(text, encoding="utf-8")
    return root


def _asked(root: Path) -> list[tuple[str, int]]:
    doc = questionnaire(engine.load(root), "dormitory", DAY)
    return [(q.fact, q.level) for s in doc.standards for g in s.groups for q in g.questions]


def _decisive(root: Path) -> list[str]:
    judgement = engine.Engine(engine.load(root), "oracle").judge({"place_kind": "dormitory"}, DAY)
    return [f.name for q in judgement.missing_facts.decisive for f in q.facts]


def test_without_ask_order_the_conditions_order_is_kept(tmp_path):
    root = _rules(tmp_path, None)
    # a question that opens a follow-up comes first
    assert _asked(root) == [("floor_level", 0), ("exit_width", 1), ("floor_position", 0), ("alarm_working", 0)]
    assert _decisive(root) == ["floor_position", "alarm_working", "floor_level"]


def test_the_questionnaire_asks_the_listed_facts_first_in_their_order(tmp_path):
    root = _rules(tmp_path, ["alarm_working", "floor_position"])
    assert _asked(root) == [("alarm_working", 0), ("floor_position", 0), ("floor_level", 0), ("exit_width", 1)]


def test_a_listed_fact_is_asked_before_what_its_all_writes_earlier(tmp_path):
    # written `all: [floor_level ≥ 3, exit_width < 2]`: listed, exit_width is asked first and floor_level follows it
    root = _rules(tmp_path, ["exit_width", "alarm_working"])
    assert _asked(root) == [("exit_width", 0), ("floor_level", 1), ("alarm_working", 0), ("floor_position", 0)]


def test_the_fact_asked_next_within_an_all_follows_the_listed_order(tmp_path):
    facts = {"place_kind": "dormitory", "alarm_working": True, "floor_position": "above_ground"}
    for order, asked in ((None, ["floor_level"]), (["exit_width"], ["exit_width"])):
        root = _rules(tmp_path / str(order), order)
        judgement = engine.Engine(engine.load(root), "oracle").judge(facts, DAY)
        assert judgement.missing_facts.names() == asked


def test_the_decisive_questions_follow_the_listed_order_within_their_rank(tmp_path):
    # floor_level decides only together with exit_width: listed first, it still comes after those that decide alone
    root = _rules(tmp_path, ["floor_level", "alarm_working", "floor_position"])
    assert _decisive(root) == ["alarm_working", "floor_position", "floor_level"]


def _stage_problems(root: Path) -> list:
    loader, state = _Loader(root, root), load_stages.LoadState(root)
    for name, stage in load_stages.STAGES:
        if name == "ask order":
            break
        stage(loader, state)
    assert loader.problems == []
    load_stages.ask_order(loader, state)
    return loader.problems


def test_the_stage_accepts_facts_the_version_reads_each_once(tmp_path):
    assert _stage_problems(_rules(tmp_path, ["exit_width", "floor_position", "alarm_working"])) == []


def test_the_stage_names_an_unknown_a_derived_and_a_repeated_fact(tmp_path):
    problems = _stage_problems(_rules(tmp_path, ["alarm_workin", "underground", "alarm_working", "alarm_working"]))
    assert [p.path for p in problems] == [("ask_order", 0), ("ask_order", 1), ("ask_order", 3)]
    assert "“alarm_working”？" in problems[0].zh and "派生事实不提问" in problems[1].zh
    assert "列了两次" in problems[2].zh and problems[2].zh.endswith(f"2024.yaml:{_line_of_ask_order(tmp_path)} 列出）")


def _line_of_ask_order(tmp_path: Path) -> int:
    lines = (tmp_path / "rules" / "standards" / "demo" / "2024.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("ask_order:"))


def test_the_stage_names_a_fact_no_condition_of_the_version_reads(tmp_path):
    problems = _stage_problems(_rules(tmp_path, ["alarm_working", "exit_width"], follow_up=False))
    assert [p.path for p in problems] == [("ask_order", 1)] and "没有任何条件读取 “exit_width”" in problems[0].zh


def test_the_stage_wants_a_sections_gate_listed_before_what_it_guards(tmp_path):
    gated = "sections:\n  - {clause: 第三条, gate: {fact: floor_position, eq: basement}}\n"
    for order, flagged in ((["alarm_working"], [("ask_order", 0)]), (["floor_position", "alarm_working"], [])):
        root = _rules(tmp_path / str(len(order)), order)
        path = root / "standards" / "demo" / "2024.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("ask_order:", gated + "ask_order:", 1), encoding="utf-8")
        problems = _stage_problems(root)
        assert [p.path for p in problems] == flagged
        assert all("gate 之前提问" in p.zh and "floor_position" in p.zh for p in problems)
