"""RFC 9457 problem details: every error the service returns, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import EngineFault, FactError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("hazard.service")


class FieldProblem(BaseModel):
    pointer: str   # JSON Pointer (RFC 6901) into the request body
    detail: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []


def problem_response(status: int, title: str, detail: str, errors: list[FieldProblem] | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, errors=errors or [])
    return JSONResponse(body.model_dump(), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def pointer(*parts: object) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def fact_problems(exc: FactError, *prefix: object) -> list[FieldProblem]:
    return [FieldProblem(pointer=pointer(*prefix, "facts", p.fact), detail=f"{p.zh} / {p.en}") for p in exc.problems]


def _validation_errors(exc: RequestValidationError) -> list[FieldProblem]:
    out = []
    for err in exc.errors():
        loc = [p for p in err.get("loc", ()) if p != "body"]
        out.append(FieldProblem(pointer=pointer(*loc), detail=f"{err.get('msg', '')} ({err.get('type', '')})"))
    return out


def _document(app: FastAPI, facts_schema: Callable[[], dict]) -> None:
    """Every 4xx/5xx in the OpenAPI document is problem+json (FastAPI documents its own 422 as
    JSON), and request facts are described by the active fact vocabulary."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = build()
        spec.setdefault("components", {}).setdefault("schemas", {}).update(
            {name: schema for name, schema in Problem.model_json_schema(ref_template="#/components/schemas/{model}")
             .pop("$defs", {}).items()})
        spec["components"]["schemas"]["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        spec["components"]["schemas"]["Problem"].pop("$defs", None)
        facts = facts_schema()
        facts.pop("$schema", None)
        spec["components"]["schemas"]["Facts"] = facts
        # A single judgement's facts are the vocabulary; a batch item's stay a plain object, as a
        # wrong item there gives an error entry in a 200 response rather than failing the batch.
        spec["components"]["schemas"]["JudgementRequest"]["properties"]["facts"] = {"$ref": "#/components/schemas/Facts"}
        problem = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path in spec.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if status[0] in "45":
                        response["content"] = problem
        for unused in ("HTTPValidationError", "ValidationError"):
            spec["components"]["schemas"].pop(unused, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI, facts_schema: Callable[[], dict]) -> None:
    _document(app, facts_schema)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(422, "请求格式有误 / invalid request", "请求中有字段不符合接口定义 / "
                                "some fields do not match the API", _validation_errors(exc))

    @app.exception_handler(FactError)
    async def _facts(request: Request, exc: FactError) -> JSONResponse:
        return problem_response(422, "事实有误，未作判定 / facts rejected, nothing judged",
                                f"{len(exc.problems)} 个事实有误 / {len(exc.problems)} wrong fact(s)", fact_problems(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {400: "请求体无法解析 / the request body cannot be parsed", 404: "没有该资源 / not found",
                 405: "不支持该方法 / method not allowed"}.get(exc.status_code, str(exc.detail))
        return problem_response(exc.status_code, title, str(exc.detail), headers=exc.headers)

    @app.exception_handler(EngineFault)
    async def _engine(request: Request, exc: EngineFault) -> JSONResponse:
        log.error("engine fault: %s", exc)
        return problem_response(503, "判定引擎故障 / engine fault", "判定引擎暂时无法完成判定，请稍后重试 / "
                                "the engine could not judge; retry later")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem_response(500, "内部错误 / internal error", "服务内部错误，已记录 / internal error, logged")
