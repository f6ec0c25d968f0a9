"""Safe YAML loading that remembers the line of every value.

Rule files are data written by people: only plain YAML is accepted (no tags that build
Python objects, no anchors or aliases, no duplicate keys), within size and depth limits,
and every value keeps its line so an error can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import RuleProblem

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 40

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceDoc:
    """A parsed YAML document, with the line of each path in it."""

    file: str
    data: Any
    lines: dict[Path_, int]

    def line_of(self, path: Path_) -> int | None:
        """Line of the deepest existing prefix of path (the value itself, else its parent)."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return None

    def problem(self, path: Path_, zh: str, en: str) -> RuleProblem:
        return RuleProblem(self.file, self.line_of(path), tuple(path), zh, en)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases: they serve no purpose in rule files
    and aliases are the way to an exponential 'billion laughs' expansion."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark, "不允许使用 YAML 锚点或别名（& 与 *），请直接写出内容",
                           "YAML anchors and aliases (& and *) are not allowed; write the content out")
        return super().compose_node(parent, index)


class _Refused(Exception):
    def __init__(self, mark, zh: str, en: str):  # noqa: ANN001
        self.mark, self.zh, self.en = mark, zh, en


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _Refused(node.start_mark, f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels")
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise _Refused(key_node.start_mark, f"键 “{key}” 重复（第一次出现在第 {seen[key]} 行）",
                               f"duplicate key '{key}' (first at line {seen[key]})")
            seen[key] = key_node.start_mark.line + 1
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, depth + 1)


def parse_text(text: str, file: str) -> SourceDoc | RuleProblem:
    """Parse one YAML document; return it, or the single problem that stops parsing."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return RuleProblem(file, 1, (), "文件为空", "the file is empty")
        lines: dict[Path_, int] = {}
        _walk(node, (), lines, 0)
        data = loader.construct_document(node)
    except _Refused as refused:
        return RuleProblem(file, refused.mark.line + 1, (), refused.zh, refused.en)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        return RuleProblem(file, mark.line + 1 if mark else None, (),
                           f"不支持的 YAML 标签或值（规则文件只能是纯数据）：{exc.problem}",
                           f"unsupported YAML tag or value (rule files are plain data only): {exc.problem}")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        return RuleProblem(file, mark.line + 1 if mark else None, (),
                           f"YAML 语法错误：{exc.problem}", f"YAML syntax error: {exc.problem}")
    except yaml.YAMLError as exc:
        return RuleProblem(file, None, (), f"YAML 无法解析：{exc}", f"YAML cannot be parsed: {exc}")
    finally:
        loader.dispose()
    return SourceDoc(file, data, lines)


def read_file(path: Path, display: str | None = None) -> SourceDoc | RuleProblem:
    """Read a rule file as UTF-8 YAML within the size limit."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return RuleProblem(name, None, (), f"文件过大（{size} 字节，上限 {MAX_FILE_BYTES}）",
                               f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
        raw = path.read_bytes()
    except OSError as exc:
        return RuleProblem(name, None, (), f"无法读取文件：{exc.strerror}", f"cannot read file: {exc.strerror}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return RuleProblem(name, line, (), "文件不是 UTF-8 编码（请用 UTF-8 保存）",
                           "the file is not UTF-8 encoded (save it as UTF-8)")
    return parse_text(text.removeprefix("\ufeff"), name)
