"""The decision log over HTTP: search it, read a decision, replay one (under the rules it names,
byte for byte, or under the rules active now, with what changed clause by clause)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from engine.decisions import Decision, DecisionLog
from engine.decisions.replay import Replay, ReplayError, recorded_engine, replay
from engine.method import Classification

from ..access import DIGEST_HEADER
from ..dates import IsoDate
from ..problems import RequestProblem, problem_response
from ..responses import PROBLEM

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])
Text = Annotated[str | None, Query(min_length=1, max_length=200)]


class DecisionSummary(BaseModel):
    id: str
    seq: int = Field(description="在决定日志中的序号（哈希链的次序）/ its place in the log's hash chain")
    request_id: str
    item_id: str | None = Field(description="批量或流中该项的 id；单个判定为 null / the batch item's id")
    received_at: dt.datetime
    as_of: dt.date
    subject: dict[str, str] | None
    classification: Classification
    complete: bool
    criteria: list[str] = Field(description="判定所见各条款 / the findings' criterion ids")
    rules_digest: str
    engine_version: str
    evaluator: str


class DecisionPage(BaseModel):
    items: list[DecisionSummary] = Field(description="新的在前 / newest first")
    next_cursor: int | None = Field(description="下一页：作为 cursor 传回；null 表示没有更多 / pass as cursor for the "
                                                "next page; null: no more")


class DecisionRecord(DecisionSummary):
    facts: dict[str, Any] = Field(description="提交的事实 / the facts as submitted")
    judgement: dict[str, Any] = Field(description="当时的答复（detail=full）/ the judgement answered (detail=full)")
    prev_hash: str
    hash: str


def _log(request: Request) -> DecisionLog:
    log = request.app.state.recorder.log
    if log is None:
        raise RequestProblem(503, "决定日志已关闭 / decision log is off", "本服务未记录判定（HAZARD_DECISION_LOG=off）/ "
                             "this service records no judgements (HAZARD_DECISION_LOG=off)")
    return log


def _decision(request: Request, decision_id: str) -> Decision | None:
    return _log(request).get(decision_id)


def _not_found(decision_id: str) -> Any:
    return problem_response(404, "没有该决定 / no such decision", decision_id)


@router.get("", operation_id="list_decisions", response_model=DecisionPage, responses={422: PROBLEM, 503: PROBLEM})
def list_decisions(request: Request, facility_id: Text = None, school: Text = None, place: Text = None,
                   inspector: Text = None, classification: Annotated[Classification | None, Query()] = None,
                   received_from: Annotated[IsoDate | None, Query(description="收到日期起（含）/ received on or after")] = None,
                   received_to: Annotated[IsoDate | None, Query(description="收到日期止（含）/ received on or before")] = None,
                   request_id: Text = None,
                   cursor: Annotated[int | None, Query(ge=1, description="上一页的 next_cursor / the previous page's "
                                                                          "next_cursor")] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Any:
    """按判定对象、结论、收到日期（UTC）查询决定日志，新的在前，分页 / search the decision log, newest first, by page."""
    subject = {k: v for k, v in (("facility_id", facility_id), ("school", school), ("place", place),
                                 ("inspector", inspector)) if v is not None}
    found = _log(request).find(subject=subject, classification=classification,
                               received_from=received_from.isoformat() if received_from else None,
                               received_to=(received_to + dt.timedelta(days=1)).isoformat() if received_to else None,
                               request_id=request_id, before=cursor, limit=limit + 1)
    page = found[:limit]
    return DecisionPage(items=[DecisionSummary(**d.summary()) for d in page],
                        next_cursor=page[-1].seq if len(found) > limit else None)


@router.get("/{decision_id}", operation_id="get_decision", response_model=DecisionRecord, responses={404: PROBLEM, 503: PROBLEM})
def get_decision(request: Request, decision_id: str) -> Any:
    """一个决定：提交的事实、判定对象、当时的答复、规则摘要、哈希 / one recorded decision."""
    decision = _decision(request, decision_id)
    return DecisionRecord(**decision.full()) if decision else _not_found(decision_id)


@router.get("/{decision_id}/replay", operation_id="replay_decision", response_model=Replay, responses={404: PROBLEM, 409: PROBLEM, 503: PROBLEM})
async def replay_decision(request: Request, decision_id: str, under: Annotated[Literal["recorded", "active"], Query(
        description="recorded（默认）：以决定所记的规则版本重新判定，答复应逐字节相同；active：以现行规则重新判定，"
                    "逐条列出变化 / recorded (default): under the rules the decision names, byte-identical; active: "
                    "under the rules active now, with what changed clause by clause")] = "recorded") -> Any:
    """重新判定一个决定 / replay a recorded decision."""
    decision = _decision(request, decision_id)
    if decision is None:
        return _not_found(decision_id)
    if under == "active":
        with request.app.state.rules.lease() as engine:
            answer = await run_in_threadpool(replay, decision, engine, "active")
    else:
        try:
            answer = await run_in_threadpool(_replay_recorded, _log(request), decision)
        except ReplayError as exc:
            return problem_response(409, "无法以所记规则重新判定 / cannot replay under the recorded rules", str(exc))
    # the replayed judgement kept as judged: FastAPI would validate and re-serialise it
    return Response(answer.model_dump_json(), media_type="application/json", headers={DIGEST_HEADER: answer.rules_digest})


def _replay_recorded(log: DecisionLog, decision: Decision) -> Replay:
    with recorded_engine(log.database, decision) as engine:
        return replay(decision, engine, "recorded")

