"""The decision log on SQLite and on a real PostgreSQL server: group commits from many threads and
processes make one unbroken chain, a changed record is found where it was changed, migrations
apply once, latest_per_subject, replay byte for byte; through the service: every kind of
judgement recorded with its subject, searched, paged, replayed, and refused (503) when it cannot
be recorded; from the command line: judge --record, log list|show|replay|verify."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import sqlite3
import subprocess
import threading
from pathlib import Path

import psycopg
import pytest
import yaml
from fastapi.testclient import TestClient

from engine import Engine, load
from engine.decisions import Database, Decision, DecisionLog
from engine.decisions.database import migrations
from engine.decisions.replay import recorded_engine, replay
from engine.decisions.rule_sets import keep, read_files
from engine.present.documents import XLSX_MEDIA_TYPE
from engine.questions import LABELS
from engine.sheets.template import NAME_HEADER
from live_server import HAZARD, ROOT, copy_rules
from sheet_fill import answers, fill, table
from service import create_app
from service.settings import Settings

AS_OF = dt.date(2026, 1, 15)
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FACTS = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in EXAMPLES]
AUTH = {"Authorization": "Bearer t0ken"}


@pytest.fixture(scope="module")
def judged():
    """Each example judged once: (facts, judgement)."""
    with Engine(load(ROOT / "rules"), "oracle") as engine:
        return [(facts, engine.judge(facts, AS_OF)) for facts in FACTS]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Database:
    if request.param == "sqlite":
        return Database(tmp_path / "decisions.sqlite3")
    return Database(request.getfixturevalue("postgres_url"))


def decisions(judged, prefix: str, n: int, school: str | None = None) -> list[Decision]:
    now = dt.datetime.now(dt.UTC)
    return [Decision.of(judged[i % len(judged)][1], judged[i % len(judged)][0], f"{prefix}-{i}", now,
                        {"facility_id": f"{prefix}-{i % 7}", **({"school": school} if school else {})})
            for i in range(n)]


def _append_from_process(target: str, prefix: str, n: int) -> None:
    with Engine(load(ROOT / "rules"), "oracle") as engine:
        pairs = [(f, engine.judge(f, AS_OF)) for f in FACTS]
    log = DecisionLog(Database(target))
    for d in decisions(pairs, prefix, n):
        log.record([d])
    log.close()


def test_concurrent_appends_from_threads_and_processes_make_one_chain(database, judged):
    log = DecisionLog(database)
    ctx = multiprocessing.get_context("spawn")
    processes = [ctx.Process(target=_append_from_process, args=(database.target, f"p{k}", 40)) for k in range(2)]
    for p in processes:
        p.start()
    futures = []

    def client(k: int) -> None:
        for d in decisions(judged, f"t{k}", 30):
            futures.append(log.submit([d]))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorded = [f.result(timeout=60)[0] for f in futures]
    for p in processes:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert log.count() == 8 * 30 + 2 * 40
    assert log.verify() == (320, None)
    seqs = sorted(d.seq for d in log.all())
    assert seqs == list(range(1, 321))
    assert len({d.seq for d in recorded}) == len(recorded) == 240
    assert {f"p{k}-{i}" for k in range(2) for i in range(40)} <= log.request_ids()
    log.close()


def test_a_changed_record_is_found_where_it_was_changed(database, judged):
    log = DecisionLog(database)
    log.record(decisions(judged, "a", 12))
    fifth = next(d for d in log.all() if d.seq == 5)
    conn = database.connect()
    try:
        for column, value in (("facts", "{}"), ("facility_id", "elsewhere"), ("judgement", "{}")):
            database.execute(conn, f"UPDATE decisions SET {column} = ? WHERE seq = ?", (value, 5))
            checked, broken = log.verify()
            assert (checked, broken.seq, broken.id) == (4, 5, fifth.id) and "改动" in broken.reason, column
            database.execute(conn, f"UPDATE decisions SET {column} = ? WHERE seq = ?",
                             (getattr(fifth, column) if column != "facility_id" else fifth.subject["facility_id"], 5))
            assert log.verify() == (12, None)
        database.execute(conn, "DELETE FROM decisions WHERE seq = ?", (8,))
        checked, broken = log.verify()
        assert (checked, broken.seq, broken.id) == (7, 8, None) and "缺少" in broken.reason
    finally:
        conn.close()
    log.close()


def test_migrations_apply_once(database):
    assert Database(database.target).migrate() == []  # opened again: nothing left to apply
    names = [r[0] for r in database.query("SELECT name FROM schema_migrations ORDER BY version")]
    assert names == [p.name for _, p in migrations()] and names[0].startswith("0001_")


def test_latest_per_subject_and_replay(database, judged):
    log = DecisionLog(database)
    bundle = load(ROOT / "rules")
    database.write(lambda conn: keep(database, conn, bundle.digest, read_files(ROOT / "rules")))
    log.record(decisions(judged, "x", 20, school="一中"))
    log.record(decisions(judged, "y", 3))
    latest = list(log.latest_per_subject())
    by_subject = {json.dumps(x.subject, sort_keys=True): x for x in latest}
    assert len(latest) == len(by_subject) == 7 + 3
    newest = {json.dumps(d.subject, sort_keys=True): d for d in log.all()}  # later ones overwrite
    for key, x in by_subject.items():
        d = newest[key]
        assert (x.decision_id, x.facts, x.classification, x.criteria, x.rules_digest, x.as_of) == (
            d.id, json.loads(d.facts), d.classification, d.criteria, d.rules_digest, d.as_of)
    some = log.get(latest[0].decision_id)
    with recorded_engine(database, some) as engine:
        again = replay(some, engine, "recorded")
    assert again.identical and again.changes == [] and again.recorded_sha256 == again.replayed_sha256
    log.close()


# -- through the service -----------------------------------------------------------------------

def _client(tmp_path: Path, **settings) -> TestClient:
    rules = copy_rules(tmp_path / "rules")
    app = create_app(Settings(rules_dir=rules, state_dir=tmp_path / "state", admin_token="t0ken", access_log=False,
                              **settings))
    return TestClient(app)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_judgement_served_is_recorded_searched_and_replayed(tmp_path, request, backend):
    extra = {"database_url": request.getfixturevalue("postgres_url")} if backend == "postgresql" else {}
    client = _client(tmp_path, **extra)
    single = client.post("/v1/judgements", json={"facts": FACTS[0], "as_of": AS_OF.isoformat(),
                                                 "subject": {"facility_id": "F-1", "school": "一中", "inspector": "王"}},
                         headers={"X-Request-ID": "req-single"})
    assert single.status_code == 200
    decision_id = single.headers["x-decision-id"]
    batch = client.post("/v1/judgements/batch", json={"items": [
        {"id": f"b{i}", "facts": f, "as_of": AS_OF.isoformat(), "subject": {"school": "二中"}}
        for i, f in enumerate(FACTS)] + [{"id": "bad", "facts": {"no_such_fact": 1}}]},
        headers={"X-Request-ID": "req-batch"})
    assert batch.status_code == 200
    lines = "\n".join(json.dumps({"id": f"s{i}", "facts": f, "as_of": AS_OF.isoformat()}) for i, f in enumerate(FACTS))
    stream = client.post("/v1/judgements/stream", content=lines, headers={"Content-Type": "application/x-ndjson",
                                                                           "X-Request-ID": "req-stream"})
    assert stream.status_code == 200 and len(stream.text.splitlines()) == len(FACTS)

    record = client.get(f"/v1/decisions/{decision_id}").json()
    assert record["facts"] == FACTS[0] and record["request_id"] == "req-single"
    assert record["subject"] == {"facility_id": "F-1", "school": "一中", "inspector": "王"}
    assert record["classification"] == single.json()["classification"]
    assert record["judgement"]["classification"] == single.json()["classification"]
    assert record["rules_digest"] == single.headers["x-rules-digest"]

    batch_page = client.get("/v1/decisions", params={"request_id": "req-batch", "limit": 500}).json()
    assert {d["item_id"] for d in batch_page["items"]} == {f"b{i}" for i in range(len(FACTS))}  # not the refused one
    assert {d["subject"]["school"] for d in batch_page["items"]} == {"二中"}
    assert {d["subject"]["facility_id"] for d in batch_page["items"]} == {f"b{i}" for i in range(len(FACTS))}
    assert len(client.get("/v1/decisions", params={"request_id": "req-stream"}).json()["items"]) == len(FACTS)

    major = client.get("/v1/decisions", params={"classification": "major", "limit": 500}).json()["items"]
    assert major and all(d["classification"] == "major" for d in major)
    today = dt.datetime.now(dt.UTC).date()
    assert client.get("/v1/decisions", params={"received_to": (today - dt.timedelta(days=1)).isoformat()}
                      ).json()["items"] == []
    seen, cursor = [], None
    while True:  # pages of 4, newest first, until the cursor runs out
        page = client.get("/v1/decisions", params={"limit": 4, **({"cursor": cursor} if cursor else {})}).json()
        seen += [d["seq"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 1 + 2 * len(FACTS)

    replayed = client.get(f"/v1/decisions/{decision_id}/replay").json()
    assert replayed["identical"] and replayed["changes"] == []
    assert replayed["judgement"] == record["judgement"]
    odd = client.post("/v1/judgements/batch", json={"items": [{"id": "nul\u0000id", "facts": {}}]})
    assert odd.status_code == 200  # PostgreSQL text holds no NUL: the id is kept as JSON, searched escaped
    [found] = client.get("/v1/decisions", params={"facility_id": "nul\u0000id"}).json()["items"]
    assert found["item_id"] == found["subject"]["facility_id"] == "nul\u0000id"
    assert client.app.state.recorder.log.verify() == (2 + 2 * len(FACTS), None)
    client.app.state.rules.close()  # its listening connection, before the test server goes


def test_replay_under_the_active_rules_shows_what_changed_clause_by_clause(tmp_path):
    client = _client(tmp_path)
    facts = next(f for f, p in zip(FACTS, EXAMPLES) if "kindergarten" in p.name)
    answer = client.post("/v1/judgements", json={"facts": facts, "as_of": AS_OF.isoformat()})
    decision_id, finding = answer.headers["x-decision-id"], answer.json()["findings"][0]
    # an edit of the clause's source note, in the served copy of the rules: the clause states its
    # own source instead of the version's default
    path = next(p for p in (tmp_path / "rules").rglob("*.yaml")
                if f"id: {finding['criterion']}\n" in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    at = text.index(f"id: {finding['criterion']}\n")
    start, end = text.rindex("\n", 0, at) + 1, text.index("\n", at) + 1
    indent = text[start:at].replace("-", " ")
    stated = client.get(f"/v1/criteria/{finding['criterion']}").json()
    source = f"{stated['source']}（测试改动）"
    path.write_text(text[:end] + f"{indent}source: {source}\n" + text[end:], encoding="utf-8")
    assert client.post("/v1/admin/reload", headers=AUTH).status_code == 200

    now = client.get(f"/v1/decisions/{decision_id}/replay", params={"under": "active"}).json()
    assert not now["identical"] and now["rules_digest"] != now["recorded_digest"]
    assert [(c["id"], c["change"]) for c in now["changes"]] == [(finding["criterion"], "changed")]
    change = now["changes"][0]
    assert change["replayed"]["citation"]["source"].endswith("（测试改动）")
    assert change["document_number"] == finding["citation"]["document_number"]
    recorded = client.get(f"/v1/decisions/{decision_id}/replay").json()  # the set it names is still kept
    assert recorded["identical"] and recorded["rules_digest"] == recorded["recorded_digest"]


def test_subject_and_query_mistakes_are_named(tmp_path):
    client = _client(tmp_path)
    wrong = client.post("/v1/judgements", json={"facts": {}, "subject": {"school": "", "room": "3"}}).json()
    pointers = {e["pointer"]: e["detail"] for e in wrong["errors"]}
    assert set(pointers) == {"/subject/school", "/subject/room"}
    assert all(ord(d[0]) > 0x2E80 for d in pointers.values())  # Chinese first
    control = client.post("/v1/judgements", json={"facts": {}, "subject": {"inspector": "王\u0000五"}}).json()
    assert [(e["pointer"], e["detail"][:6]) for e in control["errors"]] == [("/subject/inspector", "含有控制字符")]
    batch = client.post("/v1/judgements/batch", json={"items": [{"id": "a", "facts": {}, "subject": {"place": 3}}]})
    assert [e["pointer"] for e in batch.json()["errors"]] == ["/items/0/subject/place"]
    bad_page = client.get("/v1/decisions", params={"limit": 0, "classification": "bad"}).json()
    assert {e["parameter"] for e in bad_page["errors"]} == {"limit", "classification"}
    missing = client.get("/v1/decisions/nothing-here")
    assert missing.status_code == 404 and missing.json()["title"].startswith("没有该决定")
    assert client.app.state.recorder.log.count() == 0  # nothing judged, nothing recorded


def test_a_judgement_that_cannot_be_recorded_is_not_answered(tmp_path):
    client = _client(tmp_path)
    assert client.post("/v1/judgements", json={"facts": {}}).status_code == 200
    database = client.app.state.recorder.database
    database.write(lambda conn: conn.execute("ALTER TABLE decisions RENAME TO decisions_elsewhere"))
    for response in (client.post("/v1/judgements", json={"facts": {}}),
                     client.post("/v1/judgements/batch", json={"items": [{"id": "a", "facts": {}}]})):
        assert response.status_code == 503, response.text
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["title"].startswith("决定日志不可用") and "classification" not in response.text
    stream = client.post("/v1/judgements/stream", content=b'{"id": "s", "facts": {}}\n',
                         headers={"Content-Type": "application/x-ndjson"})
    [line] = [json.loads(x) for x in stream.text.splitlines()]
    assert line["judgement"] is None and line["error"]["status"] == 503
    database.write(lambda conn: conn.execute("ALTER TABLE decisions_elsewhere RENAME TO decisions"))
    assert client.post("/v1/judgements", json={"facts": {}}).status_code == 200  # the writer recovers
    assert client.app.state.recorder.log.verify() == (2, None)


def test_log_off_records_nothing(tmp_path):
    client = _client(tmp_path, decision_log=False)
    answer = client.post("/v1/judgements", json={"facts": {}})
    assert answer.status_code == 200 and "x-decision-id" not in answer.headers
    off = client.get("/v1/decisions")
    assert off.status_code == 503 and off.json()["title"].startswith("决定日志已关闭")
    assert not (tmp_path / "state" / "decisions.sqlite3").exists()


# -- the command line ----------------------------------------------------------------------------

def _hazard(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([HAZARD, *args], capture_output=True, text=True, timeout=300)


def test_cli_records_lists_shows_replays_and_verifies(tmp_path):
    db = str(tmp_path / "cli.sqlite3")
    example = next(p for p in EXAMPLES if "kindergarten" in p.name)
    judged_cli = _hazard("judge", str(example), str(EXAMPLES[0]), "--as-of", AS_OF.isoformat(), "--record",
                         "--database", db, "--school", "一中", "--format", "json")
    assert judged_cli.returncode == 0, judged_cli.stderr
    assert judged_cli.stderr.count("已记录 / recorded") == 2
    listed = json.loads(_hazard("log", "list", "--database", db, "--school", "一中", "--format", "json").stdout)
    assert {d["subject"]["facility_id"] for d in listed} == {example.stem, EXAMPLES[0].stem}
    shown = json.loads(_hazard("log", "show", listed[0]["id"], "--database", db).stdout)
    assert shown["facts"] == yaml.safe_load(Path(shown["item_id"]).read_text(encoding="utf-8"))
    again = _hazard("log", "replay", listed[0]["id"], "--database", db)
    assert again.returncode == 0 and "byte-identical" in again.stdout
    assert "holds: 2 record" in _hazard("log", "verify", "--database", db).stdout
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE decisions SET facts = '{}' WHERE seq = 2")
    broken = _hazard("log", "verify", "--database", db)
    assert broken.returncode == 1 and "第 2 条" in broken.stderr and "record 2" in broken.stderr
    bad = _hazard("judge", str(example), "--record", "--database", db, "--inspector", "x" * 201)
    assert bad.returncode == 1 and bad.stderr.startswith("判定对象有误") and "Traceback" not in bad.stderr
    nowhere = _hazard("log", "show", "abc", "--database", "postgresql://nobody@127.0.0.1:1/none")
    assert nowhere.returncode == 1 and nowhere.stderr.startswith("无法连接数据库")


def test_postgres_is_a_real_server(postgres_url):
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SHOW server_version").fetchone()[0].split(".")[0].isdigit()
        assert conn.info.server_version >= 120000


def _filled_sheet(client: TestClient, kind: str) -> tuple[bytes, list[str]]:
    """The template for a kind of place filled with each example of that kind, and the rows' names."""
    template = client.get("/v1/sheets/template", params={"place_kind": kind, "as_of": AS_OF.isoformat()})
    vocab = client.app.state.rules.bundle.vocabulary
    examples = [(f"{p.stem}号楼", answers(vocab, f)) for p, f in zip(EXAMPLES, FACTS) if f.get(vocab.place_fact) == kind]
    assert examples, kind
    return fill(template.content, [examples[0], ("", {}), *examples[1:]]), [name for name, _ in examples]  # blank: not judged


def test_every_row_of_an_uploaded_sheet_is_recorded_with_its_name(tmp_path):
    client = _client(tmp_path)
    content, names = _filled_sheet(client, "canteen")
    judged = client.post("/v1/sheets/judgements", content=content, headers={"X-Request-ID": "req-sheet",
                         "Content-Type": XLSX_MEDIA_TYPE})
    assert judged.status_code == 200, judged.text
    rows = table(judged.content)[1]
    recorded = client.get("/v1/decisions", params={"request_id": "req-sheet", "limit": 500}).json()["items"]
    assert sorted(d["subject"]["facility_id"] for d in recorded) == sorted(names) == sorted(
        r[NAME_HEADER] for r in rows if r["判定结论"])
    verdicts = {r[NAME_HEADER]: r["判定结果"] for r in rows if r["判定结论"]}
    for decision in recorded:  # each record is the verdict written beside its row, and replays as recorded
        assert LABELS[decision["classification"]] == verdicts[decision["subject"]["facility_id"]]
        assert decision["as_of"] == AS_OF.isoformat() and decision["rules_digest"] == judged.headers["x-rules-digest"]
        assert client.get(f"/v1/decisions/{decision['id']}/replay").json()["identical"]
    assert client.app.state.recorder.log.verify() == (len(names), None)


def test_a_sheet_that_cannot_be_recorded_is_not_answered(tmp_path):
    client = _client(tmp_path)
    content, _ = _filled_sheet(client, "canteen")
    database = client.app.state.recorder.database
    database.write(lambda conn: conn.execute("ALTER TABLE decisions RENAME TO decisions_elsewhere"))
    refused = client.post("/v1/sheets/judgements", content=content, headers={
        "Content-Type": XLSX_MEDIA_TYPE})
    assert refused.status_code == 503 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"].startswith("决定日志不可用") and "x-facilities-judged" not in refused.headers
    database.write(lambda conn: conn.execute("ALTER TABLE decisions_elsewhere RENAME TO decisions"))
    assert client.app.state.recorder.log.verify() == (0, None)


def test_a_sheet_row_whose_name_the_log_cannot_keep_is_refused_naming_the_cell(tmp_path):
    client = _client(tmp_path)
    vocab = client.app.state.rules.bundle.vocabulary
    template = client.get("/v1/sheets/template", params={"place_kind": "canteen", "as_of": AS_OF.isoformat()})
    facts = next(f for f in FACTS if f.get(vocab.place_fact) == "canteen")
    content = fill(template.content, [("一号食堂", answers(vocab, facts)), ("长" * 201, answers(vocab, facts))])
    refused = client.post("/v1/sheets/judgements", content=content, headers={"Content-Type": XLSX_MEDIA_TYPE})
    assert refused.status_code == 422 and refused.json()["cell"] == "A6" and "200" in refused.json()["detail"]
    assert client.app.state.recorder.log.count() == 0  # nothing of the sheet recorded
