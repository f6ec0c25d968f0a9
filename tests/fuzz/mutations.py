"""Editor-like slips in rule files, as pure functions of a file's text and a seeded random source.

Each kind is what an expert's editor, keyboard or copy-and-paste does to a YAML file: a line
deleted or repeated, an indent shifted, a stray quote, a full-width colon from a Chinese input
method, a tab, an invisible character pasted from a word processor, a key misspelt, a value of
another type, a list item dropped, a file saved in another encoding or cut short... The kinds know
nothing of the rule files' content: they work on any YAML text (whatever rules/ holds at run time).

A mutation returns the new text (str, or bytes for a file saved in another encoding, None for a
file deleted) and, for the kinds whose mistake is at one place that the loader must name exactly
(an invisible character), the line and column an editor shows for it; a slip that leaves the
YAML meaning the same (CRLF line ends) says so, and the set must then load.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

Text = str | bytes | None


@dataclass(frozen=True)
class Slip:
    text: Text
    line: int | None = None    # 1-based, as an editor numbers lines
    column: int | None = None  # 1-based, in characters
    exact: bool = False        # the loader must report this very line and column
    harmless: bool = False     # the YAML means the same: the set must still load


Kind = Callable[[str, random.Random], Slip | None]  # None: the kind does not apply to this text
KINDS: dict[str, Kind] = {}

KEY_LINE = re.compile(r"^(?P<indent>\s*(?:- )?)(?P<key>[A-Za-z_][\w.-]*):(?P<rest>(?: .*)?)$")
SCALAR_LINE = re.compile(r"^(?P<head>\s*(?:- )?[A-Za-z_][\w.-]*: )(?P<value>[^\s#|>\[{&*!][^#]*?)\s*$")
ITEM_LINE = re.compile(r"^(?P<indent> *)- ")

# Characters that reach rule files invisibly: what a word processor, a web page or a bad copy pastes.
CONTROL = ["\x0b", "\x00", "\x01", "\x07", "\x08", "\x0c", "\x1b", "\x7f", "\x1f", "\x85", "\x9c"]
SEPARATORS = ["\u2028", "\u2029"]
LOOK_ALIKE_VALUES = ["[]", "{}", "123", "1.5", "-1", "true", "null", "~", "''", '"123"', "2024-02-30", ".nan",
                     "[a, b]", "{a: 1}", "0x1F", "1e400", "yes", "no", "on", "off", "2024-1-1", "12:30"]


def kind(name: str) -> Callable[[Kind], Kind]:
    def register(function: Kind) -> Kind:
        KINDS[name] = function
        return function
    return register


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _join(lines: list[str]) -> str:
    return "\n".join(lines)


def _pick(lines: list[str], rng: random.Random, test: Callable[[str], bool] = str.strip) -> int | None:
    candidates = [i for i, line in enumerate(lines) if test(line)]
    return rng.choice(candidates) if candidates else None


def _insert(text: str, rng: random.Random, char: str, first_allowed: int = 0) -> Slip | None:
    """char inserted somewhere in a non-blank line: invisible, so the loader must name its line and column."""
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(line.strip()))
    if i is None:
        return None
    low = first_allowed if i == 0 else 0
    if len(lines[i]) < low:
        return None
    at = rng.randint(low, len(lines[i]))
    lines[i] = lines[i][:at] + char + lines[i][at:]
    return Slip(_join(lines), i + 1, at + 1, exact=True)


@kind("line deleted")
def _delete_line(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng)
    if i is None:
        return None
    del lines[i]
    return Slip(_join(lines), i + 1)


@kind("line repeated")
def _repeat_line(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng)
    if i is None:
        return None
    lines.insert(i, lines[i])
    return Slip(_join(lines), i + 2)


@kind("indent shifted")
def _shift_indent(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng)
    if i is None:
        return None
    spaces = len(lines[i]) - len(lines[i].lstrip(" "))
    if spaces and rng.random() < 0.5:
        lines[i] = lines[i][min(spaces, rng.choice([1, 2])):]
    else:
        lines[i] = " " * rng.choice([1, 2, 4]) + lines[i]
    return Slip(_join(lines), i + 1)


@kind("stray quote")
def _stray_quote(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng)
    if i is None:
        return None
    start = len(lines[i]) - len(lines[i].lstrip())
    at = rng.randint(start, len(lines[i]))
    lines[i] = lines[i][:at] + rng.choice(['"', "'"]) + lines[i][at:]
    return Slip(_join(lines), i + 1)


@kind("full-width colon")
def _fullwidth_colon(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(KEY_LINE.match(line)))
    if i is None:
        return None
    m = KEY_LINE.match(lines[i])
    lines[i] = f"{m['indent']}{m['key']}：{m['rest']}"
    return Slip(_join(lines), i + 1)


@kind("tab")
def _tab(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: line.startswith("  ") or ": " in line)
    if i is None:
        return None
    if lines[i].startswith("  ") and rng.random() < 0.6:
        lines[i] = "\t" + lines[i][2:]
    else:
        lines[i] = lines[i].replace(": ", ":\t", 1)
    return Slip(_join(lines), i + 1)


@kind("control character")
def _control(text: str, rng: random.Random) -> Slip | None:
    return _insert(text, rng, rng.choice(CONTROL))


@kind("BOM in the middle")
def _bom(text: str, rng: random.Random) -> Slip | None:
    return _insert(text, rng, "\ufeff", first_allowed=1)


@kind("line or paragraph separator")
def _separator(text: str, rng: random.Random) -> Slip | None:
    return _insert(text, rng, rng.choice(SEPARATORS))


@kind("key misspelt")
def _misspell(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(KEY_LINE.match(line)) and len(KEY_LINE.match(line)["key"]) > 2)
    if i is None:
        return None
    m = KEY_LINE.match(lines[i])
    key = list(m["key"])
    j = rng.randrange(len(key) - 1)
    how = rng.choice(["swap", "drop", "double", "upper"])
    if how == "swap":
        key[j], key[j + 1] = key[j + 1], key[j]
    elif how == "drop":
        del key[j]
    elif how == "double":
        key.insert(j, key[j])
    else:
        key[j] = key[j].upper()
    new = "".join(key)
    if new == m["key"]:
        new += "s"
    lines[i] = f"{m['indent']}{new}:{m['rest']}"
    return Slip(_join(lines), i + 1)


@kind("value type changed")
def _retype(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(SCALAR_LINE.match(line)))
    if i is None:
        return None
    m = SCALAR_LINE.match(lines[i])
    value = m["value"]
    choice = rng.choice(LOOK_ALIKE_VALUES + ["[$v]", "{a: $v}", '"$v"'])
    lines[i] = m["head"] + choice.replace("$v", value)
    return Slip(_join(lines), i + 1)


def _item_block(lines: list[str], i: int) -> int:
    """End (exclusive) of the list item starting at line i: the lines indented deeper after it."""
    indent = len(ITEM_LINE.match(lines[i])["indent"])
    end = i + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip(" ")) > indent):
        end += 1
    return end


@kind("list item dropped")
def _drop_item(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(ITEM_LINE.match(line)))
    if i is None:
        return None
    del lines[i:_item_block(lines, i)]
    return Slip(_join(lines), i + 1)


@kind("dash removed")
def _drop_dash(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(ITEM_LINE.match(line)))
    if i is None:
        return None
    indent = ITEM_LINE.match(lines[i])["indent"]
    lines[i] = indent + rng.choice(["  ", ""]) + lines[i][len(indent) + 2:]
    return Slip(_join(lines), i + 1)


@kind("CRLF line ends")
def _crlf(text: str, rng: random.Random) -> Slip | None:
    return Slip(text.replace("\r\n", "\n").replace("\n", "\r\n"), harmless=True)


@kind("trailing whitespace")
def _trailing(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(lines))
        lines[i] += rng.choice([" ", "  ", "   ", "\u3000"])
    return Slip(_join(lines))


@kind("lines joined")
def _join_lines(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    if len(lines) < 2:
        return None
    i = rng.randrange(len(lines) - 1)
    lines[i:i + 2] = [lines[i] + (lines[i + 1].lstrip() if rng.random() < 0.5 else lines[i + 1])]
    return Slip(_join(lines), i + 1)


@kind("lines swapped")
def _swap_lines(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines[:-1], rng)
    if i is None or lines[i] == lines[i + 1]:
        return None
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return Slip(_join(lines), i + 1)


@kind("file cut short")
def _truncate(text: str, rng: random.Random) -> Slip | None:
    if len(text) < 2:
        return None
    return Slip(text[:rng.randrange(1, len(text))])


@kind("line commented out")
def _comment_out(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(line.strip()) and not line.lstrip().startswith("#"))
    if i is None:
        return None
    indent = len(lines[i]) - len(lines[i].lstrip())
    lines[i] = lines[i][:indent] + "# " + lines[i][indent:]
    return Slip(_join(lines), i + 1)


@kind("full-width space")
def _fullwidth_space(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: line.startswith(" ") or ": " in line)
    if i is None:
        return None
    if lines[i].startswith(" ") and rng.random() < 0.6:
        lines[i] = "\u3000" + lines[i][1:]
    else:
        lines[i] = lines[i].replace(": ", ":\u3000", 1)
    return Slip(_join(lines), i + 1)


@kind("Chinese quotes")
def _chinese_quotes(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(SCALAR_LINE.match(line)))
    if i is None:
        return None
    m = SCALAR_LINE.match(lines[i])
    lines[i] = m["head"] + rng.choice(["“$v”", "‘$v’", "「$v」", "“$v\""]).replace("$v", m["value"].strip("\"'"))
    return Slip(_join(lines), i + 1)


@kind("colon space removed")
def _colon_space(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: ": " in line)
    if i is None:
        return None
    lines[i] = lines[i].replace(": ", ":", 1)
    return Slip(_join(lines), i + 1)


@kind("bracket dropped")
def _bracket(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: any(c in line for c in "[]{}"))
    if i is None:
        return None
    spots = [j for j, c in enumerate(lines[i]) if c in "[]{}"]
    j = rng.choice(spots)
    lines[i] = lines[i][:j] + lines[i][j + 1:]
    return Slip(_join(lines), i + 1)


@kind("full-width digits")
def _fullwidth_digits(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: any(c.isdigit() and c.isascii() for c in line) and not line.lstrip().startswith("#"))
    if i is None:
        return None
    lines[i] = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isdigit() else c for c in lines[i])
    return Slip(_join(lines), i + 1)


@kind("zero-width character")
def _zero_width(text: str, rng: random.Random) -> Slip | None:
    return _insert(text, rng, rng.choice(["\u200b", "\u200c", "\u200d", "\u2060"]))


@kind("saved as GBK")
def _gbk(text: str, rng: random.Random) -> Slip | None:
    try:
        encoded = text.encode("gbk")
    except UnicodeEncodeError:
        encoded = text.encode("gbk", errors="replace")
    return Slip(encoded) if encoded != text.encode("utf-8") else None


@kind("saved as UTF-16")
def _utf16(text: str, rng: random.Random) -> Slip | None:
    return Slip(text.encode(rng.choice(["utf-16", "utf-16-le"])))


@kind("file emptied")
def _empty(text: str, rng: random.Random) -> Slip | None:
    return Slip(rng.choice(["", "\n", "   \n", "# \n"]))


@kind("file deleted")
def _deleted(text: str, rng: random.Random) -> Slip | None:
    return Slip(None)


@kind("key duplicated")
def _duplicate_key(text: str, rng: random.Random) -> Slip | None:
    lines = _lines(text)
    i = _pick(lines, rng, lambda line: bool(SCALAR_LINE.match(line)) and not line.lstrip().startswith("- "))
    if i is None:
        return None
    lines.insert(i + 1, lines[i])
    return Slip(_join(lines), i + 2)
