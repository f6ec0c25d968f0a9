"""Provenance marks in plain Chinese, for documents officials read and forward.

The rule files note where each text and date came from with short English marks (`VERBATIM`,
`NOT FOUND`, `UNVERIFIED`, a date's status `assumed` ...): exact for the experts who edit them, noise
in a Chinese document. Every document for people says them with these words instead."""

from __future__ import annotations

import re

DATE_STATUS = {"verbatim": "原文载明", "secondary": "二手来源", "unverified": "未核实", "assumed": "推定",
               "not_found": "未找到"}

# Marks as the rule files write them in free text (sources, gap reasons, notes).
MARKS = {"VERBATIM-PARTIAL": "原文（不完整）", "VERBATIM": "原文", "NOT FOUND": "未找到", "UNVERIFIED": "未核实",
         "SECONDARY": "二手来源", "RECONSTRUCTED": "重建", "INFERRED": "推断", "de-noised": "已去除网页杂字",
         "trad→simp": "繁体转简体", "recalled as": "据回忆为", "not school-relevant": "与学校无关"}
MARK_PATTERN = re.compile("|".join(re.escape(mark) for mark in sorted(MARKS, key=len, reverse=True)))  # longest first
# A mark alone in brackets is often the English gloss of the words just before it (原文未能获取（NOT FOUND））:
# said in Chinese it would repeat them, so it is left out after words that already say it.
SAID_BEFORE = {"未找到": ("未能获取", "未找到", "未获取"), "未核实": ("未核实", "未经核实"), "二手来源": ("二手",)}
GLOSS = re.compile("|".join(f"(?<={re.escape(words)})（{re.escape(mark)}）"
                            for mark, said in SAID_BEFORE.items() for words in said))


def plain(text: str | None) -> str:
    """The text with every provenance mark said in Chinese (an empty string for None)."""
    return GLOSS.sub("", MARK_PATTERN.sub(lambda m: MARKS[m.group()], text or ""))
