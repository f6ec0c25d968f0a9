"""pydantic's complaints about a request, in words for the people integrating with the API:
Chinese first, then English, naming the field and what was received instead."""

from __future__ import annotations

from typing import Any

from engine.decisions.records import PRINTABLE


def _kind_of(value: Any) -> tuple[str, str]:
    if isinstance(value, bool):
        return "true/false", "true/false"
    if value is None:
        return "null", "null"
    if isinstance(value, (int, float)):
        return "数字", "a number"
    if isinstance(value, str):
        return "文字", "text"
    if isinstance(value, list):
        return "数组 […]", "an array […]"
    if isinstance(value, dict):
        return "对象 {…}", "an object {…}"
    return type(value).__name__, type(value).__name__


_EXPECTED = {  # pydantic error type -> what was expected
    "dict_type": ("应为 JSON 对象 {…}", "expected a JSON object {…}"),
    "model_type": ("应为 JSON 对象 {…}", "expected a JSON object {…}"),
    "model_attributes_type": ("应为 JSON 对象 {…}", "expected a JSON object {…}"),
    "list_type": ("应为 JSON 数组 […]", "expected a JSON array […]"),
    "string_type": ("应为文字（带双引号的字符串）", "expected text (a string in double quotes)"),
}


def in_words(err: dict) -> tuple[str, str]:
    """(Chinese, English) for one pydantic error (a dict of ValidationError.errors())."""
    kind, loc, ctx = err.get("type", ""), tuple(err.get("loc", ())), err.get("ctx") or {}
    name = str(loc[-1]) if loc and isinstance(loc[-1], str) and loc[-1] not in ("body", "query", "path") else None
    if kind == "iso_date":  # service.dates says exactly what is wrong, in both languages
        return ctx["zh"], ctx["en"]
    if kind == "missing":
        return (f"缺少必填字段 “{name}”", f"required field '{name}' is missing") if name else ("缺少请求体", "the body is missing")
    if kind == "extra_forbidden":
        return f"不认识的字段 “{name}”（拼写错误，或放错了位置？）", f"unknown field '{name}' (misspelt or misplaced?)"
    if kind in _EXPECTED:
        zh, en = _EXPECTED[kind]
        got_zh, got_en = _kind_of(err.get("input"))
        return f"{zh}，收到的是{got_zh}", f"{en}, got {got_en}"
    if kind == "string_too_short":
        return "不能为空", "must not be empty"
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return f"过长：最多 {limit} 个字符", f"too long: at most {limit} characters"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == PRINTABLE:
        return "含有控制字符（如换行、制表符）", "holds a control character (a line break, a tab ...)"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return f"取值应为 {expected.replace(' or ', ' 或 ')}", f"must be {expected}"
    return f"格式不正确（{kind}）", str(err.get("msg", kind))
