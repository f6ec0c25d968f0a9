"""A real server process for HTTP tests: `hazard serve` on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HAZARD = str(Path(sys.executable).with_name("hazard"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_rules(target: Path) -> Path:
    shutil.copytree(ROOT / "rules", target)
    return target


@contextmanager
def running_server(rules_dir: Path, workers: int = 1, token: str | None = "test-token", **env_extra: str):
    port = free_port()
    env = {**os.environ, "HAZARD_RULES": str(rules_dir), **env_extra}
    env.pop("HAZARD_ADMIN_TOKEN", None)
    if token:
        env["HAZARD_ADMIN_TOKEN"] = token
    log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a full pipe would block the server
    proc = subprocess.Popen([HAZARD, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited early:\n{log.read()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready in 60 s")
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def worker_pids(master: int) -> list[int]:
    """The uvicorn worker processes of a `hazard serve` master: its children started by
    multiprocessing (not its resource tracker, nor anything else)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == master and b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline:
            pids.append(int(entry))
    return sorted(pids)


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS), from /proc (psutil is not a dependency)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def client_ports(pid: int, server_port: int) -> set[int]:
    """Client-side ports of the established TCP connections process `pid` holds to `server_port`."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if state == "01" and inode in inodes and int(local.rsplit(":", 1)[1], 16) == server_port:
                ports.add(int(remote.rsplit(":", 1)[1], 16))
    return ports
