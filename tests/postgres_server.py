"""A real PostgreSQL server for the tests, from the binaries the project's setup installs (the
Debian postgresql package: `make test` installs it first). initdb refuses to run as root: as
root the cluster belongs to the `postgres` user the package creates, and the server runs as it."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from live_server import free_port


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        raise RuntimeError("找不到 PostgreSQL（initdb）：请先运行 make test，它会安装 Debian 的 postgresql 包 / "
                           "PostgreSQL (initdb) not found: `make test` installs the Debian postgresql package")
    return Path(initdb).parent


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def running_postgres() -> Iterator[str]:
    """A fresh cluster on a free loopback port; its admin URL (database postgres)."""
    bin_dir = binaries()
    home = Path(tempfile.mkdtemp(prefix="hazard-pg-"))
    data, sockets = home / "data", home / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                              "--encoding=UTF8", "--no-locale"]), check=True, capture_output=True, text=True)
    subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-w",
                              "-t", "60", "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 "
                                                "-c max_connections=200", "start"]),
                   check=True, capture_output=True, text=True)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(url, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def new_database(admin_url: str) -> str:
    """A new, empty database on the server; its URL."""
    name = f"hazard_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
