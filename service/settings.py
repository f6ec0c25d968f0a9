"""Service configuration from environment variables, with defaults that serve the bundled rules."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from engine.bundle import BUNDLED_RULES

B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 bearer token characters


class SettingsError(ValueError):
    pass


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: 应为整数 / must be an integer") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value}: 应在 {low}–{high} 之间 / must be within {low}–{high}")
    return value


def _switch(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "on", "true", "yes"):
        return True
    if raw in ("0", "off", "false", "no"):
        return False
    raise SettingsError(f"{name}={raw!r}: 应为 on 或 off / must be on or off")


def _token(token: str | None) -> str | None:
    """A bearer token can only be sent in these characters: any other (e.g. non-ASCII, which
    arrives as Latin-1) would make every reload fail as unauthorised, without saying why."""
    if token is not None and not B64TOKEN.fullmatch(token):
        raise SettingsError("HAZARD_ADMIN_TOKEN 只能含字母、数字与 -._~+/（末尾可有 =）/ "
                            "may hold only letters, digits and -._~+/ (then = padding)")
    return token


def _database_url(url: str | None) -> str | None:
    if url is not None and not url.startswith(("postgresql://", "postgres://")):
        raise SettingsError("HAZARD_DATABASE_URL 应为 postgresql://… 形式的地址 / must be a postgresql://… URL")
    return url


@dataclass(frozen=True)
class Settings:
    rules_dir: Path = BUNDLED_RULES
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    admin_token: str | None = None      # unset: POST /v1/admin/reload is disabled
    max_body_bytes: int = 8_388_608     # JSON requests: a full batch of 1,000 facilities is ~2 MB
    max_stream_bytes: int = 67_108_864  # NDJSON batch streams
    max_batch: int = 1_000              # facilities per JSON batch; more goes as NDJSON
    state_dir: Path | None = None       # shared by one server's workers: the rule store they start from and follow
    build_timeout: int = 60             # seconds to build reloaded rules in a child process first
    keepalive: int = 75                 # seconds an idle connection stays open: longer than clients keep theirs
    access_log: bool = True             # one line per request on stderr (method, path, status, latency, digest, request id)
    decision_log: bool = True           # every judgement recorded before it is answered (engine/decisions)
    database_url: str | None = None     # PostgreSQL for the log and the rule sets (replicas); unset: SQLite in state_dir

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        state = env.get("HAZARD_STATE_DIR")
        return cls(
            rules_dir=Path(env.get("HAZARD_RULES") or cls.rules_dir),
            host=env.get("HAZARD_HOST") or cls.host,
            port=_int(env, "HAZARD_PORT", cls.port, 1, 65535),
            workers=_int(env, "HAZARD_WORKERS", cls.workers, 1, 64),
            admin_token=_token(env.get("HAZARD_ADMIN_TOKEN") or None),
            max_body_bytes=_int(env, "HAZARD_MAX_BODY_BYTES", cls.max_body_bytes, 1024, 1 << 30),
            max_stream_bytes=_int(env, "HAZARD_MAX_STREAM_BYTES", cls.max_stream_bytes, 1024, 1 << 32),
            max_batch=_int(env, "HAZARD_MAX_BATCH", cls.max_batch, 1, 100_000),
            state_dir=Path(state) if state else None,
            build_timeout=_int(env, "HAZARD_BUILD_TIMEOUT", cls.build_timeout, 1, 3600),
            keepalive=_int(env, "HAZARD_KEEPALIVE", cls.keepalive, 1, 3600),
            access_log=_switch(env, "HAZARD_ACCESS_LOG", cls.access_log),
            decision_log=_switch(env, "HAZARD_DECISION_LOG", cls.decision_log),
            database_url=_database_url(env.get("HAZARD_DATABASE_URL") or None),
        )
