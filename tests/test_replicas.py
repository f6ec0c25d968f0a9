"""Two replicas sharing nothing but a PostgreSQL database (each its own rules directory and state
directory, as on two machines), under load, with a reload accepted on one of them and one refused
on the other: the second follows the first (LISTEN/NOTIFY), every answer names a digest that was
active, and every answered judgement, whichever replica answered it, is in the one shared log,
whose chain holds. A replica joining serves the rules the database names active, not its own
directory's."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from engine.decisions import Database, DecisionLog
from live_server import copy_rules, running_server

AS_OF = "2026-01-15"
AUTH = {"Authorization": "Bearer test-token"}
CLIENTS_PER_REPLICA = 3


@dataclass
class Answers:
    got: list[tuple[float, str, int, str | None]] = field(default_factory=list)  # (sent at, request id, status, digest)
    errors: list[str] = field(default_factory=list)


def _edit(rules, old: str, new: str) -> None:
    guide = rules / "standards" / "moe-edu-guide" / "2024.yaml"
    text = guide.read_text(encoding="utf-8")
    assert old in text
    guide.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_two_replicas_share_the_log_the_rule_sets_and_the_active_one(tmp_path, postgres_url):
    rules_a, rules_b = copy_rules(tmp_path / "a" / "rules"), copy_rules(tmp_path / "b" / "rules")
    _edit(rules_b, "note: 管理类条款", "note: 乙机目录中的改动。管理类条款")  # never published: B must not serve it
    env = {"HAZARD_DATABASE_URL": postgres_url, "HAZARD_ACCESS_LOG": "off"}
    with running_server(rules_a, workers=2, HAZARD_STATE_DIR=str(tmp_path / "a" / "state"), **env) as (base_a, _), \
            running_server(rules_b, workers=1, HAZARD_STATE_DIR=str(tmp_path / "b" / "state"), **env) as (base_b, _):
        first = httpx.get(f"{base_a}/readyz").json()["rules_digest"]
        assert httpx.get(f"{base_b}/readyz").json()["rules_digest"] == first

        stop = threading.Event()
        answers = {base_a: Answers(), base_b: Answers()}

        def load(base: str) -> None:
            mine = answers[base]
            with httpx.Client(base_url=base, timeout=60) as http:
                while not stop.is_set():
                    request_id = uuid.uuid4().hex
                    sent = time.monotonic()
                    try:
                        r = http.post("/v1/judgements", json={"facts": {}, "as_of": AS_OF,
                                                              "subject": {"facility_id": request_id[:8]}},
                                      headers={"X-Request-ID": request_id})
                    except httpx.HTTPError as exc:
                        mine.errors.append(repr(exc))
                        continue
                    digest = r.json()["provenance"]["rules_digest"] if r.status_code == 200 else None
                    assert digest is None or r.headers["x-rules-digest"] == digest
                    mine.got.append((sent, request_id, r.status_code, digest))

        threads = [threading.Thread(target=load, args=(base,)) for base in (base_a, base_b)
                   for _ in range(CLIENTS_PER_REPLICA)]
        for t in threads:
            t.start()
        try:
            time.sleep(3)
            _edit(rules_b, "id: moe-edu-guide-2024.3.1.2\n", "id: moe-edu-guide-2024.3.1.1\n")  # a repeated id: B's reload is refused
            refused = httpx.post(f"{base_b}/v1/admin/reload", headers=AUTH, timeout=120)
            assert refused.status_code == 422, refused.text
            _edit(rules_a, "note: 管理类条款", "note: 复制测试。管理类条款")
            reloaded = httpx.post(f"{base_a}/v1/admin/reload", headers=AUTH, timeout=120)
            accepted_at = time.monotonic()
            assert reloaded.status_code == 200, reloaded.text
            second = reloaded.json()["digest"]
            assert second != first
            deadline = accepted_at + 30
            while httpx.get(f"{base_b}/readyz").json()["rules_digest"] != second:
                assert time.monotonic() < deadline, "replica B never followed the reload"
                time.sleep(0.02)
            followed_after = time.monotonic() - accepted_at
            followed_at = time.monotonic()
            time.sleep(3)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=120)
        readiness_b = httpx.get(f"{base_b}/readyz").json()
        shared_view = httpx.get(f"{base_b}/v1/decisions", params={"limit": 1}).json()["items"]

    everything = [a for base in answers for a in answers[base].got]
    assert not any(answers[b].errors for b in answers), {b: answers[b].errors[:3] for b in answers}
    assert everything and all(status == 200 for _, _, status, _ in everything), \
        [a for a in everything if a[2] != 200][:3]
    assert {digest for *_, digest in everything} == {first, second}  # never B's own directory, never a refused set
    late = [a for a in answers[base_b].got if a[0] > followed_at]
    assert late and {digest for *_, digest in late} == {second}
    assert readiness_b["last_reload"]["ok"] and readiness_b["last_reload"]["digest"] == second  # A's, seen by B

    log = DecisionLog(Database(postgres_url))
    recorded = {d.request_id: d for d in log.all()}
    answered = {request_id for _, request_id, _, _ in everything}
    assert answered <= set(recorded), f"{len(answered - set(recorded))} answered judgements missing from the log"
    assert log.verify() == (len(recorded), None)
    assert {d.rules_digest for d in recorded.values()} == {first, second}
    assert {r[0] for r in log.database.query("SELECT digest FROM rule_sets")} == {first, second}
    assert shared_view and shared_view[0]["id"] in {d.id for d in recorded.values()}
    by_replica = {base: len(answers[base].got) for base in answers}
    print(f"\ntwo replicas (2 + 1 workers), one PostgreSQL: {len(everything)} judgements answered and recorded "
          f"({json.dumps(list(by_replica.values()))} by A, B), {len(recorded)} in the log, chain intact; "
          f"B followed A's reload {1000 * followed_after:.0f} ms after it was accepted; a reload refused on B "
          f"changed nothing")
