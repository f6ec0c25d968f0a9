"""Characters a rule file must not hold, found before YAML reads it and named in words.

What YAML's reader refuses (control characters such as NUL, U+0001 or the vertical tab a word
processor's soft line break pastes) made the loader raise instead of pointing at them; what it
accepts but nobody can see (a zero-width space, a byte order mark in the middle of a file, a
line separator) changed a key or a clause's verbatim text without a trace, or moved YAML's line
numbers away from the editor's (it counts U+0085, U+2028 and U+2029 as line breaks). Each is
reported at its line and column as an editor numbers them, with where it usually comes from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Control characters (but tab and the line ends), C1 controls (U+0085 too: YAML takes it for a line
# break), format characters nobody sees (soft hyphen, zero-width and direction marks, word joiner,
# a BOM anywhere), the line and paragraph separators, and what else YAML's reader refuses (lone
# surrogates, two non-characters): YAML's reader then never meets a character it refuses.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                      "\u2060-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_WORDS: dict[str, tuple[str, str]] = {  # (Chinese, English): what it is and where it usually comes from
    "\x00": ("空字符 NUL，常见于损坏的文件或错误的复制", "NUL, from a damaged file or a bad copy"),
    "\x01": ("控制字符 SOH，常见于错误的复制或编码转换", "control character SOH, from a bad copy or conversion"),
    "\x07": ("响铃符 BEL", "BELL"),
    "\x08": ("退格符 BS", "BACKSPACE"),
    "\x0b": ("垂直制表符，常见于从文字处理软件粘贴的软回车", "vertical tab, what a word processor's soft line break pastes"),
    "\x0c": ("换页符，常见于从文字处理软件或 PDF 粘贴的分页符", "form feed, a page break pasted from a word processor or a PDF"),
    "\x1b": ("转义符 ESC，常见于从终端复制的颜色代码", "ESCAPE, from colour codes copied out of a terminal"),
    "\x7f": ("删除符 DEL", "DELETE"),
    "\x85": ("下一行符 NEL，常见于编码转换出错", "NEXT LINE (NEL), from a wrong encoding conversion"),
    "\u00ad": ("软连字符，常见于从网页或 PDF 复制", "soft hyphen, copied from a web page or a PDF"),
    "\u200b": ("零宽空格，常见于从网页或聊天软件复制", "zero-width space, copied from a web page or a chat"),
    "\u200c": ("零宽非连接符，常见于从网页复制", "zero-width non-joiner, copied from a web page"),
    "\u200d": ("零宽连接符，常见于从网页复制", "zero-width joiner, copied from a web page"),
    "\u200e": ("从左到右标记，常见于从网页复制", "left-to-right mark, copied from a web page"),
    "\u200f": ("从右到左标记，常见于从网页复制", "right-to-left mark, copied from a web page"),
    "\u2028": ("行分隔符，常见于从网页或文字处理软件复制", "LINE SEPARATOR, copied from a web page or a word processor"),
    "\u2029": ("段分隔符，常见于从网页或文字处理软件复制", "PARAGRAPH SEPARATOR, copied from a web page or a word processor"),
    "\u2060": ("零宽不换行符（词连接符），常见于从网页复制", "word joiner, copied from a web page"),
    "\ufeff": ("字节顺序标记 BOM（在文件中间），常见于把两个文件拼接在一起或从另一文件粘贴",
               "byte order mark (BOM) in the middle of the file, from two files joined or pasted together"),
}
MAX_REPORTED = 10  # per file: more of them are one finding, said once


@dataclass(frozen=True)
class Refused:
    line: int    # 1-based, as an editor numbers lines
    column: int  # 1-based, in characters
    zh: str
    en: str


def _describe(char: str) -> tuple[str, str]:
    """'U+000B 垂直制表符，…' and its English: the code, then what it is in words."""
    code = f"U+{ord(char):04X}"
    if char in _WORDS:
        zh, en = _WORDS[char]
    elif unicodedata.category(char) == "Cc":
        zh, en = "控制字符，常见于错误的复制或编码转换", "control character, from a bad copy or conversion"
    else:
        name = unicodedata.name(char, "").lower() or "non-character"
        zh, en = f"不可见字符（{name}）", f"invisible character ({name})"
    return f"{code} {zh}", f"{code} {en}"


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    """Where text[offset] is, 1-based, as an editor counts (CRLF, CR and LF end a line)."""
    line_start = 0
    line = 1
    for m in _LINE_BREAK.finditer(text, 0, offset):
        line_start, line = m.end(), line + 1
    return line, offset - line_start + 1


def editor_lines(text: str) -> list[str]:
    """The lines of text as an editor shows them (YAML's marks count lines the same way, once the
    characters it would take for line breaks as well are refused)."""
    return _LINE_BREAK.split(text)


def refused_characters(text: str) -> Iterator[Refused]:
    """The characters of text (decoded, a leading BOM removed) that a rule file must not hold."""
    found = [m.start() for m in _REFUSED.finditer(text)]
    for n, offset in enumerate(found[:MAX_REPORTED + 1]):
        line, column = _line_and_column(text, offset)
        zh, en = _describe(text[offset])
        if n == MAX_REPORTED:
            more = len(found) - MAX_REPORTED
            yield Refused(line, column, f"此后还有 {more} 处不可见字符或控制字符，请一并删除",
                          f"{more} more invisible or control characters from here on: delete them all")
            return
        yield Refused(line, column,
                      f"第 {column} 列有不可见字符 {zh}。请删除它（编辑器的“显示不可见字符”可以看到它；需要换行就直接回车）",
                      f"column {column} holds an invisible character, {en}. Delete it (an editor's 'show invisible "
                      f"characters' shows it; for a new line, press Enter)")
