"""Operations: liveness, readiness (the rules this worker serves, the latest reload attempt), and
the reload of the rules behind a bearer token."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from engine import ENGINE_VERSION
from engine.errors import RuleProblem, format_path
from engine.reload.registry import ReloadResult

from .. import json_body
from ..access import DIGEST_HEADER
from ..dependencies import Rules, require_admin
from ..problems import problem_response
from ..responses import PROBLEM

router = APIRouter(route_class=json_body.CheckedJsonRoute)


class RuleFileProblem(BaseModel):
    file: str
    line: int | None
    column: int | None
    field: str
    detail: str  # Chinese / English


class ReloadInfo(BaseModel):
    """One reload attempt, by whichever worker took it."""

    ok: bool
    outcome: Literal["accepted", "refused"]
    at: dt.datetime
    digest: str | None = Field(description="启用的规则摘要（被拒绝时为 null）/ the digest activated (null if refused)")
    problems: list[RuleFileProblem]


class ActiveInfo(BaseModel):
    digest: str
    since: dt.datetime = Field(description="本进程启用这些规则的时间 / when this process began serving them")
    follow_error: str | None = Field(description="另一进程发布的规则未能启用的原因 / why rules another process "
                                                 "published could not be followed")


class Readiness(BaseModel):
    ready: bool
    rules_digest: str
    engine_version: str
    active: ActiveInfo
    last_reload: ReloadInfo | None = Field(description="最近一次重新加载的尝试（接受或拒绝；尚无则为 null）/ the latest "
                                                       "reload attempt, accepted or refused (null before the first)")


def rule_file_problems(found: list[RuleProblem]) -> list[RuleFileProblem]:
    return [RuleFileProblem(file=p.file, line=p.line, column=p.column, field=format_path(p.path), detail=f"{p.zh} / {p.en}")
            for p in found]


def _reload_info(result: ReloadResult) -> ReloadInfo:
    return ReloadInfo(ok=result.ok, outcome="accepted" if result.ok else "refused", at=result.at, digest=result.digest,
                      problems=rule_file_problems(result.problems))


@router.get("/healthz", operation_id="healthz", tags=["health"])
def healthz() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/readyz", operation_id="readyz", response_model=Readiness, tags=["health"])
def readyz(response: Response, rules: Rules) -> Readiness:
    """本进程在用的规则，以及最近一次重新加载的尝试（任一工作进程所为）/ the rules this process serves, and the
    latest reload attempt (by any worker)."""
    digest = rules.bundle.digest
    response.headers[DIGEST_HEADER] = digest
    last = rules.last_reload
    return Readiness(ready=True, rules_digest=digest, engine_version=ENGINE_VERSION,
                     active=ActiveInfo(digest=digest, since=rules.active_since, follow_error=rules.follow_error),
                     last_reload=_reload_info(last) if last else None)


@router.post("/v1/admin/reload", operation_id="reload_rules", response_model=ReloadInfo, tags=["admin"],
             dependencies=[Depends(require_admin)], responses={401: PROBLEM, 403: PROBLEM, 422: PROBLEM})
def reload_rules(request: Request, response: Response, rules: Rules) -> Any:
    """重新加载规则：全部加载、校验、编译成功后才原子切换；有错则拒绝，旧规则继续服务。"""
    result = rules.reload()
    request.app.openapi_schema = None  # the fact vocabulary in it may have changed
    if not result.ok:  # no field of the request is wrong: the rule files are, each problem at its file and line
        return problem_response(422, "规则文件有误，未切换 / rule files rejected, previous rules still serving",
                                "\n".join(str(p) for p in result.problems),
                                headers={DIGEST_HEADER: rules.bundle.digest},
                                rule_problems=[p.model_dump() for p in rule_file_problems(result.problems)])
    response.headers[DIGEST_HEADER] = result.digest
    return _reload_info(result)
