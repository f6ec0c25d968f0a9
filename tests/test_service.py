"""The HTTP API through a real uvicorn process (`hazard serve`), not only TestClient."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml

from live_server import ROOT, copy_rules, running_server

DORMITORY = yaml.safe_load((ROOT / "examples" / "student-dormitory-basement.yaml").read_text(encoding="utf-8"))
CANTEEN = yaml.safe_load((ROOT / "examples" / "canteen-compliant.yaml").read_text(encoding="utf-8"))
AS_OF = "2026-01-15"  # only the MOE guide is encoded and in force
AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(copy_rules(tmp_path_factory.mktemp("rules") / "rules")) as (base, _):
        yield base


def test_health_and_readiness_show_the_active_digest(server):
    assert httpx.get(f"{server}/healthz").json() == {"status": "alive"}
    ready = httpx.get(f"{server}/readyz")
    assert ready.json()["ready"] is True
    assert ready.headers["X-Rules-Digest"] == ready.json()["rules_digest"]


def test_dormitory_in_basement_is_major_with_its_clause_and_facts(server):
    r = httpx.post(f"{server}/v1/judgements", json={"facts": DORMITORY, "as_of": AS_OF})
    assert r.status_code == 200
    body = r.json()
    assert body["classification"] == "major" and body["label"] == "重大事故隐患"
    finding = next(f for f in body["findings"] if f["criterion"] == "moe-edu-guide-2024.3.1.2")
    assert finding["citation"]["document_number"] == "教发厅函〔2024〕20号"
    assert {f["name"] for f in finding["facts"]} == {"place_kind", "floor_position"}
    assert r.headers["X-Rules-Digest"] == body["provenance"]["rules_digest"]


def test_unknown_fact_and_wrong_type_are_problem_details_naming_each_field(server):
    r = httpx.post(f"{server}/v1/judgements", json={"facts": {"place_kindd": "canteen", "exit_count": "3"}})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert pointers == {"/facts/place_kindd", "/facts/exit_count"}
    assert "place_kind" in next(e["detail"] for e in r.json()["errors"] if e["pointer"] == "/facts/place_kindd")


@pytest.mark.parametrize("body", [
    {"facts": {}, "as_of": "2026-13-01"},
    {"facts": {}, "as_of": 20260101},
    {"facts": [], "as_of": AS_OF},
    {"fact": {}},
])
def test_malformed_requests_are_422_problems(server, body):
    r = httpx.post(f"{server}/v1/judgements", json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"]


def test_oversize_body_is_refused(server):
    r = httpx.post(f"{server}/v1/judgements", content=b" " * 9_000_000, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")


def test_batch_keeps_order_and_isolates_a_bad_facility(server):
    items = [{"id": "dorm", "facts": DORMITORY, "as_of": AS_OF},
             {"id": "bad", "facts": {"no_such_fact": True}},
             {"id": "canteen", "facts": CANTEEN, "as_of": AS_OF}]
    r = httpx.post(f"{server}/v1/judgements/batch", json={"items": items})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["id"] for x in results] == ["dorm", "bad", "canteen"]
    assert results[0]["judgement"]["classification"] == "major"
    assert results[1]["error"]["errors"][0]["pointer"] == "/items/1/facts/no_such_fact"
    assert results[2]["judgement"]["classification"] == "none"


def test_batch_over_the_maximum_points_to_the_stream_endpoint(server):
    items = [{"id": str(i), "facts": {}} for i in range(1001)]
    r = httpx.post(f"{server}/v1/judgements/batch", json={"items": items})
    assert r.status_code == 413 and "stream" in r.json()["detail"]


def test_ndjson_stream_judges_each_line_in_order(server):
    lines = [json.dumps({"id": f"c{i}", "facts": CANTEEN, "as_of": AS_OF}) for i in range(1500)]
    lines.insert(3, "{not json")
    r = httpx.post(f"{server}/v1/judgements/stream", content="\n".join(lines).encode(),
                   headers={"content-type": "application/x-ndjson"}, timeout=120)
    assert r.status_code == 200
    out = [json.loads(line) for line in r.text.splitlines()]
    assert len(out) == 1501
    assert out[3]["error"]["status"] == 422
    assert [o["id"] for o in out[:3]] == ["c0", "c1", "c2"]
    assert all(o["judgement"]["classification"] == "none" for i, o in enumerate(out) if i != 3)


def test_catalogue_endpoints(server):
    standards = httpx.get(f"{server}/v1/standards", params={"as_of": "2026-11-29"}).json()
    assert any(s["id"] == "moe-edu-guide" for s in standards)
    one = httpx.get(f"{server}/v1/standards/moe-edu-guide").json()
    assert one["versions"][0]["state"] == "in_force"
    criterion = httpx.get(f"{server}/v1/criteria/moe-edu-guide-2024.3.1.8").json()
    assert "80%" in criterion["text"] and "80%" in criterion["condition"]
    assert httpx.get(f"{server}/v1/criteria/nope").status_code == 404
    assert httpx.get(f"{server}/v1/standards/nope").status_code == 404
    schema = httpx.get(f"{server}/v1/facts").json()
    assert schema["additionalProperties"] is False and "place_kind" in schema["properties"]
    assert httpx.get(f"{server}/openapi.json").status_code == 200
    assert httpx.get(f"{server}/docs").status_code == 200


def test_an_id_an_entry_had_before_still_answers_with_its_id_now(server):
    """Integrators' stored ids: every former id (rules' `formerly`) answers as the entry it became."""
    from engine.loader import load
    aliases = load(ROOT / "rules").aliases
    assert aliases  # the bundled files renamed ids to one scheme
    for former, now in aliases.items():
        criterion = httpx.get(f"{server}/v1/criteria/{former}")
        assert criterion.status_code == 200 and criterion.json()["id"] == now, former
    judged = httpx.post(f"{server}/v1/judgements", json={"facts": DORMITORY, "as_of": AS_OF}).json()
    assert judged["findings"] and not {f["criterion"] for f in judged["findings"]} & set(aliases)


def test_reload_needs_the_right_token(server):
    assert httpx.post(f"{server}/v1/admin/reload").status_code == 401
    assert httpx.post(f"{server}/v1/admin/reload", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.post(f"{server}/v1/admin/reload", headers=AUTH).status_code == 200


def test_reload_is_disabled_without_a_configured_token(tmp_path):
    with running_server(copy_rules(tmp_path / "rules"), token=None) as (base, _):
        r = httpx.post(f"{base}/v1/admin/reload", headers=AUTH)
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")


def _edit_text(rules: Path, old: str, new: str) -> None:
    path = rules / "standards" / "moe-edu-guide" / "2024.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_reload_during_traffic_and_a_broken_reload_keep_serving(tmp_path):
    rules = copy_rules(tmp_path / "rules")
    with running_server(rules, workers=2) as (base, _):
        before = httpx.get(f"{base}/readyz").json()["rules_digest"]
        failures: list[str] = []
        digests: set[str] = set()
        stop = threading.Event()

        def traffic() -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    r = client.post(f"{base}/v1/judgements", json={"facts": DORMITORY, "as_of": AS_OF})
                    if r.status_code != 200 or r.json()["classification"] != "major":
                        failures.append(f"{r.status_code} {r.text[:200]}")
                    else:
                        digests.add(r.headers["X-Rules-Digest"])

        threads = [threading.Thread(target=traffic) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            # A broken file is refused with the lint error; the old rules keep serving.
            _edit_text(rules, "condition: {fact: fire_responsibility_system_sound, eq: false}",
                       "condition: {fact: no_such_fact, eq: false}")
            r = httpx.post(f"{base}/v1/admin/reload", headers=AUTH, timeout=30)
            assert r.status_code == 422
            assert "no_such_fact" in r.text and "2024.yaml" in r.text
            assert httpx.get(f"{base}/readyz").json()["rules_digest"] == before
            # A good edit is activated; every worker follows.
            _edit_text(rules, "condition: {fact: no_such_fact, eq: false}",
                       "condition: {fact: fire_responsibility_system_sound, eq: false}")
            _edit_text(rules, "note: 管理类条款", "note: 重新加载测试。管理类条款")
            for _ in range(5):
                r = httpx.post(f"{base}/v1/admin/reload", headers=AUTH, timeout=30)
                assert r.status_code == 200
            after = r.json()["digest"]
            assert after != before
            time.sleep(1.5)  # other workers notice the shared reload signal within CHECK_EVERY
            seen = {httpx.get(f"{base}/readyz").headers["X-Rules-Digest"] for _ in range(20)}
            assert seen == {after}
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert failures == []
        assert digests <= {before, after}


def test_the_readme_curl_example_gives_the_documented_answer(server):
    body = json.loads((ROOT / "examples" / "api" / "student-dormitory-basement.json").read_text(encoding="utf-8"))
    answer = httpx.post(f"{server}/v1/judgements", json=body).json()
    assert (answer["classification"], answer["label"]) == ("major", "重大事故隐患")
    assert [f["criterion"] for f in answer["findings"]] == ["moe-edu-guide-2024.3.1.2"]
    assert answer["missing_facts"] == {"decisive": [], "other": []}
    assert answer["exceptions_pending"] == []
    assert not answer["coverage"]["complete"]
    assert {"standard": "gb35181", "version": "2025", "whole": True} in [
        {k: n[k] for k in ("standard", "version", "whole")} for n in answer["coverage"]["not_evaluated"]]
