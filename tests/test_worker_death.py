"""A server worker killed (SIGKILL) during load: uvicorn's master replaces it; clients see at most
the requests that were in flight on it fail, with a clean connection error, and nothing else.

uvicorn (0.54 here) supervises its workers: every 0.5 s the master pings each one and starts a new
process in place of one that died (uvicorn/supervisors/multiprocess.py, keep_subprocess_alive).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest
import yaml

import engine
from live_server import ROOT, client_ports, copy_rules, running_server, worker_pids

DORMITORY = yaml.safe_load((ROOT / "examples" / "student-dormitory-basement.yaml").read_text(encoding="utf-8"))
AS_OF = "2026-01-15"
CLIENTS = 16


def closed_at(pid: int, server_port: int, limit: float = 10.0) -> float:
    """When the killed process no longer holds any client connection: SIGKILL is not instant
    (a multi-threaded process closes its files when its last thread has exited)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if not client_ports(pid, server_port):
                break
        except OSError:  # gone
            break
        time.sleep(0.001)
    return time.monotonic()


def local_port(response: httpx.Response) -> int | None:
    try:
        return response.extensions["network_stream"].get_extra_info("client_addr")[1]
    except (OSError, KeyError, TypeError):  # the connection is already closed
        return None


@dataclass
class Client:
    port: int | None = None                                   # client side of its current connection
    ok: int = 0
    failures: list[tuple[float, int | None, str]] = field(default_factory=list)  # (sent at, port, error)
    wrong: list[str] = field(default_factory=list)            # answers other than the expected one
    sent_at: float | None = None                              # the request now in flight, if any


def test_killed_worker_is_replaced_and_only_its_in_flight_requests_fail(tmp_path):
    rules = copy_rules(tmp_path / "rules")
    bundle = engine.load(rules)
    want = engine.Engine(bundle, "oracle").judge(DORMITORY, dt.date.fromisoformat(AS_OF)).dump()
    want["provenance"]["evaluator"] = "durable"
    with running_server(rules, workers=2) as (base, proc):
        server_port = int(base.rsplit(":", 1)[1])
        before = worker_pids(proc.pid)
        assert len(before) == 2, before
        clients = [Client() for _ in range(CLIENTS)]
        stop = threading.Event()

        def load(c: Client) -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                while not stop.is_set():
                    c.sent_at = time.monotonic()
                    try:
                        r = http.post("/v1/judgements", json={"facts": DORMITORY, "as_of": AS_OF})
                    except httpx.TransportError as exc:
                        c.failures.append((c.sent_at, c.port, f"{type(exc).__name__}: {exc}"))
                        c.port = None
                        continue
                    finally:
                        c.sent_at = None
                    c.port = local_port(r)
                    if r.status_code == 200 and r.json() == want:
                        c.ok += 1
                    else:
                        c.wrong.append(f"{r.status_code} {r.text[:300]}")

        threads = [threading.Thread(target=load, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        try:
            time.sleep(2)
            # the worker holding most of the clients' connections (the kernel may give it all)
            victim = max(before, key=lambda pid: len(client_ports(pid, server_port)))
            on_victim = client_ports(victim, server_port)
            assert on_victim, "no client connection on either worker"
            ok_before = sum(c.ok for c in clients)
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            gone_at = closed_at(victim, server_port)
            in_flight = {i for i, c in enumerate(clients) if c.sent_at is not None and c.port in on_victim}
            # The master notices within about a second and starts a new worker.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                now = worker_pids(proc.pid)
                if len(now) == 2 and victim not in now:
                    break
                time.sleep(0.1)
            replaced_after = time.monotonic() - killed_at
            after = worker_pids(proc.pid)
            assert len(after) == 2 and victim not in after and set(before) - {victim} <= set(after), (before, after)
            replacement = next(p for p in after if p not in before)
            # The replacement judges: new connections go to either worker (the load's connections
            # stay where they are); find one the replacement accepted and judge on it.
            served_by_replacement = None
            for _ in range(100):
                with httpx.Client(base_url=base, timeout=30) as probe:
                    r = probe.post("/v1/judgements", json={"facts": DORMITORY, "as_of": AS_OF})
                    if local_port(r) in client_ports(replacement, server_port):
                        served_by_replacement = r.status_code == 200 and r.json() == want
                        break
            time.sleep(2)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        failures = [(i, f) for i, c in enumerate(clients) for f in c.failures]
        print(f"\nworker {victim} killed; {len(on_victim)} client connections on it, {len(in_flight)} requests "
              f"in flight there; its connections closed {1000 * (gone_at - killed_at):.1f} ms after the signal; "
              f"replaced by {replacement} after {replaced_after:.2f} s; "
              f"{ok_before} answers before, {sum(c.ok for c in clients)} in all; failures: {failures}")
    assert not any(c.wrong for c in clients), [c.wrong[:2] for c in clients if c.wrong]
    assert served_by_replacement is not None, "the replacement worker never accepted a connection"
    assert served_by_replacement, "the replacement worker judged differently"
    assert sum(c.ok for c in clients) > ok_before + CLIENTS  # everyone carried on after the kill
    # At most the requests in flight on the killed worker failed, each with a connection error.
    assert len(failures) <= len(on_victim)
    for i, (sent_at, port, error) in failures:
        assert port in on_victim, (i, port, on_victim, error)
        assert sent_at <= gone_at, (i, sent_at - killed_at, gone_at - killed_at, error)  # sent to the dying worker
        assert error.split(":")[0] in ("RemoteProtocolError", "ReadError", "WriteError", "ConnectError"), error
    assert all(len(c.failures) <= 1 for c in clients), [c.failures for c in clients]


def test_worker_replaced_while_a_refused_file_is_in_place_serves_the_active_rules(tmp_path):
    """The replacement starts from the rules the server published, not from the directory, which
    still holds the refused edit (loading that, it could not start and would be restarted in a loop)."""
    rules = copy_rules(tmp_path / "rules")
    active = engine.load(rules).digest
    with running_server(rules, workers=2) as (base, proc):
        server_port = int(base.rsplit(":", 1)[1])
        before = worker_pids(proc.pid)
        target = rules / "standards" / "moe-edu-guide" / "2024.yaml"
        target.write_text(target.read_text(encoding="utf-8").replace("id: moe-edu-guide-2024.3.1.2\n", "id: moe-edu-guide-2024.3.1.1\n", 1),
                          encoding="utf-8")
        assert httpx.post(f"{base}/v1/admin/reload", headers={"Authorization": "Bearer test-token"},
                          timeout=60).status_code == 422  # refused: the old rules keep serving
        os.kill(before[0], signal.SIGKILL)
        deadline = time.monotonic() + 15
        replacement = None
        while time.monotonic() < deadline and replacement is None:
            replacement = next((p for p in worker_pids(proc.pid) if p not in before), None)
            time.sleep(0.1)
        time.sleep(5)  # a replacement that fails at start-up has died by now
        after = worker_pids(proc.pid)
        assert replacement in after and len(after) == 2, (before, replacement, after)
        for _ in range(200):  # new connections go to either worker: judge on one the replacement accepted
            with httpx.Client(base_url=base, timeout=30) as probe:
                r = probe.post("/v1/judgements", json={"facts": DORMITORY, "as_of": AS_OF})
                if local_port(r) in client_ports(replacement, server_port):
                    break
        else:
            pytest.fail("the replacement worker never accepted a connection")
        assert r.status_code == 200 and r.headers["x-rules-digest"] == active
