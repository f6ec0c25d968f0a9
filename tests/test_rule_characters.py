"""Characters a rule file must not hold (engine/characters.py): each refused at its line and
column as an editor numbers them, named in words, never an exception out of the loader.

The broken-rules corpus has one case per common source (a word processor's vertical tab, NUL,
U+0001, a BOM in the middle, a line separator, a zero-width space, UTF-16); here every refused
character, line ends of every kind, and many characters in one file.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

import engine

VALID_BASE = Path(__file__).resolve().parent / "broken_rules" / "_valid-base"
VERSION = Path("standards") / "demo" / "2024.yaml"
REFUSED = ([chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + [chr(c) for c in range(0x7F, 0xA0)]
           + ["\u00ad", "\u061c", "\u180e", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029",
              "\u202a", "\u202e", "\u2060", "\u2063", "\ufeff", "\ufff9", "\ufffe", "\uffff"])


def _with_version_text(tmp_path: Path, edit) -> tuple[Path, Path]:  # noqa: ANN001
    root = tmp_path / "rules"
    shutil.copytree(VALID_BASE, root)
    version = root / VERSION
    version.write_bytes(edit(version.read_bytes().decode("utf-8")).encode("utf-8"))
    return root, version


@pytest.mark.parametrize("char", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_each_refused_character_is_named_at_its_line_and_column(tmp_path, char):
    line, text = 30, "火灾自动报警系统不能正常使用的。"
    root, version = _with_version_text(tmp_path, lambda t: t.replace(text, text[:4] + char + text[4:]))
    problems = engine.lint(root)
    column = version.read_bytes().decode("utf-8").split("\n")[line - 1].index(char) + 1
    assert [(p.file, p.line, p.column) for p in problems] == [(str(version), line, column)]
    assert problems[0].zh.startswith(f"第 {column} 列有不可见字符 U+{ord(char):04X} ") and "删除" in problems[0].zh
    assert f"U+{ord(char):04X}" in problems[0].en
    assert str(problems[0]).startswith(f"{version}:{line}:{column}: ")


def test_a_bom_opening_the_file_is_only_its_encoding(tmp_path):
    root, _ = _with_version_text(tmp_path, lambda t: "\ufeff" + t)
    assert engine.lint(root) == []


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_lines_are_numbered_as_an_editor_numbers_them_whatever_the_line_ends(tmp_path, ending):
    root, version = _with_version_text(tmp_path, lambda t: t.replace("alarm_working, eq", "alarm_workin, eq")
                                       .replace("\n", ending))
    problems = engine.lint(root)
    assert [(p.file, p.line) for p in problems] == [(str(version), 34)]
    root, version = _with_version_text(tmp_path / "vt", lambda t: t.replace("\n", ending).replace("示例机关", "示例\x0b机关"))
    assert [(p.line, p.column) for p in engine.lint(root)] == [(4, 11)]


def test_many_invisible_characters_are_reported_ten_then_counted(tmp_path):
    """A paste from a word processor can bring one on every line: the first ten, then how many more."""
    root, version = _with_version_text(tmp_path, lambda t: t.replace("\n  ", "\n\x0b  "))
    problems = engine.lint(root)
    assert len(problems) == 11 and all(p.file == str(version) and p.column == 1 for p in problems)
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    total = version.read_text(encoding="utf-8").count("\x0b")
    assert f"此后还有 {total - 10} 处" in problems[-1].zh


def test_visible_unicode_is_kept(tmp_path):
    """Chinese text, full-width punctuation and symbols a clause may quote are not refused."""
    kept = "（）【】《》“”‘’、。，；：？！…—·℃㎡×÷≤≥％　"
    assert all(unicodedata.category(c)[0] not in "C" for c in kept)
    root, _ = _with_version_text(tmp_path, lambda t: t.replace("火灾自动报警系统不能正常使用的。", f"火灾自动报警系统{kept}"))
    assert engine.lint(root) == []


def test_a_folded_block_joins_chinese_lines_without_a_space():
    """`>-` folds a line break into a space: right between English words, wrong between Chinese
    characters (help texts and notes read “改正。 全部” otherwise); other text is left as written."""
    from engine.yaml_source import parse_text

    doc = parse_text("a: >-\n  只要有任何一项不能立即改正，就答“否”；\n  全部能立即改正时答“是”。\n"
                     "b: >-\n  see GB 35181-2017\n  chapter 5\n"
                     "c: |-\n  第一行\n  第二行\n"
                     "d: 两个 字\n", "t.yaml")
    assert doc.data == {"a": "只要有任何一项不能立即改正，就答“否”；全部能立即改正时答“是”。",
                        "b": "see GB 35181-2017 chapter 5", "c": "第一行\n第二行", "d": "两个 字"}
