"""HTTP in, engine calls out. No domain knowledge here: everything comes from the bundle."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from engine import (ENGINE_VERSION, Engine, FactError, Judgement, catalogue, judgement_render, list_render, listing,
                    questionnaire, questionnaire_render)
from engine.documents import XLSX_MEDIA_TYPE
from engine.judgement import Detail
from engine.cli import today_in_china
from engine.registry import ActiveRules

from . import problems
from .limits import BodyLimit
from .problems import FieldProblem, Problem, problem_response
from .settings import Settings

DIGEST_HEADER = "X-Rules-Digest"
NDJSON = "application/x-ndjson"
STREAM_CHUNK = 50  # stream lines judged per trip to the thread pool: a trip per line cost more than the line


def _iso_date(value: Any) -> Any:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("as_of 应为 YYYY-MM-DD 格式的日期 / as_of must be a YYYY-MM-DD date")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class JudgementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any] = Field(description="事实名 → 值；null 或缺省表示未知 / fact name → value; null or absent is unknown")
    as_of: IsoDate | None = Field(None, description="判定日期，默认中国时区今天 / date, default today in China")


class BatchItem(JudgementRequest):
    id: str = Field(min_length=1, max_length=200, description="调用方的设施编号 / caller's facility id")


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[BatchItem]


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


class ReloadInfo(BaseModel):
    ok: bool
    at: dt.datetime
    digest: str | None
    problems: list[str]


class Readiness(BaseModel):
    ready: bool
    rules_digest: str
    engine_version: str
    last_reload: ReloadInfo


PROBLEM = {"description": "RFC 9457 problem details"}  # content set by problems.install
DetailQuery = Annotated[Detail, Query(description=(
    "compact（默认）省去各场所相同的文字（缺口全文、条文出处与说明、事实说明、不适用的标准），可用 /v1/standards/{id}、"
    "/v1/criteria/{id}、/v1/facts 取得；full 全部给出 / compact (default) leaves out text that is the same for every "
    "facility of a kind; full keeps it"))]


def _reload_info(rules: ActiveRules) -> ReloadInfo:
    r = rules.last_reload
    return ReloadInfo(ok=r.ok, at=r.at, digest=r.digest, problems=r.problems)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    rules = ActiveRules(settings.rules_dir, store_dir=settings.state_dir, build_timeout=settings.build_timeout)
    app = FastAPI(title="教育系统重大事故隐患判定服务 / Education major hazard judgement service",
                  version=ENGINE_VERSION,
                  description="按判定日期有效的标准版本判定场所事实：重大事故隐患 / 一般隐患 / 未发现隐患 / 无法判定。"
                              "错误以 RFC 9457 problem+json 返回。")
    app.state.rules = rules
    problems.install(app, facts_schema=lambda: catalogue.facts_schema(rules.bundle.vocabulary))
    app.add_middleware(BodyLimit, json_limit=settings.max_body_bytes, stream_limit=settings.max_stream_bytes,
                       stream_path="/v1/judgements/stream")

    def judge(facts: dict[str, Any], as_of: dt.date | None) -> Judgement:
        with rules.lease() as engine:
            return engine.judge(facts, as_of or today_in_china())

    @app.post("/v1/judgements", response_model=Judgement, tags=["judgements"],
              responses={400: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM})
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
        """at: where the items are in the body (a JSON batch: /items/<i>; an NDJSON stream: /<i>)."""
        try:
            return BatchResult(id=item.id, judgement=engine.judge(item.facts, item.as_of or today_in_china()))
        except FactError as exc:
            return BatchResult(id=item.id, error=Problem(
                title="事实有误，未作判定 / facts rejected, nothing judged", status=422,
                detail=f"{len(exc.problems)} 个事实有误 / {len(exc.problems)} wrong fact(s)",
                errors=problems.fact_problems(exc, *at, index)))

    @app.post("/v1/judgements/batch", response_model=BatchResponse, tags=["judgements"],
              responses={200: {"content": {"text/html": {}, XLSX_MEDIA_TYPE: {}}},
                         400: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM})
    def post_batch(body: BatchRequest, detail: DetailQuery = "compact",
                   format: Annotated[Literal["json", "html", "xlsx"], Query(description=(
                       "json（默认）；html 可打印的判定书；xlsx 每个场所一行，供官员传阅 / json (default), printable html, "
                       "or xlsx with a row per facility"))] = "json") -> Response:
        """多个场所（每个带自己的 id 与 as_of），结果顺序与请求一致；单个场所的事实有误只影响该条。
        每批最多 HAZARD_MAX_BATCH 条（默认 1000）；更多请用 /v1/judgements/stream。"""
        if len(body.items) > settings.max_batch:
            return problem_response(413, "批量过大 / batch too large",
                                    f"每批最多 {settings.max_batch} 条，更多请用 /v1/judgements/stream（NDJSON）/ at most "
                                    f"{settings.max_batch} items; send more to /v1/judgements/stream as NDJSON")
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
                         413: PROBLEM, 422: PROBLEM},
              openapi_extra={"requestBody": {"required": True, "description": "每行一个 BatchItem / one BatchItem per line",
                                             "content": {NDJSON: {"schema": {"type": "array", "items": {
                                                 "$ref": "#/components/schemas/BatchItem"}}}}}})
    async def post_stream(request: Request, detail: DetailQuery = "compact") -> StreamingResponse:
        """NDJSON 流：每行一个 {id, facts, as_of}，结果按行流式返回，条数不限（受 HAZARD_MAX_STREAM_BYTES 限制）。"""
        body = await request.body()
        return StreamingResponse(_ndjson_results(body, detail), media_type=NDJSON,
                                 headers={DIGEST_HEADER: rules.bundle.digest})

    async def _ndjson_results(body: bytes, detail: Detail) -> AsyncIterator[bytes]:
        # The body is read whole (within HAZARD_MAX_STREAM_BYTES) before results stream out:
        # Starlette's streaming response listens on the same receive channel for disconnects.
        lines = [line for line in body.split(b"\n") if line.strip()]
        for start in range(0, len(lines), STREAM_CHUNK):
            yield await run_in_threadpool(_ndjson_chunk, lines[start:start + STREAM_CHUNK], start, detail)

    def _ndjson_chunk(lines: list[bytes], first: int, detail: Detail) -> bytes:
        return b"".join(_ndjson_line(line, first + offset, detail) for offset, line in enumerate(lines))

    def _ndjson_line(line: bytes, index: int, detail: Detail) -> bytes:
        try:
            item = BatchItem.model_validate_json(line)
        except ValidationError as exc:
            errors = [FieldProblem(pointer=problems.pointer(index, *e["loc"]), detail=e["msg"]) for e in exc.errors()]
            result = BatchResult(id=f"#{index + 1}", error=Problem(
                title="请求格式有误 / invalid line", status=422,
                detail=f"第 {index + 1} 行无效 / line {index + 1} is invalid", errors=errors))
        else:
            with rules.lease() as engine:
                result = judge_item(engine, item, index, at=())
        return result.dump_json(detail) + b"\n"

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
        digest = rules.bundle.digest
        response.headers[DIGEST_HEADER] = digest
        return Readiness(ready=True, rules_digest=digest, engine_version=ENGINE_VERSION,
                         last_reload=_reload_info(rules))

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
        info = _reload_info(rules)
        if not result.ok:
            return problem_response(422, "规则文件有误，未切换 / rule files rejected, previous rules still serving",
                                    "\n".join(result.problems),
                                    [FieldProblem(pointer="", detail=p) for p in result.problems],
                                    headers={DIGEST_HEADER: rules.bundle.digest})
        response.headers[DIGEST_HEADER] = result.digest
        return info

    return app


def _attachment(content: bytes, media_type: str, ascii_name: str, name: str, headers: dict[str, str]) -> Response:
    """A file to save: RFC 6266 names it in ASCII and, for clients that read it, in Chinese."""
    disposition = f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name)}'
    return Response(content, media_type=media_type, headers={**headers, "Content-Disposition": disposition})


def _http(status: int, detail: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status_code=status, detail=detail, headers=headers)
