"""Nothing answered is lost: a server of two workers under load, one of them killed (SIGKILL)
mid-stream of commits; afterwards every judgement a client received an answer for is in the
log (SQLite under the state directory, or PostgreSQL), and the chain the two workers and the
replacement appended to together holds."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import httpx
import pytest
import yaml

from engine.decisions import Database, DecisionLog
from engine.decisions.database import SQLITE_FILE
from live_server import ROOT, client_ports, copy_rules, running_server, worker_pids

AS_OF = "2026-01-15"
CLIENTS = 8
DORMITORY = yaml.safe_load((ROOT / "examples" / "student-dormitory-basement.yaml").read_text(encoding="utf-8"))


def wait_for(condition, seconds: float = 120) -> None:
    """Until condition() holds (a busy shared machine answers at its own pace)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_answered_judgement_survives_a_killed_worker(tmp_path, request, backend):
    rules = copy_rules(tmp_path / "rules")
    state = tmp_path / "state"
    env = {"HAZARD_STATE_DIR": str(state), "HAZARD_ACCESS_LOG": "off"}
    if backend == "postgresql":
        env["HAZARD_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    answered: list[str] = []
    failed: list[str] = []
    with running_server(rules, workers=2, **env) as (base, proc):
        server_port = int(base.rsplit(":", 1)[1])
        before = worker_pids(proc.pid)
        stop = threading.Event()

        def load(k: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                n = 0
                while not stop.is_set():
                    request_id = f"c{k}-{n}-{uuid.uuid4().hex[:6]}"
                    n += 1
                    try:  # a batch of 10: its decisions committed together, with other requests' waiting
                        r = http.post("/v1/judgements/batch", headers={"X-Request-ID": request_id},
                                      json={"items": [{"id": str(i), "facts": DORMITORY, "as_of": AS_OF}
                                                      for i in range(10)]})
                    except httpx.TransportError as exc:
                        failed.append(f"{type(exc).__name__}")
                        continue
                    if r.status_code == 200:
                        answered.append(request_id)
                    else:
                        failed.append(f"{r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=load, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: len(answered) >= 2 * CLIENTS)
            victim = max(before, key=lambda pid: len(client_ports(pid, server_port)))
            answered_before = len(answered)
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (len(worker_pids(proc.pid)) < 2 or victim in worker_pids(proc.pid)):
                time.sleep(0.1)
            wait_for(lambda: len(answered) >= answered_before + 2 * CLIENTS)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=120)
    log = DecisionLog(Database(env.get("HAZARD_DATABASE_URL") or state / SQLITE_FILE))
    recorded = log.request_ids()
    lost = [r for r in answered if r not in recorded]
    checked, broken = log.verify()
    print(f"\n{backend}: {len(answered)} batches answered ({answered_before} before the kill), {len(failed)} failed "
          f"(connections of the killed worker), {checked} decisions in the log")
    assert answered_before > 0 and len(answered) > answered_before
    assert not lost, f"{len(lost)} answered batches not in the log"
    assert broken is None and checked >= 10 * len(answered)
    assert all(f.split(":")[0] in ("RemoteProtocolError", "ReadError", "WriteError", "ConnectError") for f in failed), \
        failed[:3]
