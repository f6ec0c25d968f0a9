"""RFC 9457 problem details: every error the service returns, never a traceback.

Each names what is wrong in Chinese, then in English; a wrong field of the body by JSON pointer,
a wrong query parameter by name. An unexpected exception becomes a 500 problem in service.access,
the outermost layer, so that it too carries the rules digest and the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import EngineFault, FactError

from .request_words import in_words

MEDIA_TYPE = "application/problem+json"
INVALID_REQUEST = "请求格式有误 / invalid request"
log = logging.getLogger("hazard.service")


class FieldProblem(BaseModel):
    pointer: str   # JSON Pointer (RFC 6901) into the request body ("" is the whole body)
    detail: str


class ParameterProblem(BaseModel):
    parameter: str  # a query or path parameter, by name
    detail: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem | ParameterProblem] = []


class RequestProblem(Exception):
    """A request refused before anything was judged (its body, its media type); extensions are
    further members of the problem (RFC 9457 §3.2), e.g. the line and column of a JSON syntax error."""

    def __init__(self, status: int, title: str, detail: str, errors: list[FieldProblem] | None = None,
                 **extensions: object):
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors, self.extensions = status, title, detail, errors or [], extensions

    def problem(self) -> Problem:
        return Problem(title=self.title, status=self.status, detail=self.detail, errors=self.errors)


def problem_response(status: int, title: str, detail: str, errors: list[FieldProblem | ParameterProblem] | None = None,
                     headers: dict[str, str] | None = None, **extensions: object) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, errors=errors or []).model_dump()
    return JSONResponse({**body, **extensions}, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def internal_error_response() -> JSONResponse:
    return problem_response(500, "内部错误 / internal error", "服务内部错误，已记录 / internal error, logged")


def pointer(*parts: object) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def fact_problems(exc: FactError, *prefix: object) -> list[FieldProblem]:
    return [FieldProblem(pointer=pointer(*prefix, "facts", p.fact), detail=f"{p.zh} / {p.en}") for p in exc.problems]


def request_problems(errors: list[dict], *prefix: object) -> list[FieldProblem | ParameterProblem]:
    """pydantic's errors about a request, in words: a body field by pointer (under prefix, e.g. a
    stream line's index), a query or path parameter by name."""
    out: list[FieldProblem | ParameterProblem] = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        zh, en = in_words(err)
        if loc[:1] in (("query",), ("path",), ("header",)) and len(loc) > 1:
            out.append(ParameterProblem(parameter=str(loc[1]), detail=f"{zh} / {en}"))
        else:
            out.append(FieldProblem(pointer=pointer(*prefix, *loc[1:] if loc[:1] == ("body",) else loc),
                                    detail=f"{zh} / {en}"))
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
        errors = request_problems(exc.errors())
        return problem_response(422, INVALID_REQUEST, f"{len(errors)} 处不符合接口定义 / {len(errors)} part(s) of the "
                                "request do not match the API", errors)

    @app.exception_handler(RequestProblem)
    async def _refused(request: Request, exc: RequestProblem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, exc.errors, **exc.extensions)

    @app.exception_handler(FactError)
    async def _facts(request: Request, exc: FactError) -> JSONResponse:
        return problem_response(422, "事实有误，未作判定 / facts rejected, nothing judged",
                                f"{len(exc.problems)} 个事实有误 / {len(exc.problems)} wrong fact(s)", fact_problems(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {400: "请求体无法解析 / the request body cannot be parsed", 404: "没有该资源 / not found",
                 405: "不支持该方法 / method not allowed"}.get(exc.status_code, str(exc.detail))
        detail = str(exc.detail)
        if detail == HTTPStatus(exc.status_code).phrase:  # Starlette's own English phrase: say what was asked
            detail = {404: f"没有该路径：{request.url.path} / no such path: {request.url.path}",
                      405: f"{request.url.path} 不接受 {request.method} 请求 / {request.url.path} does not accept "
                           f"{request.method}"}.get(exc.status_code, f"{title}：{detail}")
        return problem_response(exc.status_code, title, detail, headers=exc.headers)

    @app.exception_handler(EngineFault)
    async def _engine(request: Request, exc: EngineFault) -> JSONResponse:
        log.error("engine fault: %s", exc)
        return problem_response(503, "判定引擎故障 / engine fault", "判定引擎暂时无法完成判定，请稍后重试 / "
                                "the engine could not judge; retry later")

