"""A reload attempt, accepted or refused, is reported apart from the rules in service: a refused one
is a 422 listing its rule problems (file, line, column), never a 500, and /readyz says so on every
worker while the old rules keep serving."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

import engine.reload.rule_store
from engine.decisions.rule_sets import DatabaseRuleStore
from engine.reload.registry import ActiveRules
from service import create_app
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
VALID_BASE = ROOT / "tests" / "broken_rules" / "_valid-base"
VERSION = Path("standards") / "demo" / "2024.yaml"
AUTH = {"Authorization": "Bearer t"}


def _rules(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(VALID_BASE, root)
    return root


def _edit(root: Path, old: str, new: str) -> None:
    path = root / VERSION
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_pasted_vertical_tab_is_a_422_at_its_line_and_column_and_readyz_says_refused(tmp_path):
    """It was a 500 (PyYAML's reader error escaped the reload) and /readyz still said ok."""
    rules = _rules(tmp_path)
    with TestClient(create_app(Settings(rules_dir=rules, admin_token="t"))) as client:
        first = client.get("/readyz").json()
        assert first["last_reload"] is None and first["active"]["digest"] == first["rules_digest"]
        _edit(rules, "火灾自动报警系统不能正常使用的。", "火灾自动报警系统\x0b不能正常使用的。")
        r = client.post("/v1/admin/reload", headers=AUTH)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["x-rules-digest"] == first["rules_digest"]
        [problem] = r.json()["rule_problems"]
        assert (problem["file"], problem["line"], problem["column"]) == (str(rules / VERSION), 30, 19)
        assert "U+000B 垂直制表符" in problem["detail"] and "Traceback" not in r.text
        assert f"{rules / VERSION}:30:19:" in r.json()["detail"]
        ready = client.get("/readyz").json()
        assert ready["rules_digest"] == first["rules_digest"] == ready["active"]["digest"]
        assert ready["active"]["since"] == first["active"]["since"]
        refused = ready["last_reload"]
        assert (refused["ok"], refused["outcome"], refused["digest"]) == (False, "refused", None)
        assert refused["problems"] == [problem]
        judged = client.post("/v1/judgements", json={"facts": {"alarm_working": False}, "as_of": "2024-06-01"})
        assert judged.status_code == 200 and judged.json()["classification"] == "major"  # the old rules serve

        _edit(rules, "\x0b", "")
        _edit(rules, "示例适用范围。", "示例适用范围（改）。")
        r = client.post("/v1/admin/reload", headers=AUTH)
        assert r.status_code == 200 and r.json()["outcome"] == "accepted" and r.json()["problems"] == []
        ready = client.get("/readyz").json()
        assert ready["rules_digest"] == r.json()["digest"] != first["rules_digest"]
        assert ready["last_reload"] == r.json() and ready["active"]["since"] > first["active"]["since"]


def test_a_reload_that_fails_unexpectedly_is_refused_not_a_500(tmp_path, monkeypatch):
    """Fault injection beyond the loader (publishing the checked copy): still a refused reload."""
    rules = _rules(tmp_path)
    with TestClient(create_app(Settings(rules_dir=rules, admin_token="t")), raise_server_exceptions=False) as client:
        before = client.get("/readyz").json()["rules_digest"]

        def broken_publish(*args, **kwargs):
            raise ValueError("injected")

        for store in (engine.reload.rule_store.RuleStore, DatabaseRuleStore):  # the service's is the decision log's
            monkeypatch.setattr(store, "publish", broken_publish)
        _edit(rules, "示例适用范围。", "示例适用范围（改）。")
        r = client.post("/v1/admin/reload", headers=AUTH)
        assert r.status_code == 422 and "引擎出错" in r.json()["detail"] and "ValueError" in r.json()["detail"]
        ready = client.get("/readyz").json()
        assert ready["rules_digest"] == before and ready["last_reload"]["outcome"] == "refused"


def test_every_process_reports_the_latest_attempt_whichever_made_it(tmp_path):
    rules = _rules(tmp_path)
    store = tmp_path / "state"
    one, other = ActiveRules(rules, store_dir=store), ActiveRules(rules, store_dir=store)
    try:
        (rules / VERSION).write_text("criteria: [", encoding="utf-8")
        refused = one.reload()
        assert not refused.ok and other.last_reload == refused == one.last_reload
        assert refused.problems[0].file == str(rules / VERSION) and refused.problems[0].line == 1
    finally:
        one.close()
        other.close()
