"""An NDJSON stream is judged under one rules version from its first line to its last, through a
real server (`hazard serve` over loopback), with a reload in the middle of the stream.

The client reads ten result lines, then reloads edited rules and waits for the reload to be
accepted before it reads the rest. The stream's answer is some 80 MB, far more than the socket
buffers between client and server hold, so the server is held up sending it, and most lines are
judged after the new rules are active: they must still be judged under the rules the stream
began with, the digest its X-Rules-Digest header names (a lease per line judged them under the
new rules, and the header named rules that had not judged them). A request after the stream gets
the new rules.
"""

from __future__ import annotations

import json

import httpx

from live_server import copy_rules, running_server

AS_OF = "2026-01-15"
LINES = 6_000  # each about 13 KB of judgement (every fact missing): ~80 MB in all
AUTH = {"Authorization": "Bearer test-token"}


def test_a_reload_during_a_stream_does_not_change_the_rules_that_judge_it(tmp_path):
    rules = copy_rules(tmp_path / "rules")
    body = "\n".join(json.dumps({"id": f"f{i}", "facts": {}, "as_of": AS_OF}) for i in range(LINES)).encode()
    with running_server(rules) as (base, _), httpx.Client(timeout=300) as client:
        before = client.get(f"{base}/readyz").json()["rules_digest"]
        with client.stream("POST", f"{base}/v1/judgements/stream", content=body,
                           headers={"content-type": "application/x-ndjson"}) as streamed:
            assert streamed.status_code == 200
            named = streamed.headers["x-rules-digest"]
            lines = streamed.iter_lines()
            first = [json.loads(next(lines)) for _ in range(10)]

            guide = rules / "standards" / "moe-edu-guide" / "2024.yaml"
            text = guide.read_text(encoding="utf-8")
            assert "note: 管理类条款" in text
            guide.write_text(text.replace("note: 管理类条款", "note: 流式测试。管理类条款"), encoding="utf-8")
            reloaded = client.post(f"{base}/v1/admin/reload", headers=AUTH)
            assert reloaded.status_code == 200, reloaded.text
            after = reloaded.json()["digest"]
            assert after != before and client.get(f"{base}/readyz").json()["rules_digest"] == after

            rest = [json.loads(line) for line in lines if line]
            size = sum(len(json.dumps(o)) for o in first + rest)
        assert named == before
        results = first + rest
        assert [o["id"] for o in results] == [f"f{i}" for i in range(LINES)]
        assert {o["judgement"]["provenance"]["rules_digest"] for o in results} == {before}
        assert size > 40_000_000  # more than loopback buffers hold: most lines were judged after the reload
        single = client.post(f"{base}/v1/judgements", json={"facts": {}, "as_of": AS_OF})
        assert single.headers["x-rules-digest"] == single.json()["provenance"]["rules_digest"] == after
