"""Today and now, as the judgements of Chinese schools count days and documents tell time: in China's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> dt.date:
    return dt.datetime.now(CHINA).date()


def now_in_china() -> dt.datetime:
    """When a document is made, as the officials who read it tell time."""
    return dt.datetime.now(CHINA)
