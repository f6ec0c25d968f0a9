"""What a route needs from the app, as FastAPI dependencies: the settings, the active rules, and
a lease on one rules version held from before the route runs until its response has gone out
(a stream's last line included), so a reload never changes the rules under a response."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from engine import Engine
from engine.reload.registry import ActiveRules

from .recording import Recorder
from .settings import Settings


def current_settings(request: Request) -> Settings:
    return request.app.state.settings


def active_rules(request: Request) -> ActiveRules:
    return request.app.state.rules


def recorder(request: Request) -> Recorder:
    return request.app.state.recorder


CurrentSettings = Annotated[Settings, Depends(current_settings)]
Recording = Annotated[Recorder, Depends(recorder)]
Rules = Annotated[ActiveRules, Depends(active_rules)]


async def leased_engine(rules: Rules) -> AsyncIterator[Engine]:
    # Async, so it runs on the event loop: a single judgement is judged there too (cheaper than a
    # trip to the thread pool, BENCHMARKS.md).
    with rules.lease() as engine:
        yield engine


# scope="request": released once the response is sent, not when the route function returns.
LeasedEngine = Annotated[Engine, Depends(leased_engine, scope="request")]


def require_admin(settings: CurrentSettings, authorization: Annotated[str | None, Header()] = None) -> None:
    if settings.admin_token is None:
        raise HTTPException(403, "重新加载已停用：未配置 HAZARD_ADMIN_TOKEN / reload disabled: no token configured")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        raise HTTPException(401, "令牌缺失或错误 / missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
