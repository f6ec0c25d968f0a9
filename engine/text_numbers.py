"""Numbers in a condition that its clause's text does not state: warnings for `hazard lint`.

A judgement quotes the clause's text as its basis, so a threshold edited in the condition but not
in the text (80 → 90) would judge by one number while quoting another as verified text. For each
criterion and each combined rule, every number the entry itself writes must appear in its `text`,
with the same unit or with none:
  - a constant compared with an integer or number fact (`{fact: floor_level, ge: 4}`);
  - a `percent` (`{fact: width, lt: {fact: width_required, percent: 80}}`);
  - a combined rule's `at_least`, and the numbers in its category condition.
Derived facts are not looked into: their conditions belong to the vocabulary, with a basis of
their own, not to the clause that uses them; nor is `applies_to`, which names kinds of place.
Date constants are not checked: clauses name cut-off dates by events (本标准实施前) as often as by
digits.

The text is read the way Chinese standards write numbers: Arabic digits, full-width ones too
(compared after NFKC), decimals by value (2.5 = 2.50), percents (80%, 百分之八十, 0.8倍), and
Chinese numerals (四层, 十二, 二十, 两, 一百零五). Places in documents are not quantities and do
not count: 第7章, 7.3.1, （一）, GB 8624. A unit written after a number must be the fact's unit:
"小于400mm" does not state 400 of a fact in m (nor 0.4: nothing is converted); the expert checks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from .bundle import Version
from .errors import RuleProblem
from .schema import CombinedRule, Criterion
from .vocabulary import Vocabulary
from .yaml_source import SourceDoc

# Spellings of units (after NFKC: ㎡ and m² are "m2", ℃ is "°C", ％ is "%") -> one name per unit.
_UNITS = {
    "mm": "mm", "毫米": "mm", "cm": "cm", "厘米": "cm", "m": "m", "米": "m", "km": "km", "千米": "km", "公里": "km",
    "m2": "m2", "平方米": "m2", "m3": "m3", "立方米": "m3", "L": "L", "升": "L",
    "kg": "kg", "千克": "kg", "公斤": "kg", "t": "t", "吨": "t",
    "MPa": "MPa", "兆帕": "MPa", "kPa": "kPa", "千帕": "kPa", "Pa": "Pa", "帕": "Pa", "°C": "°C", "摄氏度": "°C",
    "h": "h", "小时": "h", "min": "min", "分钟": "min", "s": "s", "秒": "s", "d": "d", "天": "d", "日": "d",
    "个月": "月", "月": "月", "年": "年",
    "kW": "kW", "千瓦": "kW", "kV": "kV", "千伏": "kV", "V": "V", "伏": "V",
    "%": "%", "倍": "倍", "层": "层", "人": "人",
    "条": "条", "项": "条", "个": "条", "处": "条",  # what a combined rule counts: 3 条以上
}
_UNIT = re.compile(" *(" + "|".join(re.escape(u) + ("(?![A-Za-z])" if u.isascii() else "")
                                   for u in sorted(_UNITS, key=len, reverse=True)) + ")")
COUNT_UNIT = "条"

_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                   "九": 9}
_CHINESE_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000}
_CHINESE = "[" + "".join(_CHINESE_DIGITS) + "".join(_CHINESE_MULTIPLIERS) + "]+"

_PERCENT_WORDS = re.compile(r"百分之(\d+(?:\.\d+)?|" + _CHINESE + ")")
# Places in documents, blanked before numbers are read: 第7章 第三条, clause numbers 7.3.1,
# list marks (1) (一), and document codes GB 8624, GB/T 50016-2014, A1 (a combustion class).
_REFERENCES = re.compile(r"第\s?(?:\d+|" + _CHINESE + r")|\d+(?:\.\d+){2,}|\(\s?(?:\d+|" + _CHINESE + r")\s?\)"
                         r"|[A-Z][A-Za-z]*(?:/[A-Z]+)?\s?\d+(?:[.\-]\d+)*")
# A minus sign only where it is not a dash between numbers (20-30) or in a code.
_ARABIC = re.compile(r"(?:(?<![0-9A-Za-z.])(?P<sign>[-−]))?(?<![0-9A-Za-z.])(?P<digits>\d+(?:\.\d+)?)")
_CHINESE_RUN = re.compile(_CHINESE)
_BLANK = "\0"

EXCERPT_CONTEXT = 12  # characters of the text shown on each side of a number it writes
EXCERPT_WINDOWS = 4
EXCERPT_WHOLE = 60    # a text without numbers is shown up to this length


@dataclass(frozen=True)
class Mention:
    """A number as the text writes it: its value, the unit written right after it (None when
    none is), and where the two stand in the text as written (to quote them)."""

    value: Decimal
    unit: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Threshold:
    """A number an entry's condition (or combined rule) writes, and what the text must say."""

    path: tuple
    value: Decimal
    unit: str | None  # the unit the text may write it in; None: any, but not as a percent
    zh: str           # what the number is, in words, with its value: 条件中“安全出口总净宽度”的阈值 2.4m
    en: str


# --- reading numbers in a text ------------------------------------------------------------------

def canonical_unit(unit: str | None) -> str | None:
    """A fact's unit under the name the text reader gives it (m² and 平方米 are both m2)."""
    if unit is None:
        return None
    unit = unicodedata.normalize("NFKC", unit).strip()
    return _UNITS.get(unit, unit)


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text in NFKC, and for each of its characters the index of the one it came from."""
    pieces = [unicodedata.normalize("NFKC", ch) for ch in text]
    return "".join(pieces), [i for i, piece in enumerate(pieces) for _ in piece]


def chinese_integers(word: str) -> list[int]:
    """The integers a run of Chinese numerals writes: 四 → [4], 十二 → [12], 二十 → [20],
    一百零五 → [105], 二〇二四 → [2024]; 三四 (three or four) → [3, 4]; [] if malformed."""
    if not any(ch in _CHINESE_MULTIPLIERS for ch in word):
        digits = [_CHINESE_DIGITS[ch] for ch in word]
        if len(digits) > 1 and 0 in digits:  # 二〇二四: digit by digit, like a year
            return [int("".join(map(str, digits)))]
        return digits
    total, digit, last = 0, None, 10_000
    for ch in word:
        if ch in _CHINESE_MULTIPLIERS:
            multiplier = _CHINESE_MULTIPLIERS[ch]
            if multiplier >= last:
                return []
            total += (1 if digit is None else digit) * multiplier  # a leading 十 is 一十
            digit, last = None, multiplier
        elif _CHINESE_DIGITS[ch] == 0:
            digit = None  # 一百零五: 零 only holds a place
        elif digit is not None:
            return []
        else:
            digit = _CHINESE_DIGITS[ch]
    return [total + (digit or 0)]


def _unit_after(text: str, end: int) -> tuple[str | None, int]:
    """The unit written right after a number ending at `end`, and where that unit ends."""
    match = _UNIT.match(text, end)
    return (_UNITS[match.group(1)], match.end()) if match else (None, end)


def mentions(text: str) -> list[Mention]:
    """Every number the text writes, in order."""
    plain, origin = _normalised(text)
    found: list[tuple[int, int, Decimal, str | None]] = []

    def blank(match: re.Match) -> str:
        return _BLANK * len(match.group())

    for match in _PERCENT_WORDS.finditer(plain):
        number = match.group(1)
        values = [Decimal(number)] if number[0].isdigit() else [Decimal(v) for v in chinese_integers(number)]
        found += [(match.start(), match.end(), value, "%") for value in values]
    plain = _REFERENCES.sub(blank, _PERCENT_WORDS.sub(blank, plain))
    for match in _ARABIC.finditer(plain):
        value = Decimal(match["digits"]) * (-1 if match["sign"] else 1)
        unit, end = _unit_after(plain, match.end())
        found.append((match.start(), end, value, unit))
    for match in _CHINESE_RUN.finditer(plain):
        if not set(match.group()) - {"百", "千", "零", "〇"}:
            continue  # 百货, 千克, 零星: words, not numbers
        unit, end = _unit_after(plain, match.end())
        found += [(match.start(), end, Decimal(v), unit) for v in chinese_integers(match.group())]
    return [Mention(value, unit, origin[start], origin[end - 1] + 1)
            for start, end, value, unit in sorted(found, key=lambda f: f[:2])]


# --- the numbers an entry writes ----------------------------------------------------------------

def _decimal(value: int | float) -> Decimal:
    return Decimal(str(value))


def _shown(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _condition_thresholds(raw: dict, path: tuple, vocab: Vocabulary) -> Iterator[Threshold]:
    """The numbers of a condition as written in the entry (a loaded, hence well-formed, one)."""
    if "fact" not in raw:
        (key, items), = raw.items()
        for i, item in enumerate(items):
            yield from _condition_thresholds(item, path + (key, i), vocab)
        return
    fact = vocab.facts.get(raw["fact"])  # None for a derived fact: its body is the vocabulary's
    if fact is None or fact.type not in ("integer", "number"):
        return
    (op, operand), = ((k, v) for k, v in raw.items() if k != "fact")
    label, unit = fact.label, canonical_unit(fact.unit)
    if isinstance(operand, dict):
        if "percent" in operand:
            percent = _decimal(operand["percent"])
            yield Threshold(path + (op, "percent"), percent, "%",
                            f"条件中“{label}”比较所用的百分比 {_shown(percent)}%",
                            f"the percent {_shown(percent)}% in the comparison of '{raw['fact']}'")
        return
    constants = enumerate(operand) if isinstance(operand, list) else [(None, operand)]
    for j, constant in constants:
        value = _decimal(constant)
        written = f"{_shown(value)}{fact.unit or ''}"
        yield Threshold(path + (op,) + (() if j is None else (j,)), value, unit,
                        f"条件中“{label}”的阈值 {written}", f"the threshold {written} for '{raw['fact']}'")


def _combined_thresholds(rule: CombinedRule, path: tuple, vocab: Vocabulary) -> Iterator[Threshold]:
    count = Decimal(rule.at_least)
    yield Threshold(path + ("at_least",), count, COUNT_UNIT, f"综合判定所需的要素条数（at_least）{rule.at_least}",
                    f"the number of elements required (at_least) {rule.at_least}")
    yield from _condition_thresholds(rule.category.condition, path + ("category", "condition"), vocab)


# --- comparing ----------------------------------------------------------------------------------

def _same_number(threshold: Threshold, mention: Mention) -> bool:
    as_percent = threshold.unit == "%" and mention.unit == "倍"  # 0.8倍 is 80%
    return (mention.value * 100 if as_percent else mention.value) == threshold.value


def _unit_agrees(expected: str | None, written: str | None) -> bool:
    if written is None or written == expected:
        return True
    if expected == "%":
        return written == "倍"
    return expected is None and written != "%"  # a plain number stated as a percent is a different number


def _excerpt(text: str, spans: list[tuple[int, int]]) -> str:
    """The text around the given spans (numbers it writes), or its beginning when there are none."""
    if not spans:
        return text if len(text) <= EXCERPT_WHOLE else text[:EXCERPT_WHOLE] + "……"
    windows: list[list[int]] = []
    for start, end in spans[:EXCERPT_WINDOWS]:
        start, end = max(0, start - EXCERPT_CONTEXT), min(len(text), end + EXCERPT_CONTEXT)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    inner = "……".join(text[start:end] for start, end in windows)
    return ("……" if windows[0][0] > 0 else "") + inner + ("……" if windows[-1][1] < len(text) else "")


def _problem(entry: str, threshold: Threshold, text: str, found: list[Mention]) -> tuple[str, str] | None:
    """(zh, en) when the text of the entry (its id) does not state the threshold; None when it does."""
    same = [m for m in found if _same_number(threshold, m)]
    if any(_unit_agrees(threshold.unit, m.unit) for m in same):
        return None
    if same:
        written = text[same[0].start:same[0].end]
        quoted = _excerpt(text, [(m.start, m.end) for m in same])
        return (f"{entry}：{threshold.zh} 在条款原文中写作“{written}”，单位与条件不同（原文：“{quoted}”）："
                f"请核对条件中的数与单位是否与原文一致（检查不会自动换算单位）",
                f"{entry}: {threshold.en} is written '{written}' in the clause text, in another unit: check that the "
                f"number and unit of the condition agree with the text (units are not converted)")
    quoted = _excerpt(text, [(m.start, m.end) for m in found])
    return (f"{entry}：{threshold.zh} 未出现在条款原文中（原文：“{quoted}”）：请核对条件与原文是否一致，改正有误的一方",
            f"{entry}: {threshold.en} does not appear in the clause text: check that the condition and the text agree, "
            f"and correct the one that is wrong")


def _entries(version: Version, vocab: Vocabulary) -> Iterator[tuple[Criterion | CombinedRule, Iterator[Threshold]]]:
    """Each entry of a version with the numbers it writes."""
    for i, criterion in enumerate(version.meta.criteria):
        yield criterion, _condition_thresholds(criterion.condition, ("criteria", i, "condition"), vocab)
    for i, rule in enumerate(version.meta.method.combined if version.meta.method else []):
        yield rule, _combined_thresholds(rule, ("method", "combined", i), vocab)


def unquoted_numbers(versions: list[Version], vocab: Vocabulary, docs: list[SourceDoc]) -> tuple[RuleProblem, ...]:
    """A warning for each number of a condition that its entry's text does not state."""
    by_file = {doc.file: doc for doc in docs}
    warnings = []
    for version in versions:
        doc = by_file[version.file]
        for entry, thresholds in _entries(version, vocab):
            found = mentions(entry.text)
            for threshold in thresholds:
                problem = _problem(entry.id, threshold, entry.text, found)
                if problem:
                    warnings.append(doc.problem(threshold.path, *problem))
    return tuple(sorted(warnings, key=lambda w: (w.file, w.line or 0)))

