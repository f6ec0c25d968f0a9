"""Safe YAML loading that remembers the line of every value.

Rule files are data written by people: only plain YAML is accepted (no tags that build
Python objects, no anchors or aliases, no duplicate keys), within size and depth limits,
and every value keeps its line so an error can point at it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from .characters import editor_lines, refused_characters
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
    sha256: str = ""  # of the bytes parsed, when read from a file

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
    and aliases are the way to an exponential 'billion laughs' expansion. It also stops
    nesting at the depth limit while composing (PyYAML composes recursively, so a file of
    '[[[[…' would otherwise end in RecursionError), and reports values that cannot be
    built (2024-02-30, an integer of 5,000 digits) at their line instead of raising."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark, "不允许使用 YAML 锚点或别名（& 与 *），请直接写出内容",
                           "YAML anchors and aliases (& and *) are not allowed; write the content out")
        if self._depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):  # noqa: ANN001 - PyYAML signature
        try:
            value = super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            value, reason = str(node.value)[:40], str(exc).split(":")[0][:120]
            raise _Refused(node.start_mark, f"值 “{value}” 无效（日期不存在或数字过长）：{reason}",
                           f"invalid value '{value}': {reason}") from None
        if isinstance(value, str) and node.style == ">":
            # a folded block (`>-`) joins its lines with a space, which Chinese text does not have
            value = _FOLDED_CJK_SPACE.sub("", value)
        return value


_CJK = "\u2018-\u201f\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_FOLDED_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


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
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(key_node.start_mark, "键只能是简单的文字（不能是列表、映射或合并键 <<）",
                               "a key must be plain text (not a list, a mapping or the merge key <<)")
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


_SYNTAX_HINTS = (  # the commonest PyYAML complaints, explained (the original follows)
    ("could not find expected ':'", "缺少冒号（键与值之间应为“键: 值”）— "),
    ("found character '\\t'", "含有制表符 Tab（YAML 只能用空格缩进）— "),
    ("mapping values are not allowed here", "此处不能出现“: ”（缩进不对，或文字中的“: ”需加引号）— "),
    ("found unexpected end of stream", "文件意外结束（引号或括号未闭合？）— "),
    ("expected <block end>", "缩进不一致 — "),
    ("expected ',' or ']'", "方括号 [ ] 未闭合或缺少逗号 — "),
    ("expected ',' or '}'", "花括号 { } 未闭合或缺少逗号 — "),
    ("but found another document", "一个文件只能有一个 YAML 文档（不要用 ---）— "),
)

# Full-width punctuation a Chinese input method types in place of YAML's own (after a key, in the
# indentation): on the line of a syntax error it is the likeliest cause, so it is named first.
_FULL_WIDTH_HINTS = (
    (re.compile(r"^\s*(?:- )?[\w.-]+："), "该行的键后是全角冒号“：”，键与值之间应为半角冒号加空格“: ”",
     "the key on that line is followed by a full-width colon '：'; write ': '"),
    (re.compile("^[ \u3000]*\u3000|:\u3000"), "该行有全角空格（U+3000），缩进和冒号后只能用半角空格",
     "the line has a full-width space (U+3000); indent and separate with ASCII spaces"),
)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> RuleProblem:
    # The scanner notices an unfinished key or quoted text only lines later: its context mark
    # (where that key or quote began) is where the mistake is.
    mark = exc.context_mark if (exc.context or "").startswith("while scanning") and exc.context_mark \
        else exc.problem_mark
    hint = next((zh for start, zh in _SYNTAX_HINTS if (exc.problem or "").startswith(start)), "")
    also_zh = also_en = ""
    if exc.context_mark and mark and exc.context_mark.line != mark.line:
        also_zh = f"（相关位置：第 {exc.context_mark.line + 1} 行）"
        also_en = f" ({exc.context} at line {exc.context_mark.line + 1})"
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    width_zh = width_en = ""
    full_width = _full_width_near(text, mark) if mark else None
    if full_width:
        (at_line, at_column), width_zh, width_en = full_width
        if at_line != line:  # YAML stumbled on the line after it
            also_zh += f"（YAML 在第 {line} 行发现）"
            also_en += f" (found by YAML at line {line})"
        line, column = at_line, at_column
    return RuleProblem(file, line, (), f"YAML 语法错误：{width_zh}{hint}{exc.problem}{also_zh}",
                       f"YAML syntax error: {width_en}{exc.problem}{also_en}", column)


def _full_width_near(text: str, mark: yaml.Mark) -> tuple[tuple[int, int], str, str] | None:
    """A full-width colon or space on the line YAML stopped at, or on the line before it (an
    indentation YAML only finds wrong on the next line): where it is, and what it is in words."""
    lines = editor_lines(text)
    for index in (mark.line, mark.line - 1):
        if 0 <= index < len(lines):
            for pattern, zh, en in _FULL_WIDTH_HINTS:
                found = pattern.search(lines[index])
                if found:
                    return (index + 1, found.end()), zh + "；", en + "; "
    return None


def parse_text(text: str, file: str) -> SourceDoc | list[RuleProblem]:
    """Parse one YAML document; return it, or the problems that stop parsing (one, or each
    character the file must not hold)."""
    text = text.removeprefix("\ufeff")  # a byte order mark opening the file is only its encoding's signature
    refused = [RuleProblem(file, r.line, (), r.zh, r.en, r.column) for r in refused_characters(text)]
    if refused:
        return refused
    loader = None
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
        if node is None:
            return [RuleProblem(file, 1, (), "文件为空", "the file is empty")]
        lines: dict[Path_, int] = {}
        _walk(node, (), lines, 0)
        data = loader.construct_document(node)
    except _Refused as refused_here:
        mark = refused_here.mark
        return [RuleProblem(file, mark.line + 1, (), refused_here.zh, refused_here.en, mark.column + 1)]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        return [RuleProblem(file, mark.line + 1 if mark else None, (),
                            f"不支持的 YAML 标签或值（规则文件只能是纯数据）：{exc.problem}",
                            f"unsupported YAML tag or value (rule files are plain data only): {exc.problem}",
                            mark.column + 1 if mark else None)]
    except yaml.MarkedYAMLError as exc:
        return [_syntax_problem(exc, text, file)]
    except yaml.YAMLError as exc:
        return [RuleProblem(file, None, (), f"YAML 无法解析：{exc}", f"YAML cannot be parsed: {exc}")]
    finally:
        if loader is not None:
            loader.dispose()
    return SourceDoc(file, data, lines)


def _not_utf8(raw: bytes, exc: UnicodeDecodeError, file: str) -> RuleProblem:
    """Where the first byte that is not UTF-8 is, and which encoding the file was likely saved in."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 1 and b"\x00" in raw[:2]):
        return RuleProblem(file, 1, (), "文件以 UTF-16（“Unicode”）编码保存，请改用 UTF-8 保存",
                           "the file is saved as UTF-16 ('Unicode'); save it as UTF-8")
    line_start = raw.rfind(b"\n", 0, exc.start) + 1
    line = raw.count(b"\n", 0, exc.start) + 1
    column = len(raw[line_start:exc.start].decode("utf-8")) + 1  # the line is UTF-8 up to there
    shown = " ".join(f"0x{b:02X}" for b in raw[exc.start:exc.end])
    return RuleProblem(file, line, (), f"文件不是 UTF-8 编码（请用 UTF-8 保存）：第 {column} 列的字节 {shown} "
                                       f"不是 UTF-8，文件可能以 GBK 或其他编码保存",
                       f"the file is not UTF-8 encoded (save it as UTF-8): the byte(s) {shown} at column {column} "
                       f"are not UTF-8; it may have been saved as GBK or another encoding", column)


def read_file(path: Path, display: str | None = None) -> SourceDoc | list[RuleProblem]:
    """Read a rule file as UTF-8 YAML within the size limit."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [RuleProblem(name, None, (), f"文件过大（{size} 字节，上限 {MAX_FILE_BYTES}）",
                                f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")]
        raw = path.read_bytes()
    except OSError as exc:
        return [RuleProblem(name, None, (), f"无法读取文件：{exc.strerror}", f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [_not_utf8(raw, exc, name)]
    doc = parse_text(text, name)
    return replace(doc, sha256=hashlib.sha256(raw).hexdigest()) if isinstance(doc, SourceDoc) else doc
