"""POST /v1/judgements, /v1/judgements/batch and /v1/judgements/stream: facilities judged under
one rules version each request (the lease, service.dependencies)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from engine import Engine, FactError, Judgement
from engine.clock import today_in_china
from engine.decisions import Subject
from engine.judgement import Detail
from engine.present import judgements as judgement_documents
from engine.present.documents import XLSX_MEDIA_TYPE

from .. import json_body, problems
from ..access import DIGEST_HEADER
from ..dates import IsoDate
from ..dependencies import CurrentSettings, LeasedEngine, Recording
from ..problems import FieldProblem, Problem, RequestProblem, problem_response
from ..recording import DECISION_HEADER, Recorder
from ..responses import OCTETS, PROBLEM, attachment

NDJSON = "application/x-ndjson"
NDJSON_TYPES = (NDJSON, "application/jsonl", "application/x-jsonlines", OCTETS)
STREAM_CHUNK = 50  # stream lines judged per trip to the thread pool: a trip per line cost more than the line

router = APIRouter(prefix="/v1/judgements", tags=["judgements"], route_class=json_body.CheckedJsonRoute)


class JudgementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any] = Field(description="事实名 → 值；null 或缺省表示未知 / fact name → value; null or absent is unknown")
    as_of: IsoDate | None = Field(None, description="判定日期，默认中国时区今天 / date, default today in China")
    subject: Subject | None = Field(None, description=(
        "判定对象（记入决定日志，可按其查询；批量中缺省 facility_id 时取 id）/ what is judged, as recorded in the "
        "decision log and searched by (in a batch, facility_id defaults to the item's id)"))


class BatchItem(JudgementRequest):
    id: str = Field(min_length=1, max_length=200, description="调用方的设施编号 / caller's facility id")


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[BatchItem] = Field(description="每个场所的 id 须唯一 / each item's id must be unique")


class BatchResult(BaseModel):
    id: str
    judgement: Judgement | None = None
    error: Problem | None = None

    def dump_json(self, detail: Detail) -> bytes:
        """As JSON, the judgement in the requested detail."""
        if self.judgement is None:
            return self.model_dump_json().encode()
        head = self.model_dump_json(include={"id"})[:-1]
        return f'{head},"judgement":{self.judgement.dump_json(detail)},"error":null}}'.encode()


class BatchResponse(BaseModel):
    rules_digest: str
    results: list[BatchResult]


DetailQuery = Annotated[Detail, Query(description=(
    "compact（默认）省去各场所相同的文字（缺口全文、条文出处与说明、事实说明、不适用的标准），可用 /v1/standards/{id}、"
    "/v1/criteria/{id}、/v1/facts 取得；full 全部给出 / compact (default) leaves out text that is the same for every "
    "facility of a kind; full keeps it"))]


@router.post("", operation_id="judge", response_model=Judgement,
             responses={413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 503: PROBLEM})
async def judge(request: Request, body: JudgementRequest, engine: LeasedEngine, recorder: Recording,
                detail: DetailQuery = "compact") -> Response:
    """判定一个场所 / judge one facility.

    读法：classification 只就已编码的条款而言；coverage.complete 为 false 时（判定日适用于该场所的法规有未编码的部分，
    见 coverage.not_evaluated），none（未发现隐患）与 ordinary（一般隐患）不能告知学校“没有重大事故隐患”，label 会写明
    “判定不完整”。exceptions_pending 是待确认的排除情形：确认成立前要素照常计入。missing_facts.decisive 是能改变结论的
    问题及各回答的作用。/ Read classification together with coverage.complete: when false, none and ordinary speak
    only for the encoded clauses and the label says the judgement is incomplete."""
    # On the event loop, not in the thread pool: one judgement takes less CPU than handing it
    # to a thread and back (BENCHMARKS.md); batches and streams go to the thread pool.
    received = _now()
    judgement = engine.judge(body.facts, body.as_of or today_in_china())
    decision = recorder.decision(request, received, judgement, body.facts, body.subject)
    await recorder.record([decision])  # committed before the answer leaves
    headers = {DIGEST_HEADER: judgement.provenance.rules_digest}
    if decision:
        headers[DECISION_HEADER] = decision.id
    return Response(judgement.dump_json(detail), media_type="application/json", headers=headers)


def _judge_item(engine: Engine, item: BatchItem, index: int, at: tuple[str, ...] = ("items",)) -> BatchResult:
    """at: where the items are in the body (a JSON batch: /items/<i>; an NDJSON stream: /<line - 1>)."""
    try:
        return BatchResult(id=item.id, judgement=engine.judge(item.facts, item.as_of or today_in_china()))
    except FactError as exc:
        return BatchResult(id=item.id, error=Problem(
            title="事实有误，未作判定 / facts rejected, nothing judged", status=422,
            detail=f"{len(exc.problems)} 个事实有误 / {len(exc.problems)} wrong fact(s)",
            errors=problems.fact_problems(exc, *at, index)))


@router.post("/batch", operation_id="judge_batch", response_model=BatchResponse,
             responses={200: {"content": {"text/html": {}, XLSX_MEDIA_TYPE: {}}},
                        413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 503: PROBLEM})
def judge_batch(request: Request, body: BatchRequest, engine: LeasedEngine, settings: CurrentSettings,
                recorder: Recording, detail: DetailQuery = "compact",
                format: Annotated[Literal["json", "html", "xlsx"], Query(description=(
                    "json（默认）；html 可打印的判定书；xlsx 每个场所一行，供官员传阅 / json (default), printable html, "
                    "or xlsx with a row per facility"))] = "json") -> Response:
    """多个场所（每个带自己的 id 与 as_of），结果顺序与请求一致；单个场所的事实有误只影响该条。
    每批最多 HAZARD_MAX_BATCH 条（默认 1000）；更多请用 /v1/judgements/stream。id 不能重复。"""
    if len(body.items) > settings.max_batch:
        return problem_response(413, "批量过大 / batch too large",
                                f"每批最多 {settings.max_batch} 条，更多请用 /v1/judgements/stream（NDJSON）/ at most "
                                f"{settings.max_batch} items; send more to /v1/judgements/stream as NDJSON")
    repeated = _repeated_ids(body.items)
    if repeated:
        return problem_response(422, "批量中有重复的 id / ids repeated in the batch",
                                f"{len(repeated)} 个场所的 id 与前面的重复 / {len(repeated)} item(s) repeat an earlier "
                                "item's id", repeated)
    received = _now()
    results = [_judge_item(engine, item, i) for i, item in enumerate(body.items)]  # one rules version: the lease
    recorder.record_blocking([recorder.decision(request, received, r.judgement, item.facts, item.subject, item.id)
                              for item, r in zip(body.items, results) if r.judgement])
    headers = {DIGEST_HEADER: engine.bundle.digest}
    if format != "json":
        judged = [(r.id, r.judgement or r.error.detail + "：" + "；".join(e.detail for e in r.error.errors))
                  for r in results]
        if format == "html":
            return HTMLResponse(judgement_documents.page(judged), headers=headers)
        return attachment(judgement_documents.spreadsheet(judged), XLSX_MEDIA_TYPE, "judgements.xlsx",
                          "重大事故隐患判定结果.xlsx", headers)
    # serialised here, once: FastAPI would first validate the whole response again
    body_json = b'{"rules_digest":"%s","results":[%s]}' % (
        engine.bundle.digest.encode(), b",".join(r.dump_json(detail) for r in results))
    return Response(body_json, media_type="application/json", headers=headers)


def _repeated_ids(items: list[BatchItem]) -> list[FieldProblem]:
    first: dict[str, int] = {}
    repeated = []
    for i, item in enumerate(items):
        if item.id in first:
            repeated.append(FieldProblem(pointer=problems.pointer("items", i, "id"),
                                         detail=f"id “{item.id}” 与 /items/{first[item.id]}/id 相同：每个场所的 id 须唯一 / "
                                                f"the id '{item.id}' is also /items/{first[item.id]}/id: ids must be unique"))
        else:
            first[item.id] = i
    return repeated


@router.post("/stream", operation_id="judge_stream", response_class=StreamingResponse,
             responses={200: {"content": {NDJSON: {}}, "description": "每行一个 BatchResult / one BatchResult per line"},
                        413: PROBLEM, 415: PROBLEM, 422: PROBLEM},
             openapi_extra={"requestBody": {"required": True, "description": "每行一个 BatchItem / one BatchItem per line",
                                            "content": {NDJSON: {"schema": {"type": "array", "minItems": 1, "items": {
                                                "$ref": "#/components/schemas/BatchItem"}}},
                                                OCTETS: {"schema": {"type": "string", "format": "binary",
                                                                    "minLength": 1}}}}})
async def judge_stream(request: Request, engine: LeasedEngine, recorder: Recording,
                       detail: DetailQuery = "compact") -> StreamingResponse:
    """NDJSON 流：每行一个 {id, facts, as_of}，结果按行流式返回，条数不限（受 HAZARD_MAX_STREAM_BYTES 限制）。
    整个流由同一版本的规则判定（响应头 X-Rules-Digest）；行号与文本编辑器一致（空行也计数），
    第 n 行的错误指针为 /<n-1>/…；id 不能与前面的行重复。"""
    body = await request.body()
    if not body.strip():
        raise RequestProblem(422, problems.INVALID_REQUEST, "请求体为空：应为每行一个 JSON 对象 / the body is "
                             "empty: send one JSON object per line")
    json_body.require_media_type(request, NDJSON_TYPES, f"-H 'Content-Type: {NDJSON}'")
    # The lease is held until the last line has gone out: every line is judged under the rules
    # the header names.
    return StreamingResponse(_ndjson_results(request, recorder, engine, body, detail), media_type=NDJSON,
                             headers={DIGEST_HEADER: engine.bundle.digest})


async def _ndjson_results(request: Request, recorder: Recorder, engine: Engine, body: bytes,
                          detail: Detail) -> AsyncIterator[bytes]:
    # The body is read whole (within HAZARD_MAX_STREAM_BYTES) before results stream out:
    # Starlette's streaming response listens on the same receive channel for disconnects.
    # Lines are numbered as an editor numbers them: blank lines count, though they judge nothing.
    lines = [(number, line) for number, line in enumerate(body.split(b"\n"), 1) if line.strip()]
    first_seen: dict[str, int] = {}  # id -> the line that used it first
    received = _now()
    for start in range(0, len(lines), STREAM_CHUNK):
        judged: list[tuple[BatchItem, Judgement]] = []
        chunk = await run_in_threadpool(_ndjson_chunk, engine, lines[start:start + STREAM_CHUNK], first_seen,
                                        detail, judged)
        try:  # each chunk's lines committed before they go out; the stream ends at a failure, saying so
            await recorder.record([recorder.decision(request, received, j, item.facts, item.subject, item.id)
                                   for item, j in judged])
        except RequestProblem as exc:
            yield _line_error("#log", exc.problem(), lines[start][0]) + b"\n"
            return
        yield chunk


def _ndjson_chunk(engine: Engine, lines: list[tuple[int, bytes]], first_seen: dict[str, int], detail: Detail,
                  judged: list[tuple[BatchItem, Judgement]]) -> bytes:
    return b"".join(_ndjson_line(engine, line, number, first_seen, detail, judged) + b"\n" for number, line in lines)


def _ndjson_line(engine: Engine, line: bytes, number: int, first_seen: dict[str, int], detail: Detail,
                 judged: list[tuple[BatchItem, Judgement]]) -> bytes:
    at = number - 1  # the pointer's index: the line's, counted from 0 like every JSON pointer index
    try:
        raw = json_body.decode(line, number, at)
        item = BatchItem.model_validate(raw)
    except RequestProblem as exc:  # its detail names the line when the line is not JSON
        problem = exc.problem()
        if "line" not in exc.extensions:
            zh, _, en = problem.detail.partition(" / ")
            problem.detail = f"第 {number} 行：{zh} / line {number}: {en}"
        return _line_error(f"#{number}", problem, number)
    except ValidationError as exc:
        said = raw.get("id") if isinstance(raw, dict) else None
        errors = problems.request_problems(exc.errors(include_url=False), at)
        return _line_error(said if isinstance(said, str) and said else f"#{number}",
                           Problem(title=problems.INVALID_REQUEST, status=422, detail="", errors=errors), number)
    if item.id in first_seen:
        return _line_error(item.id, Problem(
            title="id 与前面的行重复 / id repeated", status=422, detail="",
            errors=[FieldProblem(pointer=problems.pointer(at, "id"),
                                 detail=f"第 {number} 行的 id “{item.id}” 与第 {first_seen[item.id]} 行相同，未作判定 / "
                                        f"line {number} repeats the id '{item.id}' of line {first_seen[item.id]}; "
                                        "not judged")]), number)
    first_seen[item.id] = number
    result = _judge_item(engine, item, at, at=())
    if result.judgement:
        judged.append((item, result.judgement))
    return result.dump_json(detail)


def _line_error(item_id: str, problem: Problem, number: int) -> bytes:
    problem.detail = problem.detail or f"第 {number} 行无效 / line {number} is invalid"
    return BatchResult(id=item_id, error=problem).model_dump_json().encode()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
