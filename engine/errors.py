"""Errors that name what is wrong, where, in Chinese first and then English.

Rule-file problems are collected (an expert fixes them all in one pass); fact problems
are collected per request. Neither ever surfaces as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def format_path(path: tuple[str | int, ...]) -> str:
    """('criteria', 3, 'condition', 'all', 0) -> 'criteria[3].condition.all[0]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(文件顶层 / top level)"


@dataclass(frozen=True)
class RuleProblem:
    """One mistake in one rule file."""

    file: str
    line: int | None
    path: tuple[str | int, ...]
    zh: str
    en: str
    column: int | None = None  # 1-based, in characters, where the exact place is known (a character the reader refuses)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: {format_path(self.path)}: {self.zh} / {self.en}"


class RuleError(Exception):
    """The rule files cannot be used; carries every problem found."""

    def __init__(self, problems: list[RuleProblem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, format_path(p.path)))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class FactProblem:
    """One wrong fact in a submitted facility (or, with `related`, facts that contradict each other)."""

    fact: str
    zh: str
    en: str
    related: tuple[str, ...] = ()  # the other facts it contradicts

    def __str__(self) -> str:
        return f"{self.fact}: {self.zh} / {self.en}"


@dataclass
class FactError(Exception):
    """Submitted facts cannot be judged; nothing was judged."""

    problems: list[FactProblem] = field(default_factory=list)
    source: str = ""  # where the facts came from (a file), when one judgement is among several

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class EngineFault(Exception):
    """durable-rules failed at run time (its C core reported an error code)."""
