"""HTTP in, engine calls out. No domain knowledge here: everything comes from the bundle."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from engine import (ENGINE_VERSION, Engine, FactError, Judgement, catalogue, judgement_render, list_render, listing,
                    questionnaire, questionnaire_render)
from engine.documents import XLSX_MEDIA_TYPE
from engine.judgement import Detail
from engine.cli import today_in_china
from engine.errors import RuleProblem, format_path
from engine.registry import ActiveRules, ReloadResult

from . import json_body, problems
from .routers import diff, pages
from .access import DIGEST_HEADER, AccessLog, log_access_to_stderr
from .dates import iso_date
from .limits import BodyLimit
from .problems import FieldProblem, Problem, RequestProblem, problem_response
from .settings import Settings

NDJSON = "application/x-ndjson"
NDJSON_TYPES = (NDJSON, "application/jsonl", "application/x-jsonlines")
STREAM_CHUNK = 50  # stream lines judged per trip to the thread pool: a trip per line cost more than the line

IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]


class JudgementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any] = Field(description="事实名 → 值；null 或缺省表示未知 / fact name → value; null or absent is unknown")
    as_of: IsoDate | None = Field(None, description="判定日期，默认中国时区今天 / date, default today in China")


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


PROBLEM = {"description": "RFC 9457 problem details"}  # content set by problems.install
DetailQuery = Annotated[Detail, Query(description=(
    "compact（默认）省去各场所相同的文字（缺口全文、条文出处与说明、事实说明、不适用的标准），可用 /v1/standards/{id}、"
    "/v1/criteria/{id}、/v1/facts 取得；full 全部给出 / compact (default) leaves out text that is the same for every "
    "facility of a kind; full keeps it"))]


def _rule_file_problems(found: list[RuleProblem]) -> list[RuleFileProblem]:
    return [RuleFileProblem(file=p.file, line=p.line, column=p.column, field=format_path(p.path), detail=f"{p.zh} / {p.en}")
            for p in found]


def _reload_info(result: ReloadResult) -> ReloadInfo:
    return ReloadInfo(ok=result.ok, outcome="accepted" if result.ok else "refused", at=result.at, digest=result.digest,
                      problems=_rule_file_problems(result.problems))


class _LeasedStream(StreamingResponse):
    """A streaming response that holds its rules lease until the last line has gone out (or the
    client has gone): every line is judged under the rules its header names."""

    def __init__(self, content: AsyncIterator[bytes], release: Callable[[], None], **kwargs: Any):
        super().__init__(content, **kwargs)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    rules = ActiveRules(settings.rules_dir, store_dir=settings.state_dir, build_timeout=settings.build_timeout)
    app = FastAPI(title="教育系统重大事故隐患判定服务 / Education major hazard judgement service",
                  version=ENGINE_VERSION, docs_url=None, redoc_url=None,  # /docs from this machine: routers/pages.py
                  description="按判定日期有效的标准版本判定场所事实：重大事故隐患 / 一般隐患 / 未发现隐患 / 无法判定。"
                              "错误以 RFC 9457 problem+json 返回。")
    app.state.rules = rules
    app.router.route_class = json_body.CheckedJsonRoute  # before the routes: each checks its JSON body first
    problems.install(app, facts_schema=lambda: catalogue.facts_schema(rules.bundle.vocabulary))
    app.add_middleware(BodyLimit, json_limit=settings.max_body_bytes, stream_limit=settings.max_stream_bytes,
                       stream_path="/v1/judgements/stream")
    if settings.access_log:
        log_access_to_stderr()
    app.add_middleware(AccessLog, digest=lambda: rules.bundle.digest, enabled=settings.access_log)  # outermost

    def judge(facts: dict[str, Any], as_of: dt.date | None) -> Judgement:
        with rules.lease() as engine:
            return engine.judge(facts, as_of or today_in_china())

    @app.post("/v1/judgements", response_model=Judgement, tags=["judgements"],
              responses={413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 503: PROBLEM})
    async def post_judgement(body: JudgementRequest, detail: DetailQuery = "compact") -> Response:
        """判定一个场所 / judge one facility.

        读法：classification 只就已编码的条款而言；coverage.complete 为 false 时（判定日适用于该场所的法规有未编码的部分，
        见 coverage.not_evaluated），none（未发现隐患）与 ordinary（一般隐患）不能告知学校“没有重大事故隐患”，label 会写明
        “判定不完整”。exceptions_pending 是待确认的排除情形：确认成立前要素照常计入。missing_facts.decisive 是能改变结论的
        问题及各回答的作用。/ Read classification together with coverage.complete: when false, none and ordinary speak
        only for the encoded clauses and the label says the judgement is incomplete."""
        # On the event loop, not in the thread pool: one judgement takes less CPU than handing it
        # to a thread and back (BENCHMARKS.md); batches and streams go to the thread pool.
        judgement = judge(body.facts, body.as_of)
        return Response(judgement.dump_json(detail), media_type="application/json",
                        headers={DIGEST_HEADER: judgement.provenance.rules_digest})

    def judge_item(engine: Engine, item: BatchItem, index: int, at: tuple[str, ...] = ("items",)) -> BatchResult:
        """at: where the items are in the body (a JSON batch: /items/<i>; an NDJSON stream: /<line - 1>)."""
        try:
            return BatchResult(id=item.id, judgement=engine.judge(item.facts, item.as_of or today_in_china()))
        except FactError as exc:
            return BatchResult(id=item.id, error=Problem(
                title="事实有误，未作判定 / facts rejected, nothing judged", status=422,
                detail=f"{len(exc.problems)} 个事实有误 / {len(exc.problems)} wrong fact(s)",
                errors=problems.fact_problems(exc, *at, index)))

    @app.post("/v1/judgements/batch", response_model=BatchResponse, tags=["judgements"],
              responses={200: {"content": {"text/html": {}, XLSX_MEDIA_TYPE: {}}},
                         413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 503: PROBLEM})
    def post_batch(body: BatchRequest, detail: DetailQuery = "compact",
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
        with rules.lease() as engine:  # one rules version for the whole batch
            results = [judge_item(engine, item, i) for i, item in enumerate(body.items)]
        if format != "json":
            judged = [(r.id, r.judgement or r.error.detail + "：" + "；".join(e.detail for e in r.error.errors))
                      for r in results]
            headers = {DIGEST_HEADER: engine.bundle.digest}
            if format == "html":
                return HTMLResponse(judgement_render.page(judged), headers=headers)
            return _attachment(judgement_render.spreadsheet(judged), XLSX_MEDIA_TYPE, "judgements.xlsx",
                               "重大事故隐患判定结果.xlsx", headers)
        # serialised here, once: FastAPI would first validate the whole response again
        body_json = b'{"rules_digest":"%s","results":[%s]}' % (
            engine.bundle.digest.encode(), b",".join(r.dump_json(detail) for r in results))
        return Response(body_json, media_type="application/json", headers={DIGEST_HEADER: engine.bundle.digest})

    @app.post("/v1/judgements/stream", tags=["judgements"], response_class=StreamingResponse,
              responses={200: {"content": {NDJSON: {}}, "description": "每行一个 BatchResult / one BatchResult per line"},
                         413: PROBLEM, 415: PROBLEM, 422: PROBLEM},
              openapi_extra={"requestBody": {"required": True, "description": "每行一个 BatchItem / one BatchItem per line",
                                             "content": {NDJSON: {"schema": {"type": "array", "minItems": 1, "items": {
                                                 "$ref": "#/components/schemas/BatchItem"}}}}}})
    async def post_stream(request: Request, detail: DetailQuery = "compact") -> StreamingResponse:
        """NDJSON 流：每行一个 {id, facts, as_of}，结果按行流式返回，条数不限（受 HAZARD_MAX_STREAM_BYTES 限制）。
        整个流由同一版本的规则判定（响应头 X-Rules-Digest）；行号与文本编辑器一致（空行也计数），
        第 n 行的错误指针为 /<n-1>/…；id 不能与前面的行重复。"""
        body = await request.body()
        if not body.strip():
            raise RequestProblem(422, problems.INVALID_REQUEST, "请求体为空：应为每行一个 JSON 对象 / the body is "
                                 "empty: send one JSON object per line")
        json_body.require_media_type(request, NDJSON_TYPES, f"-H 'Content-Type: {NDJSON}'")
        held = ExitStack()
        engine = held.enter_context(rules.lease())  # one rules version from the first line to the last
        return _LeasedStream(_ndjson_results(engine, body, detail), held.close, media_type=NDJSON,
                             headers={DIGEST_HEADER: engine.bundle.digest})

    async def _ndjson_results(engine: Engine, body: bytes, detail: Detail) -> AsyncIterator[bytes]:
        # The body is read whole (within HAZARD_MAX_STREAM_BYTES) before results stream out:
        # Starlette's streaming response listens on the same receive channel for disconnects.
        # Lines are numbered as an editor numbers them: blank lines count, though they judge nothing.
        lines = [(number, line) for number, line in enumerate(body.split(b"\n"), 1) if line.strip()]
        first_seen: dict[str, int] = {}  # id -> the line that used it first
        for start in range(0, len(lines), STREAM_CHUNK):
            yield await run_in_threadpool(_ndjson_chunk, engine, lines[start:start + STREAM_CHUNK], first_seen, detail)

    def _ndjson_chunk(engine: Engine, lines: list[tuple[int, bytes]], first_seen: dict[str, int], detail: Detail) -> bytes:
        return b"".join(_ndjson_line(engine, line, number, first_seen, detail) + b"\n" for number, line in lines)

    def _ndjson_line(engine: Engine, line: bytes, number: int, first_seen: dict[str, int], detail: Detail) -> bytes:
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
        return judge_item(engine, item, at, at=()).dump_json(detail)

    def _line_error(item_id: str, problem: Problem, number: int) -> bytes:
        problem.detail = problem.detail or f"第 {number} 行无效 / line {number} is invalid"
        return BatchResult(id=item_id, error=problem).model_dump_json().encode()

    @app.get("/v1/standards", response_model=list[catalogue.StandardView], tags=["rules"])
    def get_standards(as_of: Annotated[IsoDate | None, Query()] = None) -> Any:
        """各标准及其版本、日期与在该日的状态 / standards, versions, dates and state on a date."""
        return catalogue.standards(rules.bundle, as_of or today_in_china())

    @app.get("/v1/standards/{standard_id}", response_model=catalogue.StandardView, tags=["rules"],
             responses={404: PROBLEM})
    def get_standard(standard_id: str, as_of: Annotated[IsoDate | None, Query()] = None) -> Any:
        for standard in catalogue.standards(rules.bundle, as_of or today_in_china()):
            if standard.id == standard_id:
                return standard
        return problem_response(404, "没有该标准 / no such standard", f"{standard_id}")

    @app.get("/v1/criteria/{criterion_id}", response_model=catalogue.CriterionView, tags=["rules"],
             responses={404: PROBLEM})
    def get_criterion(criterion_id: str) -> Any:
        """一条判定标准：原文、文本状态、判定方法、条件说明 / one criterion."""
        view = catalogue.criterion(rules.bundle, criterion_id)
        return view or problem_response(404, "没有该条款 / no such criterion", criterion_id)

    @app.get("/v1/list", response_model=listing.ListDocument, tags=["rules"],
             responses={200: {"content": {"text/html": {}}}, 404: PROBLEM, 422: PROBLEM})
    def get_list(request: Request, as_of: Annotated[IsoDate | None, Query()] = None,
                 list_id: Annotated[str | None, Query(alias="list")] = None,
                 format: Annotated[Literal["json", "html"] | None, Query()] = None) -> Any:
        """判定日有效的清单：JSON，或供浏览器阅读的 HTML（format=html 或 Accept: text/html）。"""
        bundle = rules.bundle
        chosen = list_id or next(iter(bundle.lists), None)
        if chosen not in bundle.lists:
            return problem_response(404, "没有该清单 / no such list", f"{chosen}（已有：{', '.join(bundle.lists)}）")
        document = listing.list_in_force(bundle, chosen, as_of or today_in_china())
        wants_html = format == "html" or (format is None and request.headers.get("accept", "").startswith("text/html"))
        if wants_html:
            return HTMLResponse(list_render.page(document), headers={DIGEST_HEADER: bundle.digest})
        return Response(document.model_dump_json(), media_type="application/json", headers={DIGEST_HEADER: bundle.digest})

    @app.get("/v1/questionnaire", response_model=questionnaire.Questionnaire, tags=["rules"],
             responses={200: {"content": {"text/html": {}, XLSX_MEDIA_TYPE: {}}}, 422: PROBLEM})
    def get_questionnaire(request: Request, place_kind: Annotated[str, Query()],
                          as_of: Annotated[IsoDate | None, Query()] = None,
                          format: Annotated[Literal["json", "html", "xlsx"] | None, Query()] = None) -> Any:
        """某类场所的现场检查问卷（place_kind 为代码或中文名）：JSON，供打印的 HTML（format=html 或
        Accept: text/html），或 xlsx 表格 / the on-site questionnaire for a kind of place."""
        bundle = rules.bundle
        headers = {DIGEST_HEADER: bundle.digest}
        try:
            document = questionnaire.questionnaire(bundle, place_kind, as_of or today_in_china())
        except questionnaire.UnknownPlaceKind as exc:
            return problem_response(422, "未知场所类型 / unknown place kind", str(exc),
                                    [FieldProblem(pointer=problems.pointer("query", "place_kind"), detail=str(exc))],
                                    headers=headers)
        if format == "xlsx":
            return _attachment(questionnaire_render.spreadsheet(document), XLSX_MEDIA_TYPE,
                               f"questionnaire-{document.place_kind}-{document.as_of}.xlsx",
                               f"现场检查问卷-{document.place_label}-{document.as_of}.xlsx", headers)
        if format == "html" or (format is None and request.headers.get("accept", "").startswith("text/html")):
            return HTMLResponse(questionnaire_render.page(document), headers=headers)
        return Response(document.model_dump_json(), media_type="application/json", headers=headers)

    app.include_router(diff.router)
    pages.install(app)

    openapi_without_place_kinds = app.openapi

    def openapi_with_place_kinds() -> dict:
        """place_kind documented as the active vocabulary's codes and labels (rebuilt after a reload)."""
        if app.openapi_schema:
            return app.openapi_schema
        spec = openapi_without_place_kinds()
        kinds = questionnaire.place_kinds(rules.bundle.vocabulary)
        for parameter in spec["paths"]["/v1/questionnaire"]["get"]["parameters"]:
            if parameter["name"] == "place_kind" and kinds:
                parameter["schema"] = {"type": "string", "enum": [*kinds, *kinds.values()],
                                       "title": "场所类型：代码或中文名 / kind of place: code or Chinese label"}
        return spec

    app.openapi = openapi_with_place_kinds  # type: ignore[method-assign]

    @app.get("/v1/facts", tags=["rules"])
    def get_facts() -> dict[str, Any]:
        """事实词汇表（JSON Schema）/ the fact vocabulary as JSON Schema."""
        return catalogue.facts_schema(rules.bundle.vocabulary)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz", response_model=Readiness, tags=["operations"])
    def readyz(response: Response) -> Readiness:
        """本进程在用的规则，以及最近一次重新加载的尝试（任一工作进程所为）/ the rules this process serves, and the
        latest reload attempt (by any worker)."""
        digest = rules.bundle.digest
        response.headers[DIGEST_HEADER] = digest
        last = rules.last_reload
        return Readiness(ready=True, rules_digest=digest, engine_version=ENGINE_VERSION,
                         active=ActiveInfo(digest=digest, since=rules.active_since, follow_error=rules.follow_error),
                         last_reload=_reload_info(last) if last else None)

    def admin(authorization: Annotated[str | None, Header()] = None) -> None:
        if settings.admin_token is None:
            raise _http(403, "重新加载已停用：未配置 HAZARD_ADMIN_TOKEN / reload disabled: no token configured")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
            raise _http(401, "令牌缺失或错误 / missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})

    @app.post("/v1/admin/reload", response_model=ReloadInfo, tags=["operations"], dependencies=[Depends(admin)],
              responses={401: PROBLEM, 403: PROBLEM, 422: PROBLEM})
    def post_reload(response: Response) -> Any:
        """重新加载规则：全部加载、校验、编译成功后才原子切换；有错则拒绝，旧规则继续服务。"""
        result = rules.reload()
        app.openapi_schema = None  # the fact vocabulary in it may have changed
        if not result.ok:  # no field of the request is wrong: the rule files are, each problem at its file and line
            return problem_response(422, "规则文件有误，未切换 / rule files rejected, previous rules still serving",
                                    "\n".join(str(p) for p in result.problems),
                                    headers={DIGEST_HEADER: rules.bundle.digest},
                                    rule_problems=[p.model_dump() for p in _rule_file_problems(result.problems)])
        response.headers[DIGEST_HEADER] = result.digest
        return _reload_info(result)

    return app


def _attachment(content: bytes, media_type: str, ascii_name: str, name: str, headers: dict[str, str]) -> Response:
    """A file to save: RFC 6266 names it in ASCII and, for clients that read it, in Chinese."""
    disposition = f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name)}'
    return Response(content, media_type=media_type, headers={**headers, "Content-Disposition": disposition})


def _http(status: int, detail: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status_code=status, detail=detail, headers=headers)


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
