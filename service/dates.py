"""Dates in requests (as_of): YYYY-MM-DD, and when not, which part is wrong."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_LOOSE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?")  # a date written another way
EXAMPLE = "2026-01-15"


def _refuse(zh: str, en: str) -> PydanticCustomError:
    return PydanticCustomError("iso_date", "{en}", {"zh": zh, "en": en})


def iso_date(value: Any) -> dt.date:
    """value as a date, if it is text of the form YYYY-MM-DD naming a day that exists."""
    if not isinstance(value, str):
        raise _refuse(f"日期应为带引号的文字 \"YYYY-MM-DD\"（如 \"{EXAMPLE}\"）",
                      f"a date is text in quotes, \"YYYY-MM-DD\" (e.g. \"{EXAMPLE}\")")
    match = _ISO.fullmatch(value)
    if match is None:
        meant = _meant(value)
        how_zh, how_en = ((f"应写作 {meant}（横线分隔，月、日两位）", f"write {meant} (dashes, two-digit month and day)")
                          if meant else (f"应为 YYYY-MM-DD 形式（如 {EXAMPLE}）", f"expected YYYY-MM-DD (e.g. {EXAMPLE})"))
        raise _refuse(f"“{value[:40]}” 不是 YYYY-MM-DD 形式的日期：{how_zh}",
                      f"'{value[:40]}' is not a YYYY-MM-DD date: {how_en}")
    year, month, day = (int(part) for part in match.groups())
    if year < 1:
        raise _refuse(f"“{value}” 中的年份 “{match[1]}” 不存在（应从 0001 起）",
                      f"the year '{match[1]}' in '{value}' does not exist (years start at 0001)")
    if not 1 <= month <= 12:
        raise _refuse(f"“{value}” 中的月份 “{match[2]}” 不存在（应为 01–12）",
                      f"the month '{match[2]}' in '{value}' does not exist (months are 01-12)")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise _refuse(f"“{value}” 中的日 “{match[3]}” 不存在（{year} 年 {month} 月有 {last} 天）",
                      f"the day '{match[3]}' in '{value}' does not exist ({year}-{match[2]} has {last} days)")
    return dt.date(year, month, day)


def _meant(value: str) -> str | None:
    """The day a date written another way (2026/1/5, 2026年1月5日) names, as YYYY-MM-DD, if it exists."""
    loose = _LOOSE.fullmatch(value.strip())
    if loose is None:
        return None
    try:
        return dt.date(*(int(part) for part in loose.groups())).isoformat()
    except ValueError:
        return None


IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]  # a request's date, refused in words when it is not one
