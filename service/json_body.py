"""Request bodies read as JSON, refused in words before FastAPI sees them.

FastAPI reads a body as JSON only when its Content-Type says so, and otherwise hands pydantic the
bytes ("Input should be a valid dictionary", a 422); an empty body, a syntax error (reported by
character offset, with a pointer like "/15"), or a key given twice in one object (Python's json
keeps the last value in silence: {"place_kind": "canteen", "place_kind": "library"} was judged as
a library) all went through or came back in pydantic's English. Here: a wrong media type is 415, an
empty body, text that is not JSON (its line and column) and a repeated key (its pointer) are 422,
Chinese first. The route class applies this to every operation that takes a JSON body; the NDJSON
stream parses each of its lines with decode() itself.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from .problems import INVALID_REQUEST, FieldProblem, RequestProblem, pointer

JSON_TYPE = "application/json"
NOT_JSON = "请求体不是有效的 JSON / the body is not valid JSON"
MAX_DUPLICATES_SHOWN = 20

_SYNTAX_WORDS = (  # Python's json messages, by their start, in words
    ("Expecting value", "此处应为一个值（“文字”、数字、true、false、null、{…} 或 […]）"),
    ("Expecting property name enclosed in double quotes",
     "此处应为用双引号括起的键名（JSON 不允许单引号，也不允许最后一项后面再加逗号）"),
    ("Expecting ',' delimiter", "缺少逗号 ,"),
    ("Expecting ':' delimiter", "键名后缺少冒号 :"),
    ("Unterminated string", "文字缺少结尾的双引号 \""),
    ("Invalid control character", "文字中有控制字符（换行、制表符须写作 \\n、\\t）"),
    ("Extra data", "一个 JSON 值之后还有多余的内容（一次只能发送一个对象；多个场所请用批量或 NDJSON 流接口）"),
    ("Invalid \\escape", "无效的转义符 \\"),
    ("Invalid \\uXXXX escape", "无效的 \\uXXXX 转义"),
)


class _Repeated(dict):
    """A JSON object in which some key was given more than once (those keys in `repeated`)."""

    repeated: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    repeated = _Repeated(obj)
    repeated.repeated = [key for key, n in Counter(key for key, _ in pairs).items() if n > 1]
    return repeated


def _repeated_keys(value: Any, *prefix: object) -> list[FieldProblem]:
    """Every key given twice in an object anywhere in value, by pointer (walked without recursion:
    the document may be as deep as the parser allows)."""
    found, todo = [], [(value, prefix)]
    while todo and len(found) < MAX_DUPLICATES_SHOWN:
        node, at = todo.pop()
        if isinstance(node, _Repeated):
            found += [FieldProblem(pointer=pointer(*at, key),
                                   detail=f"键 “{key}” 在同一个对象中出现了不止一次（只能写一次：否则只有最后一个会被读到）"
                                          f" / the key '{key}' appears more than once in one object (give it once: "
                                          f"otherwise only the last one is read)") for key in node.repeated]
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        todo += [(child, (*at, key)) for key, child in children]
    return found


def decode(raw: bytes, line: int = 1, *prefix: object) -> Any:
    """raw as JSON, or RequestProblem (422) saying why not. line: the body's first line number (a
    stream's line); prefix: where the value sits, for the pointers of repeated keys."""
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        at_line = line + raw.count(b"\n", 0, exc.start)
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise RequestProblem(422, NOT_JSON, f"第 {at_line} 行第 {column} 字节不是 UTF-8：JSON 须以 UTF-8 编码 / "
                                            f"line {at_line}, byte {column} is not UTF-8: JSON is UTF-8 encoded",
                             line=at_line, column=column) from None
    try:
        value = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        words = next((zh for start, zh in _SYNTAX_WORDS if exc.msg.startswith(start)), "语法错误")
        at_line = line + exc.lineno - 1
        raise RequestProblem(422, NOT_JSON, f"第 {at_line} 行第 {exc.colno} 列：{words} / line {at_line}, column "
                                            f"{exc.colno}: {exc.msg}", line=at_line, column=exc.colno) from None
    except RecursionError:
        raise RequestProblem(422, NOT_JSON, "JSON 嵌套过深 / the JSON is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer beyond Python's 4,300-digit conversion limit
        raise RequestProblem(422, NOT_JSON, f"JSON 中的数字过长，无法读取 / a number in the JSON is too long to read: "
                                            f"{str(exc)[:120]}") from None
    repeated = _repeated_keys(value, *prefix)
    if repeated:
        raise RequestProblem(422, "JSON 对象中有重复的键 / a key is repeated in a JSON object",
                             f"{len(repeated)} 个键重复 / {len(repeated)} repeated key(s)", repeated)
    return value


def require_media_type(request: Request, accepted: tuple[str, ...], example: str) -> None:
    """415 unless the Content-Type is one of accepted (or a +json type when JSON is)."""
    declared = request.headers.get("content-type")
    message = Message()
    message["content-type"] = declared or ""
    media = message.get_content_type() if declared else ""
    if media in accepted or (JSON_TYPE in accepted and re.fullmatch(r"application/[\w.+-]+\+json", media)):
        return
    said = f"“{declared}”" if declared else "没有 Content-Type"
    raise RequestProblem(415, "不支持的媒体类型 / unsupported media type",
                         f"请求体的类型是{said}，应为 {' 或 '.join(accepted)}（如 {example}） / the body is "
                         f"{repr(declared) if declared else 'sent without a Content-Type'}; send "
                         f"{' or '.join(accepted)} (e.g. {example})")


def require_body(raw: bytes) -> None:
    if not raw.strip():
        raise RequestProblem(422, INVALID_REQUEST, "请求体为空：应为一个 JSON 对象 / the body is empty: send a JSON object")


class _ParsedJson(Request):
    """A request whose JSON body was read and checked (decode) before FastAPI asks for it."""

    async def checked(self) -> None:
        raw = await self.body()
        require_body(raw)
        require_media_type(self, (JSON_TYPE,), "-H 'Content-Type: application/json'")
        self._decoded = decode(raw)

    async def json(self) -> Any:
        return self._decoded


class CheckedJsonRoute(APIRoute):
    """FastAPI's route, with the JSON body of an operation that takes one checked first (above)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def checked_handler(request: Request) -> Response:
            parsed = _ParsedJson(request.scope, request.receive)
            await parsed.checked()
            return await handler(parsed)

        return checked_handler
